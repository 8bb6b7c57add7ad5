"""The shared envelope v1 vectors (tests/vectors/envelope_v1.json) through the Python API.

`positive` vectors open to their plaintext, with the Python type of their field type; their text
form and key id read back; `negative` vectors raise the exception their CryptoError variant maps
to; `blind_index` vectors give their index. `master_keys` and `wrapped_keys` are not run: the
package exposes no KEK derivation and no key unwrap (the keyring keeps keys inside).

Wycheproof's AES-GCM-SIV vectors cannot run here either: the package has no raw AEAD primitive
(DataKey builds its AAD from the field context and pads the plaintext), so they belong to the
Rust crate's own tests.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

import inventario
from conftest import load_vectors

VECTORS = load_vectors()
POSITIVE = VECTORS["positive"]
NEGATIVE = VECTORS["negative"]
BLIND_INDEX = VECTORS["blind_index"]

PYTHON_TYPES = {
    "text": str,
    "int": int,
    "decimal": Decimal,
    "bytes": bytes,
    "date": datetime.date,
}


def expected_plaintext(vector: dict[str, Any]) -> Any:
    """The vector's plaintext as the Python value DataKey.open must return."""
    text = vector["plaintext"]
    kind = vector["type"]
    if kind == "text":
        return text
    if kind == "int":
        return int(text)
    if kind == "decimal":
        return Decimal(text)
    if kind == "bytes":
        return bytes.fromhex(text)
    if kind == "date":
        return datetime.date.fromisoformat(text)
    raise AssertionError(f"unknown vector type {kind!r}")


def ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["id"] for v in vectors]


def test_the_vector_file_has_every_section() -> None:
    assert VECTORS["format"] == "inventario-core envelope v1 vectors"
    assert len(POSITIVE) >= 30
    assert len(NEGATIVE) >= 40
    assert len(BLIND_INDEX) >= 10
    assert {v["type"] for v in POSITIVE} == set(PYTHON_TYPES)


# --- positive -----------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", POSITIVE, ids=ids(POSITIVE))
def test_positive_vector_opens_to_its_plaintext(vector: dict[str, Any]) -> None:
    key = inventario.DataKey(vector["key_id"], bytes.fromhex(vector["key"]))
    envelope = bytes.fromhex(vector["envelope"])

    value = key.open(envelope, vector["table"], vector["column"], vector["row_key"])

    expected = expected_plaintext(vector)
    assert type(value) is PYTHON_TYPES[vector["type"]]
    assert value == expected
    if vector["type"] == "decimal":
        # Exact: same digits and exponent, so the canonical string round-trips.
        assert value.as_tuple() == Decimal(vector["plaintext"]).as_tuple()
        assert format(value, "f") == vector["plaintext"]


@pytest.mark.parametrize("vector", POSITIVE, ids=ids(POSITIVE))
def test_positive_vector_text_form_and_key_id(vector: dict[str, Any]) -> None:
    envelope = bytes.fromhex(vector["envelope"])

    from_text = inventario.envelope_from_text(vector["text"])
    assert type(from_text) is bytes
    assert from_text == envelope
    assert inventario.envelope_to_text(envelope) == vector["text"]
    assert inventario.envelope_key_id(envelope) == vector["key_id"]


@pytest.mark.parametrize("vector", POSITIVE, ids=ids(POSITIVE))
def test_positive_vector_reseals_to_an_envelope_of_the_same_shape(vector: dict[str, Any]) -> None:
    """Sealing the plaintext again draws a new nonce, but header and length are the vector's,
    and the new envelope opens to the same value."""
    key = inventario.DataKey(vector["key_id"], bytes.fromhex(vector["key"]))
    context = (vector["table"], vector["column"], vector["row_key"])
    published = bytes.fromhex(vector["envelope"])

    sealed = key.seal(expected_plaintext(vector), *context)

    assert sealed != published  # random nonce
    assert len(sealed) == len(published)
    assert sealed[:5] == published[:5]  # version and key id
    assert key.open(sealed, *context) == expected_plaintext(vector)


def test_positive_vector_does_not_open_in_a_neighbouring_row() -> None:
    vector = POSITIVE[0]
    key = inventario.DataKey(vector["key_id"], bytes.fromhex(vector["key"]))
    with pytest.raises(inventario.DecryptionError) as info:
        key.open(bytes.fromhex(vector["envelope"]), vector["table"], vector["column"], "43")
    assert info.value.kind == "AuthenticationFailed"


