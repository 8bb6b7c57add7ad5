#!/usr/bin/env python3
"""Field encryption through the `inventario` package vs `cryptography`'s AESGCMSIV, in one run.

    pip install ./bindings-python cryptography     # a release build (pip's default)
    python benches/python/crypto_vs_cryptography.py [--rounds 7]

Prints the median time per call (or per batch) over `--rounds` timed rounds, each round the
best of `timeit.repeat`, and the ratio peer / ours (above 1 means ours is faster).

What each row compares, on the same 64-byte values:
- encrypt: `FieldCipher.encrypt(value, table, column, row)` (random nonce, padding, AAD from
  the context, key lookup, GIL released) vs `AESGCMSIV(key).encrypt(os.urandom(12), value,
  aad)` with an AAD of the same length as ours.
- decrypt: `FieldCipher.decrypt(envelope, table, column, row)` vs `AESGCMSIV.decrypt(nonce,
  ciphertext, aad)`.
- decrypt 1000: one `FieldCipher.decrypt_many` call over 1,000 envelopes vs a Python loop of
  1,000 `AESGCMSIV.decrypt` calls (what a page of rows costs each way).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import timeit

import inventario
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV

KEY = "8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76"
TABLE, COLUMN = "customers", "email"
VALUE = "x" * 64
# Our AAD: label, version, key id, then the length-prefixed table, column and row key.
AAD = b"inventario-core/v1" + b"\x01" + (1).to_bytes(4, "big") + b"\x00\x09customers\x00\x05email\x00\x0242"
BATCH = 1000


def per_call(stmt, number: int, rounds: int) -> float:
    """Median over `rounds` of the best-of-3 time per call, in seconds."""
    samples = [min(timeit.repeat(stmt, number=number, repeat=3)) / number for _ in range(rounds)]
    return statistics.median(samples)


def fmt(seconds: float) -> str:
    if seconds < 10e-6:
        return f"{seconds * 1e9:,.0f} ns"
    return f"{seconds * 1e6:,.1f} µs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    inv = inventario.open("sqlite::memory:", master_key=KEY, actor="bench", metrics=False)
    cipher = inv.field_cipher()
    peer = AESGCMSIV(os.urandom(32))

    envelope = cipher.encrypt(VALUE, TABLE, COLUMN, 42)
    value_bytes = VALUE.encode()
    nonce = os.urandom(12)
    peer_ct = peer.encrypt(nonce, value_bytes, AAD)
    assert cipher.decrypt(envelope, TABLE, COLUMN, 42) == VALUE
    assert peer.decrypt(nonce, peer_ct, AAD) == value_bytes

    items = [(cipher.encrypt(VALUE, TABLE, COLUMN, i), TABLE, COLUMN, i) for i in range(BATCH)]
    peer_items = []
    for _ in range(BATCH):
        n = os.urandom(12)
        peer_items.append((n, peer.encrypt(n, value_bytes, AAD)))

    def peer_loop() -> None:
        for n, ct in peer_items:
            peer.decrypt(n, ct, AAD)

    rows = [
        (
            "encrypt, 64 B",
            per_call(lambda: cipher.encrypt(VALUE, TABLE, COLUMN, 42), 20_000, args.rounds),
            per_call(lambda: peer.encrypt(os.urandom(12), value_bytes, AAD), 20_000, args.rounds),
        ),
        (
            "decrypt, 64 B",
            per_call(lambda: cipher.decrypt(envelope, TABLE, COLUMN, 42), 20_000, args.rounds),
            per_call(lambda: peer.decrypt(nonce, peer_ct, AAD), 20_000, args.rounds),
        ),
        (
            f"decrypt {BATCH:,} × 64 B",
            per_call(lambda: cipher.decrypt_many(items), 20, args.rounds),
            per_call(peer_loop, 20, args.rounds),
        ),
    ]
    inv.close()

    print(f"inventario {inventario.__version__} vs cryptography AESGCMSIV, Python {sys.version.split()[0]}")
    print(f"median of {args.rounds} rounds; ratio = cryptography / inventario (> 1: ours faster)")
    print()
    print(f"| {'operation':<22} | {'inventario':>12} | {'cryptography':>12} | {'ratio':>6} |")
    print(f"|{'-' * 24}|{'-' * 13}:|{'-' * 13}:|{'-' * 6}:|")
    for name, ours, theirs in rows:
        print(f"| {name:<22} | {fmt(ours):>12} | {fmt(theirs):>12} | {theirs / ours:>5.2f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
