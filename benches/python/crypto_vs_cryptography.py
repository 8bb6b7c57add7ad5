#!/usr/bin/env python3
"""Field encryption through the `inventario` package vs `cryptography`'s AESGCMSIV and AESGCM, in one run.

    pip install ./bindings-python cryptography     # a release build (pip's default)
    python benches/python/crypto_vs_cryptography.py [--rounds 7] [--quick] [--json PATH]

Prints a markdown table of the median time per call (or per batch) over `--rounds` timed
rounds, and the ratio ours / peer (below 1 means ours is faster; the `target` column is the
largest ratio DESIGN.md section 8 allows, where it sets one). Each round times every contender
of a row back to back, so a burst of load from another process hits all of them; each sample
is the best of three runs of about 20 ms. `--quick` (3 rounds of single ~3 ms runs) is a smoke
run for CI, not a measurement. `--json PATH` also writes the rows, in seconds, for a runner
that merges suites:

    {"suite": "python", "env": {"python": ..., "cryptography": ...},
     "rows": [{"what", "ours", "ours_s", "peer", "peer_s", "target", "note"}, ...]}

What each row compares, for a field of N bytes (N = 16, 64, 256, 1024, 16384):
- encrypt, N B: `FieldCipher.encrypt(value, table, column, row)` on a `str` of N ASCII
  characters (random nonce, padding to a multiple of 16, AAD from the context, key lookup,
  GIL released) vs `AESGCMSIV(key).encrypt(os.urandom(12), value, aad)` and
  `AESGCM(key).encrypt(...)` on the same N bytes, with an AAD of the same 45 bytes as ours.
- decrypt, N B: `FieldCipher.decrypt(envelope, table, column, row)` (returns the `str`) vs
  `AESGCMSIV.decrypt(nonce, ciphertext, aad)` and `AESGCM.decrypt(...)` (return `bytes`).
- decrypt 1000 × 64 B: one `FieldCipher.decrypt_many` call over 1,000 envelopes vs a Python
  loop of 1,000 `decrypt` calls of each peer (what a page of rows costs each way).

Not quite the same work: ours is AES-256-GCM-SIV over a padded plaintext (one to sixteen bytes
more), with the key looked up by the envelope's key id and the AAD built per call
(docs/FORMAT.md); the peers get a key object and an AAD already built. AESGCM is one pass over
the data; GCM-SIV is two (POLYVAL, then CTR), so on long fields AESGCM is the cheaper primitive.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import timeit
from importlib.metadata import version as dist_version
from typing import Callable, List, Optional, Tuple

import inventario
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESGCMSIV

KEY = "8f3a1c52e07b94d6a25fc8e13b7d609a4e2c85f1d36b0a97e4c15f28ad903b76"
TABLE, COLUMN, ROW = "customers", "email", 42
# Our AAD for (customers, email, 42): label, version, key id, then the length-prefixed table,
# column and row key (docs/FORMAT.md 3.2): 45 bytes.
AAD = b"inventario-core/v1" + b"\x01" + (1).to_bytes(4, "big") + b"\x00\x09customers\x00\x05email\x00\x0242"
SIZES = (16, 64, 256, 1024, 16384)
BATCH = 1000
BATCH_SIZE = 64

OURS = "inventario FieldCipher"
PEERS = ("cryptography AESGCMSIV", "cryptography AESGCM")


def timer(stmt: str, namespace: dict, run_s: float) -> Callable[[], float]:
    """A sampler for `stmt` (run inline by `timeit`, no extra function call): sizes a run to
    about `run_s` seconds once; each call of the sampler then times one run and returns the
    seconds per execution."""
    t = timeit.Timer(stmt, globals=namespace)
    n = 1
    while True:
        spent = t.timeit(n)
        if spent >= run_s / 4 or n >= 1 << 20:
            break
        n *= 2
    number = max(1, round(n * run_s / max(spent, 1e-9)))
    return lambda: t.timeit(number) / number


def compare(contenders: List[Tuple[str, dict]], rounds: int, repeat: int, run_s: float) -> List[float]:
    """Median over `rounds` of the best of `repeat` runs, per contender, rounds interleaved."""
    samplers = [timer(stmt, ns, run_s) for stmt, ns in contenders]
    samples: List[List[float]] = [[] for _ in samplers]
    for _ in range(rounds):
        for sampler, out in zip(samplers, samples):
            out.append(min(sampler() for _ in range(repeat)))
    return [statistics.median(s) for s in samples]


def fmt(seconds: float) -> str:
    if seconds < 10e-6:
        return f"{seconds * 1e9:,.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.1f} µs"
    return f"{seconds * 1e3:,.2f} ms"


def row(what: str, ours: str, ours_s: float, peer: str, peer_s: float, target: Optional[float], note: str) -> dict:
    return {"what": what, "ours": ours, "ours_s": ours_s, "peer": peer, "peer_s": peer_s, "target": target, "note": note}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds (default 7; 3 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: few short rounds")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    args = parser.parse_args()
    rounds = args.rounds if args.rounds is not None else (3 if args.quick else 7)
    if rounds < 1:
        parser.error("--rounds must be at least 1")
    repeat, run_s = (1, 0.003) if args.quick else (3, 0.02)

    inv = inventario.open("sqlite::memory:", master_key=KEY, actor="bench", metrics=False)
    cipher = inv.field_cipher()
    peer_key = os.urandom(32)
    peers = (AESGCMSIV(peer_key), AESGCM(peer_key))

    # (what, ours_s, [peer_s, ...], note); ratios are computed when printing.
    results = []
    for size in SIZES:
        text = "x" * size
        data = text.encode()
        envelope = cipher.encrypt(text, TABLE, COLUMN, ROW)
        assert cipher.decrypt(envelope, TABLE, COLUMN, ROW) == text
        sealed = []
        for p in peers:
            nonce = os.urandom(12)
            ct = p.encrypt(nonce, data, AAD)
            assert p.decrypt(nonce, ct, AAD) == data
            sealed.append((nonce, ct))

        ns = {"cipher": cipher, "text": text, "data": data, "envelope": envelope, "TABLE": TABLE,
              "COLUMN": COLUMN, "ROW": ROW, "AAD": AAD, "urandom": os.urandom}
        enc = [("cipher.encrypt(text, TABLE, COLUMN, ROW)", ns)]
        enc += [("peer.encrypt(urandom(12), data, AAD)", {**ns, "peer": p}) for p in peers]
        times = compare(enc, rounds, repeat, run_s)
        results.append((f"encrypt, {size} B", "encrypt", times[0], times[1:], size))

        dec = [("cipher.decrypt(envelope, TABLE, COLUMN, ROW)", ns)]
        dec += [("peer.decrypt(nonce, ct, AAD)", {**ns, "peer": p, "nonce": n, "ct": c}) for p, (n, c) in zip(peers, sealed)]
        times = compare(dec, rounds, repeat, run_s)
        results.append((f"decrypt, {size} B", "decrypt", times[0], times[1:], size))

    text = "x" * BATCH_SIZE
    data = text.encode()
    items = [(cipher.encrypt(text, TABLE, COLUMN, i), TABLE, COLUMN, i) for i in range(BATCH)]
    assert cipher.decrypt_many(items) == [text] * BATCH
    peer_items = []
    for p in peers:
        sealed_items = []
        for _ in range(BATCH):
            n = os.urandom(12)
            sealed_items.append((n, p.encrypt(n, data, AAD)))
        peer_items.append(sealed_items)

    bulk = [("cipher.decrypt_many(items)", {"cipher": cipher, "items": items})]
    bulk += [
        ("for n, ct in sealed:\n    peer.decrypt(n, ct, AAD)", {"peer": p, "sealed": sealed_items, "AAD": AAD})
        for p, sealed_items in zip(peers, peer_items)
    ]
    times = compare(bulk, rounds, repeat, run_s * 5)
    results.append((f"decrypt {BATCH} × {BATCH_SIZE} B", "decrypt_many", times[0], times[1:], BATCH_SIZE))
    inv.close()

    rows = []
    for what, op, ours_s, peer_times, size in results:
        for peer, peer_s in zip(PEERS, peer_times):
            siv = peer.endswith("AESGCMSIV")
            if op == "decrypt_many":
                target = 0.2 if siv else None
                note = (
                    f"one decrypt_many call over {BATCH} (envelope, table, column, int row key) tuples, "
                    f"vs a Python loop of {BATCH} {peer.split()[-1]}.decrypt calls"
                )
                rows.append(row(what, f"{OURS}.decrypt_many", ours_s, f"{peer}, Python loop", peer_s, target, note))
                continue
            target = 0.7 if siv and size == 64 else None
            if op == "encrypt":
                note = f"ours: str of {size} chars, random nonce, padding, AAD built per call; peer: os.urandom(12) nonce, {size} bytes"
            else:
                note = f"ours returns str; peer returns {size} bytes"
            if not siv:
                note += "; AES-GCM is one pass, GCM-SIV two"
            rows.append(row(what, f"{OURS}.{op}", ours_s, peer, peer_s, target, note))

    crypto_version = dist_version("cryptography")
    print(
        f"inventario {inventario.__version__} vs cryptography {crypto_version} (AESGCMSIV, AESGCM), "
        f"Python {sys.version.split()[0]}; median of {rounds} rounds{' (--quick: smoke run, not a measurement)' if args.quick else ''}"
    )
    print("ratio = ours / peer (< 1: ours faster); target = the largest ratio DESIGN.md 8 allows")
    print()
    print("| operation | inventario | AESGCMSIV | ours / AESGCMSIV | AESGCM | ours / AESGCM | target |")
    print("|---|---:|---:|---:|---:|---:|---|")
    by_what = {}
    for r in rows:
        by_what.setdefault(r["what"], []).append(r)
    for what, (siv, gcm) in by_what.items():
        ratio_siv = siv["ours_s"] / siv["peer_s"]
        ratio_gcm = gcm["ours_s"] / gcm["peer_s"]
        if siv["target"] is None:
            target = ""
        else:
            met = "met" if ratio_siv <= siv["target"] else "MISSED"
            target = f"≤ {siv['target']} vs AESGCMSIV: {met}"
        print(
            f"| {what} | {fmt(siv['ours_s'])} | {fmt(siv['peer_s'])} | {ratio_siv:.2f} | "
            f"{fmt(gcm['peer_s'])} | {ratio_gcm:.2f} | {target} |"
        )

    if args.json:
        out = {
            "suite": "python",
            "env": {"python": sys.version.split()[0], "cryptography": crypto_version},
            "rows": rows,
        }
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2, ensure_ascii=False)
            f.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