# --- negative -----------------------------------------------------------------------------------


def key_for(vector: dict[str, Any]) -> inventario.DataKey:
    """The DataKey standing in for the vector's keyring: the key the envelope names when the
    keyring has it (a keyring looks keys up by that id); otherwise the keyring's first key,
    which names another id, so opening fails with UnknownKey exactly as the keyring would."""
    envelope = bytes.fromhex(vector["envelope"])
    keys = vector["keys"]
    named = int.from_bytes(envelope[1:5], "big") if len(envelope) >= 5 else None
    chosen = next((k for k in keys if k["key_id"] == named), keys[0])
    return inventario.DataKey(chosen["key_id"], bytes.fromhex(chosen["key"]))


def test_negative_vectors_need_no_keyring_lookup_a_data_key_cannot_express() -> None:
    """Every negative vector's keyring either holds the named key, or holds none with that id
    and expects UnknownKey: key_for() reproduces the keyring exactly (no case is skipped)."""
    for vector in NEGATIVE:
        envelope = bytes.fromhex(vector["envelope"])
        if len(envelope) < 5:
            continue
        named = int.from_bytes(envelope[1:5], "big")
        if all(k["key_id"] != named for k in vector["keys"]):
            assert vector["error"] in ("UnknownKey", "UnsupportedVersion"), vector["id"]


@pytest.mark.parametrize("vector", NEGATIVE, ids=ids(NEGATIVE))
def test_negative_vector_raises_its_mapped_exception(vector: dict[str, Any]) -> None:
    key = key_for(vector)
    envelope = bytes.fromhex(vector["envelope"])
    variant = vector["error"]

    with pytest.raises(inventario.InventarioError) as info:
        key.open(envelope, vector["table"], vector["column"], vector["row_key"])

    error = info.value
    assert error.kind == variant
    if variant in ("UnknownKey", "KeyDestroyed"):
        assert type(error) is inventario.KeyNotFoundError
        assert isinstance(error, KeyError)
        assert error.key_id == vector["error_arg"]
    else:
        assert variant in ("AuthenticationFailed", "Malformed", "UnsupportedVersion")
        assert type(error) is inventario.DecryptionError
        assert isinstance(error, ValueError)
        assert not isinstance(error, KeyError)
    if variant == "UnsupportedVersion":
        assert f"version {vector['error_arg']}" in str(error)


# --- blind index --------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", BLIND_INDEX, ids=ids(BLIND_INDEX))
def test_blind_index_vector(vector: dict[str, Any]) -> None:
    key = inventario.BlindIndexKey(bytes.fromhex(vector["key"]))

    index = key.index(vector["input"], normalizer=vector["normalizer"], length=vector["len"])

    assert type(index) is bytes
    assert index.hex() == vector["index"]
    # The normalized form indexes the same.
    again = key.index(vector["normalized"], normalizer=vector["normalizer"], length=vector["len"])
    assert again == index


def test_blind_index_default_is_exact_and_16_bytes() -> None:
    vector = next(v for v in BLIND_INDEX if v["id"] == "exact")
    key = inventario.BlindIndexKey(bytes.fromhex(vector["key"]))
    assert key.index(vector["input"]).hex() == vector["index"]
    assert key.index("ana@example.com") != key.index("Ana@Example.com")


# --- seal/open round trips ----------------------------------------------------------------------

ROUND_TRIP_VALUES = [
    pytest.param("ana@example.com", id="text"),
    pytest.param("", id="text-empty"),
    pytest.param("🧉 Ñandú 東京 \x00", id="text-unicode"),
    pytest.param(0, id="int-zero"),
    pytest.param(-(2**63), id="int-min"),
    pytest.param(2**63 - 1, id="int-max"),
    pytest.param(Decimal("0.10"), id="decimal-scale-2"),
    pytest.param(Decimal("-1234.50"), id="decimal-negative"),
    pytest.param(Decimal("0.0000000000000000000000000001"), id="decimal-scale-28"),
    pytest.param(Decimal("79228162514264337593543950335"), id="decimal-max"),
    pytest.param(b"", id="bytes-empty"),
    pytest.param(bytes(range(256)), id="bytes-all"),
    pytest.param(datetime.date(2024, 2, 29), id="date-leap"),
    pytest.param(datetime.date(1, 1, 1), id="date-first"),
]


