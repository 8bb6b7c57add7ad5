"""The data subjects' rights from Python: requests and deadlines, the access export (JSON and
CSV), rectification, erasure with a kept fiscal part, the raw store afterwards, retention run
twice, and backup pruning."""

from __future__ import annotations

import csv
import datetime
import io
import json
import pathlib
import sqlite3
from decimal import Decimal

import pytest

import inventario
from conftest import MASTER_KEY

UTC = datetime.timezone.utc

NAMES = "Mariela Soledad"
SURNAME = "Quiroga-Ibáñez"
DNI = "29876543"
EMAIL = "Mariela.Quiroga@Example.com"
PHONE = "+54 9 261 555-0199"
ADDRESS = "Av. San Martín 1234, Mendoza"
PII = [NAMES, SURNAME, DNI, EMAIL, PHONE, ADDRESS]


def make_customer(inv: inventario.Inventory, code: str = "C001", names: str = NAMES) -> int:
    return inv.create_customer(
        code,
        names,
        surname=SURNAME,
        document_type="dni",
        document=DNI,
        phone=PHONE,
        email=EMAIL,
        address=ADDRESS,
    ).id


def raw_bytes(directory: pathlib.Path) -> bytes:
    """Every byte of the SQLite store: the database, its WAL and shared memory."""
    return b"".join(p.read_bytes() for p in directory.iterdir() if p.is_file())


def audit_count(path: pathlib.Path) -> int:
    db = sqlite3.connect(path)
    try:
        (n,) = db.execute("SELECT COUNT(*) FROM audit_events").fetchone()
        return int(n)
    finally:
        db.close()


# --- the issue owner's check: export, rectify, erase, read the raw store, retention twice ---------


def test_export_rectify_erase_then_the_raw_store_holds_no_personal_value(
    tmp_path: pathlib.Path,
) -> None:
    store = tmp_path / "shop"
    store.mkdir()
    path = store / "t.db"
    url = f"sqlite://{path}?mode=rwc"
    with inventario.open(url, master_key=MASTER_KEY, actor="privacidad") as inv:
        c = make_customer(inv)
        access = inv.record_privacy_request("customer", c, "access")
        assert access.status == "pending"
        assert access.due_on == access.received_on + datetime.timedelta(days=10)

        exported = json.loads(inv.export_subject("customer", c))
        assert exported["format"] == "inventario-subject-export/1"
        assert exported["subject"] == {"kind": "customer", "id": c}
        assert exported["personal_data"]["names"] == NAMES
        assert exported["personal_data"]["email"] == EMAIL
        assert exported["erased"] is False
        assert exported["privacy_requests"][0]["status"] == "completed"
        answered = inv.privacy_request(access.id)
        assert answered is not None and answered.status == "completed"
        last = inv.audit_events(limit=100_000)[-1]
        assert last.event_type == "ACCESS_REQUEST"
        assert (last.table, last.key) == ("customers", str(c))
        assert NAMES not in json.dumps(last.detail)

        new_email = "mariela.q@nuevo.example"
        fixed = inv.rectify(
            "customer", c, {"email": new_email, "phone": None}, reason="ticket 1234"
        )
        assert fixed.fields_written == ["email"]
        assert fixed.fields_cleared == ["phone"]
        assert fixed.blind_indexes_updated == ["email"]
        assert [x.id for x in inv.find_customers_by_email(new_email.upper())] == [c]
        assert inv.find_customers_by_email(EMAIL) == []
        identity = inv.customer_identity(c)
        assert identity is not None and identity.email == new_email and identity.phone is None
        modify = [e for e in inv.audit_events(limit=100_000) if e.event_type == "SENSITIVE_DATA_MODIFY"][-1]
        assert modify.detail["action"] == "rectify"
        assert set(modify.detail["values"]) == {"email"}
        assert new_email not in json.dumps(modify.detail)

        erasure = inv.record_privacy_request("customer", c, "erasure")
        receipt = inv.erase_subject("customer", c)
        assert isinstance(receipt, inventario.ErasureReceipt)
        assert receipt.refusal is None and receipt.kept_fields == []
        assert receipt.requests_closed == [erasure.id]
        assert len(receipt.destroyed_keys) == 1
        with pytest.raises(inventario.KeyNotFoundError):
            inv.customer_identity(c)

        after = json.loads(inv.export_subject("customer", c))
        assert after["erased"] is True
        assert set(after["erased_fields"]) == {"names", "surname", "document", "email", "address"}
        assert all(
            value is None
            for field, value in after["personal_data"].items()
            if field != "document_type"
        )
        csv_text = inv.export_subject_csv("customer", c)
        for value in PII + [new_email]:
            assert value not in json.dumps(after)
            assert value not in csv_text

        # Retention, twice: the second run changes nothing and writes nothing.
        later = datetime.datetime.now(UTC) + datetime.timedelta(days=100)
        first = inv.apply_retention(later)
        assert isinstance(first, inventario.RetentionReport)
        count = audit_count(path)
        second = inv.apply_retention(later)
        assert (second.audit_purged, second.event_seq) == (0, None)
        assert audit_count(path) == count
        assert inv.verify_audit().ok

    # The raw store, read behind the library's back, holds none of it in clear.
    data = raw_bytes(store)
    for value in PII + [new_email]:
        assert value.encode() not in data, value
    db = sqlite3.connect(path)
    try:
        (erased_at, document_bidx, email_bidx) = db.execute(
            "SELECT erased_at, document_bidx, email_bidx FROM customers WHERE id = ?", (c,)
        ).fetchone()
        assert erased_at is not None and document_bidx is None and email_bidx is None
        (status, wrapped) = db.execute(
            "SELECT status, wrapped FROM crypto_keys WHERE key_id = ?", (receipt.destroyed_keys[0],)
        ).fetchone()
        assert (status, wrapped) == ("destroyed", None)
        statuses = dict(db.execute("SELECT id, status FROM privacy_requests").fetchall())
        assert statuses == {access.id: "completed", erasure.id: "completed"}
    finally:
        db.close()


