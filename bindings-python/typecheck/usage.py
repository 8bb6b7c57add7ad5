"""Typed use of the package, checked with `mypy --strict` against `inventario/__init__.pyi`.

It is not run; it must type-check, so that the stubs describe what users write.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Optional

import inventario
from inventario import MovementRequest


def shop_day(url: str, key: str) -> Decimal:
    with inventario.open(url, master_key=key, actor="cajero-1") as inv:
        shop: inventario.Location = inv.create_location("LOCAL", "Salón")
        coca = inv.create_product("BEB-COCA-2L", "Coca-Cola 2 L", Decimal("3500.00"), min_stock=6)
        inv.receive(coca.id, shop.id, 24, Decimal("2100"), idempotency_key="r-1")
        sold: inventario.Recorded = inv.sell(coca.id, shop.id, Decimal("3"))
        assert not sold.replayed
        batch = [
            MovementRequest.sale(coca.id, shop.id, 1),
            MovementRequest.adjustment(coca.id, shop.id, counted=19, reason="conteo"),
        ]
        recorded: list[inventario.Recorded] = inv.record_movements(batch)
        moves: list[inventario.Movement] = [m for r in recorded for m in r.movements]
        assert all(isinstance(m.after, Decimal) for m in moves)
        try:
            inv.sell(coca.id, shop.id, 1000)
        except inventario.InsufficientStockError as e:
            available: Decimal = e.available
            assert available >= 0
        low: list[inventario.LowStock] = inv.low_stock(datetime.date(2026, 1, 15))
        page = inv.history(product=coca.id, kind="sale", limit=10)
        next_page: Optional[int] = page.next
        summary = inv.dashboard_summary()
        weeks = inv.weekly_sales(datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
        total: Decimal = sum((w.quantity for w in weeks), Decimal(0))
        value: Decimal = inv.stock_value().total
        del low, next_page, summary, total
        return value


def personal_data(inv: inventario.Inventory) -> Optional[str]:
    ana = inv.create_customer(
        "C-1", "Ana", surname="Pérez", document_type="dni", document="30.123.456",
        email="ana@example.com",
    )
    found: list[inventario.Customer] = inv.find_customers_by_email(" ANA@example.com ")
    identity = inv.customer_identity(ana.id)
    receipt: inventario.ErasureReceipt = inv.erase_subject("customer", ana.id)
    try:
        inv.customer_identity(ana.id)
    except inventario.KeyNotFoundError as e:
        assert e.kind == "KeyDestroyed"
    del found, receipt
    return identity.email if identity is not None else None


def keys_and_cipher(url: str) -> list[object]:
    with inventario.open_keyring(url, master_key=None) as keyring:
        keyring.add_blind_index("users", "email")
        cipher: inventario.FieldCipher = keyring.field_cipher()
        sealed: bytes = cipher.encrypt("ana@example.com", "users", "email", 42)
        text: str = inventario.envelope_to_text(sealed)
        assert inventario.envelope_from_text(text) == sealed
        index: bytes = cipher.blind_index("users", "email", "Ana@Example.com", normalizer="email")
        del index

        def progress(p: inventario.ReencryptProgress) -> None:
            print(p.column, p.rows_done)

        keyring.rotate_data_key()
        reports: list[inventario.ReencryptReport] = keyring.reencrypt(batch=500, progress=progress)
        del reports
        many = cipher.encrypt_many([("a", "users", "email", 1), (Decimal("1.10"), "users", "x", 2)])
        return cipher.decrypt_many(
            [(envelope, "users", "email", i) for i, envelope in enumerate(many)],
            return_exceptions=True,
        )


def audit(inv: inventario.Inventory) -> bool:
    checkpoint: str = inv.audit_checkpoint()
    report: inventario.VerifyReport = inv.verify_audit(since=checkpoint)
    now = datetime.datetime.now(datetime.timezone.utc)
    detection = inv.detect_anomalies(now - datetime.timedelta(days=1))
    html: str = inv.audit_report(now - datetime.timedelta(days=1), now, format="html")
    seq: int = inv.record_audit_event("LOGIN_FAILED", table="api_keys", failed=True, detail={"ip": "10.0.0.1"})
    metrics: Optional[str] = inv.metrics_text()
    del detection, html, seq, metrics
    return report.ok and (report.problem is None)


def privacy_duties(inv: inventario.Inventory, customer: int, backups: str) -> int:
    holidays: list[datetime.date] = inventario.argentina_holidays(2025, 2026)
    moved: list[int] = inv.set_holidays(holidays + [datetime.date(2025, 8, 15)])
    request: inventario.PrivacyRequest = inv.record_privacy_request(
        "customer", customer, "access", regime="gdpr", received_on=datetime.date(2025, 7, 4)
    )
    due: datetime.date = request.due_on
    pending: list[inventario.PendingPrivacyRequest] = inv.pending_privacy_requests()
    overdue = [p.request.id for p in pending if p.overdue or p.days_left < 0]
    export: str = inv.export_subject("customer", customer)
    csv_text: str = inv.export_subject_csv("customer", customer)
    fixed: inventario.RectificationReceipt = inv.rectify(
        "customer", customer, {"email": "ana@nuevo.example", "phone": None}, reason="ticket 7"
    )
    try:
        inv.rectify("customer", customer, {"names": None}, reason="ticket 8")
    except inventario.PrivacyError as e:
        assert isinstance(e, inventario.ValidationError) and e.kind == "RequiredField"
    hold: inventario.LegalHold = inv.place_legal_hold("customers", str(customer), reason="AFIP")
    receipt: inventario.ErasureReceipt = inv.erase_subject("customer", customer)
    kept: list[str] = receipt.kept_fields if receipt.refusal == "legal_hold" else []
    inv.lift_legal_hold(hold.id)
    holds: list[inventario.LegalHold] = inv.legal_holds()
    refused: Optional[inventario.PrivacyRequest] = inv.privacy_request(request.id)
    mine: list[inventario.PrivacyRequest] = inv.privacy_requests("customer", customer)
    policy: inventario.RetentionPolicy = inv.set_retention_policy(operational_audit_days=60)
    report: inventario.RetentionReport = inv.apply_retention()
    again = inv.apply_retention(datetime.datetime.now(datetime.timezone.utc))
    pruned: inventario.BackupPruneReport = inv.prune_backups(backups)
    current: inventario.RetentionPolicy = inv.retention_policy()
    days: list[datetime.date] = inv.holidays()
    del moved, due, overdue, export, csv_text, fixed, kept, holds, refused, mine, policy, days
    return report.audit_purged + (again.event_seq or 0) + len(pruned.removed) + current.backup_days
