"""The audit log: verification (whole and from a checkpoint), tampering detected, events, the
application's own events, anomaly detection and reports."""

from __future__ import annotations

import datetime
import json
import pathlib
import re
import uuid

import pytest

import inventario
from conftest import MASTER_KEY, make_shop, tamper

UTC = datetime.timezone.utc
BUENOS_AIRES = datetime.timezone(datetime.timedelta(hours=-3))


def last_seq(inv: inventario.Inventory) -> int:
    return inv.audit_events(limit=100_000)[-1].seq


def test_verify_audit(inv: inventario.Inventory) -> None:
    make_shop(inv)
    report = inv.verify_audit()
    assert isinstance(report, inventario.VerifyReport)
    assert report.ok and report.problem is None
    assert report.from_seq == 1
    assert report.to_seq == last_seq(inv)
    assert report.checked == report.to_seq
    assert report.checkpoint_seq is None


def test_checkpoint_round_trip(inv: inventario.Inventory) -> None:
    make_shop(inv)
    checkpoint = inv.audit_checkpoint()
    assert checkpoint.startswith("-----BEGIN INVENTARIO CHECKPOINT-----\n")
    assert checkpoint.rstrip().endswith("-----END INVENTARIO CHECKPOINT-----")
    seq = int(re.search(r"^seq: (\d+)$", checkpoint, re.MULTILINE).group(1))
    assert seq == last_seq(inv)

    report = inv.verify_audit(since=checkpoint)
    assert report.ok
    assert report.checkpoint_seq == seq
    assert report.checked == 0

    for _ in range(3):
        inv.record_audit_event("DATA_EXPORT")
    report = inv.verify_audit(since=checkpoint)
    assert report.ok
    assert (report.checkpoint_seq, report.from_seq, report.to_seq, report.checked) == (
        seq, seq + 1, seq + 3, 3)

    forged = re.sub(r"^seq: \d+$", f"seq: {seq + 1}", checkpoint, flags=re.MULTILINE)
    with pytest.raises(inventario.AuditError):
        inv.verify_audit(since=forged)
    with pytest.raises(inventario.AuditError, match="checkpoint"):
        inv.verify_audit(since="garbage checkpoint")
    with inventario.open("sqlite::memory:", master_key=MASTER_KEY, actor="t") as other:
        with pytest.raises(inventario.AuditError, match="another store"):
            other.verify_audit(since=checkpoint)
    with pytest.raises(TypeError):
        inv.verify_audit(since=b"bytes")


def test_tampering_is_detected(tmp_db: str, tmp_path: pathlib.Path) -> None:
    with inventario.open(tmp_db, master_key=MASTER_KEY, actor="t") as inv:
        make_shop(inv)
        checkpoint = inv.audit_checkpoint()
        checkpoint_seq = last_seq(inv)
        for _ in range(3):
            inv.record_audit_event("DATA_EXPORT")
        assert inv.verify_audit().ok

    # An intruder with write access rewrites who did something after the checkpoint.
    tamper(tmp_path / "t.db", "DROP TRIGGER audit_events_append_only",
           f"UPDATE audit_events SET actor = 'mallory' WHERE seq = {checkpoint_seq + 2}")
    with inventario.open(tmp_db, master_key=MASTER_KEY, actor="t") as inv:
        full = inv.verify_audit()
        since = inv.verify_audit(since=checkpoint)
    for report in (full, since):
        assert not report.ok
        assert isinstance(report.problem, inventario.ChainBreak)
        assert report.problem.seq == checkpoint_seq + 2
        assert report.problem.kind == "modified"
        assert str(checkpoint_seq + 2) in report.problem.message
    assert since.checkpoint_seq == checkpoint_seq

    # ...and deletes the first record.
    tamper(tmp_path / "t.db", "DELETE FROM audit_events WHERE seq = 1")
    with inventario.open(tmp_db, master_key=MASTER_KEY, actor="t") as inv:
        report = inv.verify_audit()
    assert not report.ok
    assert (report.problem.seq, report.problem.kind) == (1, "deleted")


def test_audit_events(inv: inventario.Inventory) -> None:
    shop = make_shop(inv)
    events = inv.audit_events()
    assert all(isinstance(e, inventario.AuditEvent) for e in events)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    first = events[0]
    assert (first.actor, first.event_type, first.table, first.key, first.status) == (
        "tester", "LOCATION_CHANGE", "locations", str(shop.salon.id), "SUCCESS")
    assert first.detail == {"action": "create", "code": "LOCAL"}
    assert first.at.tzinfo is not None
    assert re.fullmatch(r"[0-9a-f]{64}", first.hash)
    assert uuid.UUID(first.event_id)
    assert len({e.hash for e in events}) == len(events)

    assert [e.seq for e in inv.audit_events(after=2, limit=2)] == [3, 4]
    assert inv.audit_events(after=len(events)) == []
    assert inv.audit_events(limit=0) == []
    with pytest.raises(TypeError):
        inv.audit_events(after="1")