# --- deadlines ---------------------------------------------------------------------------------


def test_deadlines_follow_the_regime_and_the_holidays(inv: inventario.Inventory) -> None:
    c = make_customer(inv)
    holidays = inventario.argentina_holidays(2025, 2025)
    assert datetime.date(2025, 7, 9) in holidays and len(holidays) == 12
    assert inv.set_holidays(holidays) == []
    friday = datetime.date(2025, 7, 4)
    erasure = inv.record_privacy_request("customer", c, "erasure", received_on=friday)
    assert erasure.due_on == datetime.date(2025, 7, 14)  # 5 business days, 9 July skipped
    rect = inv.record_privacy_request("customer", c, "rectification", received_on=friday)
    access = inv.record_privacy_request("customer", c, "access", received_on=friday)
    assert access.due_on == datetime.date(2025, 7, 14)  # 10 calendar days
    gdpr = inv.record_privacy_request(
        "customer", c, "access", regime="gdpr", received_on=datetime.date(2025, 1, 31)
    )
    assert gdpr.due_on == datetime.date(2025, 2, 28)

    pending = inv.pending_privacy_requests(on=datetime.date(2025, 7, 12))
    assert [p.request.id for p in pending] == [gdpr.id, erasure.id, rect.id, access.id]
    assert [p.days_left for p in pending] == [-134, 2, 2, 2]
    assert [p.overdue for p in pending] == [True, False, False, False]

    moved = inv.set_holidays(holidays + [datetime.date(2025, 7, 10)])
    assert moved == [erasure.id, rect.id]
    assert inv.privacy_request(erasure.id).due_on == datetime.date(2025, 7, 15)  # type: ignore[union-attr]
    assert datetime.date(2025, 7, 10) in inv.holidays()

    with pytest.raises(inventario.PrivacyError) as e:
        inv.record_privacy_request(
            "customer", c, "access", received_on=inv.today() + datetime.timedelta(days=1)
        )
    assert e.value.kind == "ReceivedInFuture"
    assert isinstance(e.value, inventario.ValidationError)
    with pytest.raises(inventario.ValidationError):
        inv.record_privacy_request("customer", c, "portability")
    with pytest.raises(inventario.ValidationError):
        inv.record_privacy_request("customer", c, "access", regime="ccpa")
    with pytest.raises(inventario.ValidationError):
        inv.record_privacy_request("supplier", 999, "access")


def test_refusals(inv: inventario.Inventory) -> None:
    c = make_customer(inv)
    request = inv.record_privacy_request("customer", c, "access")
    with pytest.raises(inventario.PrivacyError) as e:
        inv.refuse_privacy_request(request.id, "legal_hold")  # type: ignore[arg-type]
    assert e.value.kind == "AutomaticReason"
    refused = inv.refuse_privacy_request(request.id, "identity_not_verified")
    assert refused.status == "refused" and refused.refusal == "identity_not_verified"
    assert refused.outcome is not None and refused.outcome["reason"] == "identity_not_verified"
    with pytest.raises(inventario.PrivacyError) as e:
        inv.refuse_privacy_request(request.id, "manifestly_unfounded")
    assert e.value.kind == "RequestClosed"
    with pytest.raises(inventario.PrivacyError) as e:
        inv.refuse_privacy_request(999, "manifestly_unfounded")
    assert e.value.kind == "RequestNotFound"
    assert inv.pending_privacy_requests() == []
    assert [r.id for r in inv.privacy_requests("customer", c)] == [request.id]
    assert inv.privacy_requests() == inv.privacy_requests("customer", c)
    assert inv.privacy_requests("supplier", c) == []
    with pytest.raises(inventario.ValidationError):
        inv.privacy_requests("customer")