@pytest.mark.parametrize("value", ROUND_TRIP_VALUES)
def test_data_key_seal_open_round_trip(value: Any) -> None:
    key = inventario.DataKey(7, bytes(range(100, 132)))

    sealed = key.seal(value, "customers", "note", 42)

    assert type(sealed) is bytes
    assert sealed[0] == 1
    assert inventario.envelope_key_id(sealed) == 7
    opened = key.open(sealed, "customers", "note", "42")  # int row keys read as decimal text
    assert type(opened) is type(value)
    assert opened == value
    if isinstance(value, Decimal):
        assert opened.as_tuple() == value.as_tuple()
    text = inventario.envelope_to_text(sealed)
    assert text.startswith("ic1.")
    assert inventario.envelope_from_text(text) == sealed
    # Sealed twice: two nonces, two envelopes.
    assert key.seal(value, "customers", "note", 42) != sealed


def test_data_key_is_bound_to_its_id_and_bytes() -> None:
    key = inventario.DataKey(7, bytes(range(100, 132)))
    sealed = key.seal("x", "t", "c", "r")

    assert key.key_id == 7
    assert "redacted" in repr(key)
    assert bytes(range(100, 132)).hex() not in repr(key)
    other_bytes = inventario.DataKey(7, bytes(range(1, 33)))
    with pytest.raises(inventario.DecryptionError) as info:
        other_bytes.open(sealed, "t", "c", "r")
    assert info.value.kind == "AuthenticationFailed"
    other_id = inventario.DataKey(8, bytes(range(100, 132)))
    with pytest.raises(inventario.KeyNotFoundError) as missing:
        other_id.open(sealed, "t", "c", "r")
    assert missing.value.kind == "UnknownKey"
    assert missing.value.key_id == 7


def test_data_key_and_envelope_functions_refuse_bad_arguments() -> None:
    with pytest.raises(inventario.ValidationError):
        inventario.DataKey(1, b"too short")
    with pytest.raises(inventario.ValidationError):
        inventario.BlindIndexKey(bytes(31))
    with pytest.raises(TypeError):
        inventario.DataKey(1, "a" * 32)
    key = inventario.DataKey(1, bytes(range(32)))
    for value in (1.5, True, None, datetime.datetime(2024, 1, 1), bytearray(b"x")):
        with pytest.raises(TypeError):
            key.seal(value, "t", "c", "r")
    with pytest.raises(TypeError):
        key.seal("x", "t", "c", 1.0)  # row key: str or int
    with pytest.raises(TypeError):
        key.seal("x", "t", "c", True)
    with pytest.raises(inventario.ValidationError):
        key.seal("x", "", "c", "r")  # an empty table is no context
    with pytest.raises(inventario.ValidationError):
        key.seal(2**64, "t", "c", "r")  # ints are 64-bit
    with pytest.raises(inventario.ValidationError):
        key.seal(Decimal("NaN"), "t", "c", "r")
    with pytest.raises(inventario.DecryptionError) as info:
        inventario.envelope_from_text("not an envelope")
    assert info.value.kind == "Malformed"
    with pytest.raises(inventario.DecryptionError) as info:
        inventario.envelope_key_id(b"\x01\x00")
    assert info.value.kind == "Malformed"
    with pytest.raises(inventario.DecryptionError) as info:
        inventario.envelope_key_id(b"\x02" + bytes(60))
    assert info.value.kind == "UnsupportedVersion"
    with pytest.raises(TypeError):
        inventario.envelope_to_text("ic1.abc")


def test_blind_index_key_refuses_bad_options() -> None:
    key = inventario.BlindIndexKey(bytes(range(32)))
    with pytest.raises(inventario.ValidationError):
        key.index("x", normalizer="upper")
    for length in (0, 7, 33, 300, -1):
        with pytest.raises(inventario.ValidationError):
            key.index("x", length=length)
    assert len(key.index("x", length=8)) == 8
    assert len(key.index("x", length=32)) == 32
    assert "redacted" in repr(key)