def test_reading_personal_data_is_audited(inv: inventario.Inventory) -> None:
    customer = inv.create_customer("C-1", "Ana", email="ana@example.com")
    before = last_seq(inv)
    inv.customer_identity(customer.id)
    (read,) = inv.audit_events(after=before)
    assert (read.event_type, read.table, read.key) == (
        "ENCRYPTED_DATA_DECRYPT", "customers", str(customer.id))
    assert read.key_id is not None
    assert "ana@example.com" not in json.dumps(read.detail)


def test_record_audit_event(inv: inventario.Inventory) -> None:
    first = inv.record_audit_event("LOGIN_FAILED", table="users", key="ana", failed=True,
                                   detail={"ip": "10.0.0.9", "intentos": 3})
    second = inv.record_audit_event("DATA_EXPORT")
    third = inv.record_audit_event("MI_EVENTO_PROPIO", table="informes", key="2024-03")
    assert isinstance(first, int)
    assert first < second < third
    assert third == last_seq(inv)

    by_seq = {e.seq: e for e in inv.audit_events()}
    failed = by_seq[first]
    assert (failed.event_type, failed.table, failed.key, failed.status) == (
        "LOGIN_FAILED", "users", "ana", "FAILED")
    assert failed.detail == {"ip": "10.0.0.9", "intentos": 3}
    assert (by_seq[second].status, by_seq[second].detail) == ("SUCCESS", {})
    assert by_seq[third].event_type == "MI_EVENTO_PROPIO"
    assert inv.verify_audit().ok

    for bad in ("login_failed", "con espacios", ""):
        with pytest.raises(inventario.ValidationError, match="event type"):
            inv.record_audit_event(bad)
    with pytest.raises(TypeError, match="dict"):
        inv.record_audit_event("DATA_EXPORT", detail=[1, 2])
    with pytest.raises(TypeError):
        inv.record_audit_event("DATA_EXPORT", detail={"cuando": object()})
    with pytest.raises(TypeError):
        inv.record_audit_event("DATA_EXPORT", failed="no")
    assert last_seq(inv) == third  # nothing of the refused calls was written


def test_detect_anomalies(inv: inventario.Inventory) -> None:
    start = datetime.datetime.now(UTC) - datetime.timedelta(minutes=5)
    quiet = inv.detect_anomalies(start)
    assert isinstance(quiet, inventario.Detection)
    assert quiet.anomalies == [] and quiet.failures == []

    for _ in range(6):
        inv.record_audit_event("LOGIN_FAILED", failed=True, detail={"ip": "10.0.0.9"})
    found = inv.detect_anomalies(start.astimezone(BUENOS_AIRES))
    assert found.failures == []
    brute = [a for a in found.anomalies if a.detector == "brute_force"]
    assert {(a.actor, a.ip) for a in brute} == {("tester", None), (None, "10.0.0.9")}
    for anomaly in brute:
        assert isinstance(anomaly, inventario.Anomaly)
        assert anomaly.count == 6
        assert anomaly.severity in ("medium", "high", "critical")
        assert anomaly.first_at <= anomaly.last_at
        assert "6 failed logins" in anomaly.message

    # As of a moment before the failures, nothing had happened yet.
    assert inv.detect_anomalies(start, now=start).anomalies == []
    with pytest.raises(TypeError, match="aware"):
        inv.detect_anomalies(datetime.datetime.now())
    with pytest.raises(TypeError):
        inv.detect_anomalies(start, now="now")


def test_audit_report(inv: inventario.Inventory) -> None:
    make_shop(inv)
    inv.acting_as("<script>alert(1)</script>").record_audit_event("DATA_EXPORT")
    inv.record_audit_event("LOGIN_FAILED", failed=True)
    start = datetime.datetime.now(UTC) - datetime.timedelta(hours=1)
    end = datetime.datetime.now(UTC) + datetime.timedelta(minutes=1)
    total = len(inv.audit_events(limit=1000))

    report = json.loads(inv.audit_report(start, end))
    assert report["total_events"] == total
    assert report["failed_events"] == 1
    assert {"events_by_type", "events_by_status", "top_actors", "anomalies",
            "detector_failures"} <= report.keys()
    actors = {a["actor"]: a["count"] for a in report["top_actors"]}
    assert actors["<script>alert(1)</script>"] == 1
    assert json.loads(inv.audit_report(start.astimezone(BUENOS_AIRES), end,
                                       format="json"))["total_events"] == total

    html = inv.audit_report(start, end, format="html")
    assert isinstance(html, str)
    assert html.startswith("<!DOCTYPE html>")
    assert "<script>alert(1)</script>" not in html  # every value escaped
    assert "&lt;script&gt;" in html

    empty = json.loads(inv.audit_report(start - datetime.timedelta(days=2),
                                        start - datetime.timedelta(days=1)))
    assert empty["total_events"] == 0
    with pytest.raises(inventario.ValidationError, match="format"):
        inv.audit_report(start, end, format="xml")
    with pytest.raises(inventario.ValidationError, match="before it starts"):
        inv.audit_report(end, start)
    with pytest.raises(TypeError, match="aware"):
        inv.audit_report(datetime.datetime(2024, 1, 1), end)
    with pytest.raises(TypeError):
        inv.audit_report(datetime.date(2024, 1, 1), end)
