"""An independent check of tests/vectors/audit_v1.json, written from docs/FORMAT.md alone.

Recomputes every canonical audit record, chain MAC, value MAC, checkpoint message, Ed25519
signature and checkpoint text form from the fields in the JSON, with the standard library's
hmac/hashlib and the `cryptography` package's Ed25519, rather than our Rust code, so the vectors
pin the format, not one implementation. Exits non-zero naming the first mismatch.
Usage: python check_audit_vectors.py tests/vectors/audit_v1.json
"""
import hashlib
import hmac
import json
import struct
import sys
import uuid
from datetime import datetime, timedelta, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

H = bytes.fromhex
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
GENESIS = bytes(32)


class Mismatch(Exception):
    pass


def expect(what, got, want):
    if got != want:
        raise Mismatch(f"{what}: computed {got!r}, vector says {want!r}")


def lp32(b):  # u32(len(x)) ‖ x  (FORMAT.md 7.1)
    return struct.pack(">I", len(b)) + b


def micros(text):
    """RFC 3339 UTC with exactly 6 fractional digits and `Z` (FORMAT.md 8.2)."""
    if len(text) != 27 or not text.endswith("Z") or text[19] != ".":
        raise Mismatch(f"time {text!r} is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
    dt = datetime.strptime(text[:-1], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc)
    return (dt - EPOCH) // timedelta(microseconds=1)


def canonical(tenant, r):
    status = {"SUCCESS": 0, "FAILED": 1}[r["status"]]
    key_id = b"\x00" * 5 if r["key_id"] is None else b"\x01" + struct.pack(">I", r["key_id"])
    return (
        b"\x01"
        + lp32(tenant.encode())
        + struct.pack(">Q", r["seq"])
        + uuid.UUID(r["event_id"]).bytes
        + struct.pack(">q", r["at_micros"])
        + lp32(r["actor"].encode())
        + lp32(r["event_type"].encode())
        + lp32(r["target_table"].encode())
        + lp32(r["target_key"].encode())
        + bytes([status])
        + key_id
        + lp32(r["detail"].encode())
    )


def check_chain(chain):
    key = H(chain["audit_key"])
    tenant = chain["tenant"]
    prev = GENESIS
    hashes = {}
    for i, r in enumerate(chain["records"]):
        rid = f"records[{i}] {r['id']}"
        expect(f"{rid} seq", r["seq"], i + 1)
        expect(f"{rid} at_micros", micros(r["at"]), r["at_micros"])
        expect(f"{rid} prev_hash", r["prev_hash"], prev.hex())
        c = canonical(tenant, r)
        expect(f"{rid} canonical", c.hex(), r["canonical"])
        h = hmac.new(key, prev + c, hashlib.sha256).digest()
        expect(f"{rid} hash", h.hex(), r["hash"])
        hashes[r["seq"]] = h
        prev = h

    # Retention anchor (FORMAT.md 9): the chain checks from the anchor on, and a RETENTION_PURGE
    # record after it carries the anchor's seq and hash.
    a = chain["anchor"]
    expect("anchor hash", hashes[a["purged_through_seq"]].hex(), a["last_purged_hash"])
    vouching = [
        r for r in chain["records"]
        if r["seq"] > a["purged_through_seq"] and r["event_type"] == "RETENTION_PURGE"
        and json.loads(r["detail"]).get("purged_through_seq") == a["purged_through_seq"]
        and json.loads(r["detail"]).get("last_purged_hash") == a["last_purged_hash"]
    ]
    expect("anchor vouched by", [r["seq"] for r in vouching], [a["vouched_by_seq"]])
    return len(chain["records"]) + 1, hashes


def check_value_macs(vectors):
    n = 0
    for v in vectors:
        data = b"inventario-core/v1 audit value" + lp32(v["field"].encode()) + v["value"].encode()
        expect(f"value_macs {v['id']} input", data.hex(), v["input"])
        mac = hmac.new(H(v["key"]), data, hashlib.sha256).digest()[:16]
        expect(f"value_macs {v['id']} mac", mac.hex(), v["mac"])
        n += 1
    return n


BEGIN = "-----BEGIN INVENTARIO CHECKPOINT-----"
END = "-----END INVENTARIO CHECKPOINT-----"


def check_checkpoints(vectors, chain_tenant, hashes):
    n = 0
    for c in vectors:
        cid = f"checkpoints {c['id']}"
        at = micros(c["at"])
        expect(f"{cid} at_micros", at, c["at_micros"])
        message = (
            b"inventario-core/v1 checkpoint"
            + H(c["store_id"])
            + lp32(c["tenant"].encode())
            + struct.pack(">Q", c["seq"])
            + H(c["hash"])
            + struct.pack(">q", at)
        )
        expect(f"{cid} message", message.hex(), c["message"])
        seed = Ed25519PrivateKey.from_private_bytes(H(c["seed"]))
        public = seed.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        expect(f"{cid} public key", public.hex(), c["public_key"])
        # RFC 8032 signatures are deterministic: signing again gives the same bytes.
        expect(f"{cid} signature", seed.sign(message).hex(), c["signature"])
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(H(c["signature"]), message)
        except InvalidSignature:
            raise Mismatch(f"{cid}: signature does not verify")
        text = "\n".join([
            BEGIN,
            "version: 1",
            f"store: {c['store_id']}",
            f"tenant: {c['tenant']}",
            f"seq: {c['seq']}",
            f"hash: {c['hash']}",
            f"at: {c['at']}",
            f"key: {c['public_key']}",
            f"signature: {c['signature']}",
            END,
        ]) + "\n"
        expect(f"{cid} text", text, c["text"])
        for name in ("store_id", "hash", "public_key", "signature"):
            if c[name] != c[name].lower():
                raise Mismatch(f"{cid} {name} is not lower-case hex")
        if c["tenant"] == chain_tenant and c["seq"] > 0:
            expect(f"{cid} hash of record {c['seq']}", hashes[c["seq"]].hex(), c["hash"])
        if c["seq"] == 0:
            expect(f"{cid} empty chain hash", c["hash"], GENESIS.hex())
        n += 1
    return n


def main(path):
    d = json.load(open(path, encoding="utf-8"))
    expect("format", d["format"], "inventario-core audit v1 vectors")
    n, hashes = check_chain(d["chain"])
    n += check_value_macs(d["value_macs"])
    n += check_checkpoints(d["checkpoints"], d["chain"]["tenant"], hashes)
    print("ok", n, "audit vectors checked independently")


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except Mismatch as e:
        print(f"audit vectors MISMATCH: {e}", file=sys.stderr)
        sys.exit(1)
