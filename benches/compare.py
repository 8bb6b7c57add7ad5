#!/usr/bin/env python3
"""The comparison runner: our code next to the tools a user would otherwise pick, in one run.

    python3 benches/compare.py                 # builds release, measures, prints the tables
    python3 benches/compare.py --quick         # a smoke run: tiny sizes, numbers not worth reading

It builds what it measures, then runs three halves on this machine, one after another:

1. Rust (`cargo run --release -p inventario-benches --bin compare`): field encryption vs
   pgcrypto's `pgp_sym_encrypt`/`pgp_sym_decrypt` per row on the local PostgreSQL; a stock
   movement vs a bare one-row INSERT transaction on a SQLite file and on PostgreSQL; the legacy
   system's write load test in process; three sizes 10x apart of fields, movements and audit
   events.
2. Python (`benches/python/crypto_vs_cryptography.py`, in a venv at TARGET/bench-venv with the
   package built from this checkout): vs `cryptography`'s AESGCMSIV and AESGCM.
3. Node (`benches/node/crypto_vs_node_crypto.mjs`, with the addon built from this checkout): vs
   `node:crypto` aes-256-gcm.

PostgreSQL figures need a server: `--pg URL`, or INVENTARIO_TEST_PG_URL; without one they are
left out and the table says so. The merged tables go to stdout and, with the raw JSON of every
half, to `--out` (TARGET/compare by default). docs/PERFORMANCE.md explains every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny sizes, a few seconds each")
    parser.add_argument("--profile", choices=["release", "dev"], default="release",
                        help="cargo profile of everything built (default release; dev is for smoke runs)")
    parser.add_argument("--pg", help="PostgreSQL URL (default: INVENTARIO_TEST_PG_URL)")
    parser.add_argument("--no-pg", action="store_true", help="leave PostgreSQL out")
    parser.add_argument("--python", help="a Python that already has `inventario` and `cryptography` installed "
                                         "(skips building the package)")
    parser.add_argument("--node-built", action="store_true",
                        help="use the addon already built in bindings-node (skips npm install and the build)")
    parser.add_argument("--skip", action="append", default=[], choices=["rust", "python", "node"],
                        help="leave a half out (repeatable)")
    parser.add_argument("--out", type=Path, help="directory for the tables and raw JSON (default TARGET/compare)")
    args = parser.parse_args()

    target = target_dir()
    out = (args.out or target / "compare").resolve()
    out.mkdir(parents=True, exist_ok=True)
    pg = None if args.no_pg else (args.pg or os.environ.get("INVENTARIO_TEST_PG_URL") or None)
    if pg and not postgres_reachable(pg):
        print(f"compare: PostgreSQL at {redact(pg)} is not reachable; start it or pass --no-pg", file=sys.stderr)
        return 1

    halves = {}
    if "rust" not in args.skip:
        halves["rust"] = run_rust(args, pg, out)
    if "python" not in args.skip:
        halves["python"] = run_python(args, target, out)
    if "node" not in args.skip:
        halves["node"] = run_node(args, out)

    text = render(halves, args, pg)
    print(text)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    (out / f"compare-{stamp}.md").write_text(text)
    (out / f"compare-{stamp}.json").write_text(json.dumps(halves, indent=2))
    print(f"written: {out / f'compare-{stamp}.md'} and .json", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------------------------
# Building and running the halves


def target_dir() -> Path:
    meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT,
                          check=True, capture_output=True, text=True)
    return Path(json.loads(meta.stdout)["target_directory"])


def step(title: str) -> None:
    print(f"== {title}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kwargs) -> None:
    """Runs `cmd`; its output goes to stderr, so that stdout holds the merged tables only."""
    subprocess.run(cmd, check=True, stdout=sys.stderr, **kwargs)


def run_rust(args: argparse.Namespace, pg: str | None, out: Path) -> dict:
    step(f"Rust: cargo build --profile {args.profile} -p inventario-benches --bin compare")
    run(["cargo", "build", "--quiet", "--locked", "--profile", args.profile, "-p", "inventario-benches",
         "--bin", "compare"], cwd=ROOT)
    binary = target_dir() / ("release" if args.profile == "release" else "debug") / "compare"
    result = out / "rust.json"
    cmd = [str(binary), "--json", str(result)]
    cmd += ["--pg", pg] if pg else ["--no-pg"]
    if args.quick:
        cmd.append("--quick")
    step("Rust: measuring")
    run(cmd, cwd=ROOT)
    return json.loads(result.read_text())


def run_python(args: argparse.Namespace, target: Path, out: Path) -> dict:
    python = args.python
    if python is None:
        venv = target / "bench-venv"
        python = str(venv / "bin" / "python")
        if not Path(python).exists():
            step(f"Python: venv at {venv}")
            run([sys.executable, "-m", "venv", str(venv)])
        step(f"Python: pip install cryptography, and ./bindings-python ({args.profile} profile)")
        pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        run(pip + ["cryptography>=42"])
        env = dict(os.environ, MATURIN_PEP517_ARGS=f"--profile {args.profile} --locked")
        run(pip + ["--force-reinstall", "--no-deps", str(ROOT / "bindings-python")], env=env)
    result = out / "python.json"
    cmd = [python, str(ROOT / "benches/python/crypto_vs_cryptography.py"), "--json", str(result)]
    if args.quick:
        cmd.append("--quick")
    step("Python: measuring")
    run(cmd, cwd=ROOT)
    return json.loads(result.read_text())


def run_node(args: argparse.Namespace, out: Path) -> dict:
    addon = ROOT / "bindings-node"
    if not args.node_built:
        step("Node: npm install, napi build")
        run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=addon)
        build = ["npx", "napi", "build", "--platform", "--js", "native.js", "--dts", "native.d.ts"]
        if args.profile == "release":
            build.append("--release")
        run(build, cwd=addon)
    result = out / "node.json"
    cmd = ["node", str(ROOT / "benches/node/crypto_vs_node_crypto.mjs"), "--json", str(result)]
    if args.quick:
        cmd.append("--quick")
    step("Node: measuring")
    run(cmd, cwd=ROOT)
    return json.loads(result.read_text())


def postgres_reachable(url: str) -> bool:
    if shutil.which("psql") is None:
        return True  # let the Rust half say what is wrong
    probe = subprocess.run(["psql", url, "-qAtc", "SELECT 1"], capture_output=True, text=True)
    return probe.returncode == 0


def redact(url: str) -> str:
    """The URL without a password or query string."""
    head, _, tail = url.partition("://")
    if "@" in tail:
        user, _, rest = tail.partition("@")
        tail = user.split(":")[0] + "@" + rest
    return (head + "://" + tail).split("?")[0]


# ---------------------------------------------------------------------------------------------
# The tables


def render(halves: dict, args: argparse.Namespace, pg: str | None) -> str:
    lines = [f"# inventario-core comparison run, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC", ""]
    lines += machine(halves, args, pg)
    rows = [row for half in halves.values() for row in half.get("rows", [])]
    if rows:
        lines += ["", "## Ours vs peers, same run, same inputs", "",
                  "Medians. `ours ÷ peer` is the time ratio: below 1 ours is faster. "
                  "`target` is DESIGN 8's largest allowed ratio, where it sets one.", "",
                  "| what | ours | peer | ours | peer | ours ÷ peer | target | met |",
                  "|---|---|---|---:|---:|---:|---:|:-:|"]
        for row in rows:
            ratio = row["ours_s"] / row["peer_s"]
            lines.append(f"| {row['what']} | {row['ours']} | {row['peer']} | {duration(row['ours_s'])} | "
                         f"{duration(row['peer_s'])} | {ratio_text(ratio)} | {target_text(row.get('target'))} | "
                         f"{met_text(row.get('target') is None or ratio <= row['target'], row.get('target'))} |")
    targets = halves.get("rust", {}).get("targets", [])
    if targets:
        lines += ["", "## Absolute targets (DESIGN 8)", "",
                  "| figure | measured | target | met |", "|---|---:|---:|:-:|"]
        for t in targets:
            sign = "≥" if t["bound"] == "at_least" else "≤"
            target = "—" if t["target"] is None else f"{sign} {number(t['target'])} {t['unit']}"
            lines.append(f"| {t['what']} | {number(t['value'])} {t['unit']} | {target} | "
                         f"{met_text(t['met'], t['target'])} |")
    load = halves.get("rust", {}).get("load", [])
    if load:
        lines += ["", "## Legacy write load test, in process", "",
                  f"{load[0]['users']} virtual users at once, each repeating: create a product, three stock "
                  "updates, one bulk update of 10 products. Legacy thresholds: P95 < 500 ms and > 50 requests/s.", "",
                  "| store | operation | count | ops/s | p50 | p95 | p99 | legacy thresholds |",
                  "|---|---|---:|---:|---:|---:|---:|:-:|"]
        for e in load:
            verdict = "" if e["meets_legacy"] is None else ("met" if e["meets_legacy"] else "**missed**")
            lines.append(f"| {e['backend']} | {e['operation']} | {e['count']:,} | {e['ops_per_s']:,.0f} | "
                         f"{duration(e['p50_s'])} | {duration(e['p95_s'])} | {duration(e['p99_s'])} | {verdict} |")
    scaling = halves.get("rust", {}).get("scaling", [])
    if scaling:
        lines += ["", "## How cost grows: three sizes, 10× apart", "",
                  "Slope = log(t₃/t₁) / log(n₃/n₁): 1 means in proportion to n; below 1, a fixed cost is "
                  "being spread; above 1, each item costs more as n grows.", "",
                  "| what | n₁ | t₁ | n₂ | t₂ | n₃ | t₃ | per item at n₃ | slope |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for s in scaling:
            cells = " | ".join(f"{p['n']:,} | {duration(p['seconds'])}" for p in s["points"])
            last = s["points"][-1]
            lines.append(f"| {s['what']} | {cells} | {duration(last['seconds'] / last['n'])} | {s['slope']:.2f} |")
    if args.quick:
        lines += ["", "_A `--quick` run: tiny sizes, for checking the runner works. Do not quote these numbers._"]
    return "\n".join(lines) + "\n"


def machine(halves: dict, args: argparse.Namespace, pg: str | None) -> list[str]:
    cpu = cpuinfo("model name") or "unknown CPU"
    flags = cpu_flags()
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    lines = [f"- machine: {os.cpu_count()} CPUs ({cpu}; {flags}){memory}, {platform.system()} {platform.release()}",
             f"- {rustc}, cargo profile `{args.profile}`"]
    py = halves.get("python", {}).get("env")
    if py:
        lines.append("- " + ", ".join(f"{k} {v}" for k, v in py.items()))
    node = halves.get("node", {}).get("env")
    if node:
        lines.append("- " + ", ".join(f"{k} {v}" for k, v in node.items()))
    rust_env = halves.get("rust", {}).get("env", {})
    if rust_env.get("postgres"):
        lines.append(f"- PostgreSQL {rust_env.get('postgres_version')} at {redact(pg or '')}")
    elif "rust" in halves:
        lines.append("- PostgreSQL: not given (--pg or INVENTARIO_TEST_PG_URL); its rows are left out")
    return lines


def cpuinfo(field: str) -> str | None:
    """The first value of `field` in /proc/cpuinfo, if there is one."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.split(":", 1)[0].strip() == field:
            return line.split(":", 1)[1].strip()
    return None


def cpu_flags() -> str:
    """The CPU features the ciphers and hashes use, present or not."""
    flags = cpuinfo("flags")
    if flags is None:
        return "flags unknown"
    present = set(flags.split())
    wanted = [("aes", "AES-NI"), ("pclmulqdq", "CLMUL"), ("sha_ni", "SHA-NI"), ("avx2", "AVX2")]
    return " ".join(name if flag in present else f"no {name}" for flag, name in wanted)


def duration(seconds: float) -> str:
    if seconds < 1e-6:
        return f"{seconds * 1e9:,.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.2f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds:,.2f} s"


def number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.3g}"


def ratio_text(ratio: float) -> str:
    if ratio < 0.01:
        return f"1/{1 / ratio:,.0f}"
    return f"{ratio:.2f}"


def target_text(target: float | None) -> str:
    if target is None:
        return "—"
    return f"≤ {ratio_text(target)}"


def met_text(met: bool | None, target: float | None) -> str:
    if target is None or met is None:
        return ""
    return "yes" if met else "**no**"


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except subprocess.CalledProcessError as error:
        print(f"compare: {' '.join(map(str, error.cmd))} failed with exit code {error.returncode}", file=sys.stderr)
        raise SystemExit(1)