# --- the export ----------------------------------------------------------------------------------


def test_the_csv_export_neutralises_formulas_and_parses_back(inv: inventario.Inventory) -> None:
    payloads = [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
    ]
    c = make_customer(inv, names=payloads[0])
    inv.rectify("customer", c, {"surname": payloads[1], "phone": payloads[2], "address": payloads[3]}, reason="t1")
    inv.rectify("customer", c, {"email": payloads[4]}, reason="t2")
    text = inv.export_subject_csv("customer", c)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["section", "item", "field", "value", "status"]
    personal = {r[2]: (r[3], r[4]) for r in rows if r[0] == "personal_data"}
    assert personal["names"] == ("'" + payloads[0], "present")
    assert personal["surname"] == ("'" + payloads[1], "present")
    assert personal["phone"] == ("'" + payloads[2], "present")
    assert personal["address"] == ("'" + payloads[3], "present")
    assert personal["email"] == ("'" + payloads[4].strip(), "present") or personal["email"][0].startswith("'")
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or cell.lstrip("-").replace(".", "").isdigit()
    # The JSON carries the values unchanged.
    exported = json.loads(inv.export_subject("customer", c))
    assert exported["personal_data"]["names"] == payloads[0]


def test_a_supplier_export_lists_their_orders_and_products(inv: inventario.Inventory) -> None:
    local = inv.create_location("LOCAL", "Salón")
    s = inv.create_supplier(
        "PEREZ", "Juan Pérez", cuit="20-12345678-6", phone="+54 11 4444-1111", email="juan@perez.example"
    )
    p = inv.create_product("ALM-YERBA", "Yerba 1 kg", Decimal("4200"), supplier=s.id)
    order = inv.create_order(s.id, [(p.id, 6, Decimal("2900"))])
    inv.send_order(order.id)
    inv.receive_order(order.id, local.id, [(order.lines[0].id, 6)])
    exported = json.loads(inv.export_subject("supplier", s.id))
    assert exported["personal_data"]["cuit"] == "20-12345678-6"
    kinds = {(r["type"], r["id"]) for r in exported["references"]}
    assert ("purchase_order", order.id) in kinds and ("product", p.id) in kinds
    assert any(r["type"] == "movement" and r["reference"] == order.number for r in exported["references"])

    # Fiscal records within ten years: the CUIT is kept under a key of its own.
    receipt = inv.erase_subject("supplier", s.id)
    assert receipt.refusal == "fiscal_retention"
    assert receipt.kept_fields == ["suppliers.cuit"]
    assert receipt.kept_scope == f"fiscal:supplier:{s.id}"
    after = json.loads(inv.export_subject("supplier", s.id))
    assert after["personal_data"]["cuit"] == "20-12345678-6"
    assert after["personal_data"]["email"] is None
    assert after["fiscal_part"]["reason"] == "fiscal_retention"
    later = datetime.datetime.now(UTC) + datetime.timedelta(days=11 * 366)
    run = inv.apply_retention(later)
    assert run.fiscal_scopes_destroyed == [f"fiscal:supplier:{s.id}"]
    assert json.loads(inv.export_subject("supplier", s.id))["personal_data"]["cuit"] is None


# --- rectification ---------------------------------------------------------------------------------


def test_a_refused_rectification_changes_nothing(inv: inventario.Inventory) -> None:
    c = make_customer(inv)
    before = len(inv.audit_events(limit=100_000))
    cases: list[tuple[dict[str, str | None], str, str]] = [
        ({"salary": "1"}, "t", "UnknownField"),
        ({"names": None}, "t", "RequiredField"),
        ({}, "t", "NoChanges"),
        ({"document_type": "cuit"}, "t", "DocumentTypeWithoutDocument"),
        ({"email": "ana@example.com"}, "fix ana@example.com", "InvalidReason"),
    ]
    for changes, reason, kind in cases:
        with pytest.raises(inventario.PrivacyError) as e:
            inv.rectify("customer", c, changes, reason=reason)
        assert e.value.kind == kind
        assert "ana@" not in str(e.value)
    with pytest.raises(inventario.ValidationError) as v:
        inv.rectify("customer", c, {"document": "12", "email": "x@y.z"}, reason="t")
    assert not isinstance(v.value, inventario.PrivacyError)
    with pytest.raises(TypeError):
        inv.rectify("customer", c, {"email": 5}, reason="t")  # type: ignore[dict-item]
    assert len(inv.audit_events(limit=100_000)) == before
    identity = inv.customer_identity(c)
    assert identity is not None and identity.email == EMAIL

    inv.erase_subject("customer", c)
    with pytest.raises(inventario.PrivacyError) as e:
        inv.rectify("customer", c, {"email": "x@y.z"}, reason="t")
    assert e.value.kind == "SubjectErased"


def test_rectifying_a_document_keeps_its_index(inv: inventario.Inventory) -> None:
    c = make_customer(inv)
    fixed = inv.rectify(
        "customer", c, {"document_type": "cuil", "document": "27-29876543-3"}, reason="ticket 5"
    )
    assert fixed.blind_indexes_updated == ["document"]
    assert [x.id for x in inv.find_customers_by_document("cuil", "27298765433")] == [c]
    assert inv.find_customers_by_document("dni", DNI) == []


# --- erasure under a legal hold ------------------------------------------------------------------


def test_a_legal_hold_keeps_the_fiscal_part_until_it_is_lifted(inv: inventario.Inventory) -> None:
    c = make_customer(inv)
    hold = inv.place_legal_hold("customers", str(c), reason="AFIP inspection")
    assert isinstance(hold, inventario.LegalHold) and hold.lifted_at is None
    request = inv.record_privacy_request("customer", c, "erasure")
    receipt = inv.erase_subject("customer", c)
    assert receipt.refusal == "legal_hold"
    assert receipt.holds == [hold.id]
    assert receipt.kept_fields == [
        "customers.names",
        "customers.surname",
        "customers.document",
        "customers.address",
    ]
    assert receipt.unreadable_fields == ["customers.phone", "customers.email"]
    closed = inv.privacy_request(request.id)
    assert closed is not None and closed.status == "partially_refused" and closed.refusal == "legal_hold"
    exported = json.loads(inv.export_subject("customer", c))
    assert exported["personal_data"]["names"] == NAMES
    assert exported["personal_data"]["phone"] is None
    assert exported["fiscal_part"]["reason"] == "legal_hold"

    assert inv.apply_retention().fiscal_parts_kept == 1
    lifted = inv.lift_legal_hold(hold.id)
    assert lifted.lifted_at is not None
    assert [h.id for h in inv.legal_holds()] == [hold.id]
    run = inv.apply_retention()
    assert run.fiscal_scopes_destroyed == [f"fiscal:customer:{c}"]
    assert json.loads(inv.export_subject("customer", c))["personal_data"]["names"] is None
    assert inv.verify_audit().ok


# --- retention ---------------------------------------------------------------------------------


def test_retention_policy_is_configurable_and_checked(inv: inventario.Inventory) -> None:
    default = inv.retention_policy()
    assert (default.operational_audit_days, default.access_audit_days, default.fiscal_years, default.backup_days) == (90, 365, 10, 30)
    policy = inv.set_retention_policy(operational_audit_days=30, backup_days=7)
    assert (policy.operational_audit_days, policy.access_audit_days, policy.backup_days) == (30, 365, 7)
    assert inv.retention_policy() == policy
    with pytest.raises(inventario.PrivacyError) as e:
        inv.set_retention_policy(fiscal_years=0)
    assert e.value.kind == "InvalidPolicy"
    assert inv.retention_policy() == policy


def test_retention_stops_at_what_every_category_keeps(inv: inventario.Inventory) -> None:
    inv.create_location("LOCAL", "Salón")  # operational
    make_customer(inv)  # access
    inv.create_location("DEP", "Depósito")  # operational
    with pytest.raises(TypeError):
        inv.apply_retention(datetime.datetime(2030, 1, 1))  # naive: names no instant
    report = inv.apply_retention(datetime.datetime.now(UTC) + datetime.timedelta(days=100))
    assert report.audit_purged == 1
    assert report.audit_stopped_by == "access_audit"
    assert report.policy == inv.retention_policy()
    assert inv.verify_audit().ok
    again = inv.apply_retention(datetime.datetime.now(UTC) + datetime.timedelta(days=100))
    assert (again.audit_purged, again.event_seq) == (0, None)


def test_prune_backups_leaves_other_files_alone(inv: inventario.Inventory, tmp_path: pathlib.Path) -> None:
    (tmp_path / "notes.txt").write_text("not a backup")
    (tmp_path / "x.ibk.partial").write_bytes(b"\x00" * 10)
    report = inv.prune_backups(tmp_path, now=datetime.datetime.now(UTC) + datetime.timedelta(days=400))
    assert report.removed == [] and report.event_seq is None
    assert sorted(pathlib.Path(p).name for p in report.skipped) == ["notes.txt", "x.ibk.partial"]
    assert (tmp_path / "notes.txt").exists()
    with pytest.raises(inventario.PrivacyError) as e:
        inv.prune_backups(tmp_path / "missing")
    assert e.value.kind == "BackupDirectory"
