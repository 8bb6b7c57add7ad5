#!/usr/bin/env bash
# The whole test run: formatting, lints, and every Rust test (unit, property, integration, doc).
# Builds everything it needs from a clean checkout; one cargo target dir serves all steps.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy (-D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo doc (-D warnings)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

echo "== pricing vectors are what the independent Python script computes"
python3 tests/pricing/elapsed_vectors.py >/dev/null
git diff --exit-code -- tests/vectors/pricing_v1.json

echo "== envelope vectors are what the generator derives from the format"
cargo run -q -p inventario-core --example envelope_vectors --locked | cmp - tests/vectors/envelope_v1.json

echo "== envelope vectors decrypt with an independent Python implementation of docs/FORMAT.md"
venv="${CARGO_TARGET_DIR:-target}/ci-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "cryptography>=42"
"$venv/bin/python" tests/crypto/check_envelope_vectors.py tests/vectors/envelope_v1.json

echo "== audit vectors are what the generator derives"
cargo run -q -p inventario-core --example audit_vectors --locked | cmp - tests/vectors/audit_v1.json

echo "== audit vectors check with an independent Python implementation of docs/FORMAT.md"
"$venv/bin/python" tests/crypto/check_audit_vectors.py tests/vectors/audit_v1.json

if [ -n "${INVENTARIO_TEST_PG_URL:-}" ]; then
  echo "== PostgreSQL at ${INVENTARIO_TEST_PG_URL%%\?*}: every store test runs on SQLite and on PostgreSQL"
else
  echo "== INVENTARIO_TEST_PG_URL is not set: the PostgreSQL runs of the store tests will say they were skipped"
fi

echo "== cargo test"
cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked

echo "== Python package: pip install ./bindings-python into a fresh venv, then its tests"
# The wheel is built with cargo's dev profile so that it shares the dependencies just compiled
# for the Rust tests (they are optimised in dev builds too); a user's `pip install` builds release.
py_venv="$(realpath -m "${CARGO_TARGET_DIR:-target}")/py-venv"
rm -rf "$py_venv"
python3 -m venv "$py_venv"
"$py_venv/bin/pip" install -q --disable-pip-version-check pytest "mypy>=1.10" "cryptography>=42" fastapi httpx
MATURIN_PEP517_ARGS="--profile dev --locked" "$py_venv/bin/pip" install -q --disable-pip-version-check ./bindings-python
(cd bindings-python && "$py_venv/bin/python" -m pytest -q tests)
echo "== Python stubs: mypy --strict on a typed use of the package, and stubtest against the module"
"$py_venv/bin/python" -m mypy --strict --no-incremental bindings-python/typecheck/usage.py
"$py_venv/bin/python" -m mypy.stubtest inventario --allowlist bindings-python/typecheck/stubtest-allowlist.txt
echo "== Python dashboard example (FastAPI TestClient)"
(cd examples/python/dashboard && "$py_venv/bin/python" -m pytest -q)

echo "== Node addon: npm install, napi build, the committed loader and types are what napi generates, node --test, tsc"
# A debug build: it shares the dependencies compiled above (optimised in dev builds too).
(
  cd bindings-node
  # `npm install` (which follows package-lock.json) rather than `npm ci`: npm 11 on Node 20
  # leaves the platform packages of @napi-rs/cli's Node-22-only helpers out of the lock file,
  # and `npm ci` then refuses the lock file as out of sync.
  npm install --no-audit --no-fund --loglevel=error
  npx napi build --platform --js native.js --dts native.d.ts
  git diff --exit-code -- native.js native.d.ts
  npm test
)
echo "== Node point-of-sale example"
node --test examples/node/pos/

echo "== comparison runner, smoke run (tiny sizes, dev builds above; docs/PERFORMANCE.md has a real run)"
python3 benches/compare.py --quick --profile dev --python "$py_venv/bin/python" --node-built \
  --out "$(realpath -m "${CARGO_TARGET_DIR:-target}")/compare-smoke" >/dev/null

echo "== quickstart runs twice (the second run adds nothing)"
demo_dir=$(mktemp -d)
trap 'rm -rf "$demo_dir"' EXIT
cargo run -q -p inventario-core --example quickstart --locked -- "$demo_dir/demo.db" >/dev/null
cargo run -q -p inventario-core --example quickstart --locked -- "$demo_dir/demo.db" | tee "$demo_dir/second.txt" | tail -n 3
grep -q "0 new" "$demo_dir/second.txt"

echo "== the inventario command on the quickstart's store, as an operator runs it"
inventario() { cargo run -q -p inventario-cli --locked -- --db "$demo_dir/demo.db" --key-file "$demo_dir/demo.db.key" "$@"; }
inventario audit verify
inventario stock verify
inventario backup create "$demo_dir/demo.ibk" >/dev/null
inventario backup verify "$demo_dir/demo.ibk"
inventario restore "$demo_dir/demo.ibk" --into "$demo_dir/restored.db" | head -n 1
inventario drill --work-dir "$demo_dir/drill" --markdown "$demo_dir/drill.md" >/dev/null
grep -q "Recovery drill: PASSED" "$demo_dir/drill.md"

if [ -n "${INVENTARIO_TEST_PG_URL:-}" ]; then
  echo "== quickstart runs twice on PostgreSQL (a schema of its own, dropped afterwards)"
  schema="quickstart_$(date +%s)_$$"
  psql "$INVENTARIO_TEST_PG_URL" -qc "CREATE SCHEMA $schema"
  trap 'rm -rf "$demo_dir"; PGOPTIONS=--client-min-messages=warning psql "$INVENTARIO_TEST_PG_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE"' EXIT
  case "$INVENTARIO_TEST_PG_URL" in *\?*) sep='&' ;; *) sep='?' ;; esac
  pg_demo="${INVENTARIO_TEST_PG_URL}${sep}options=-c%20search_path%3D${schema}"
  export INVENTARIO_MASTER_KEY=5f4dcc3b5aa765d61d8327deb882cf99e4f1c2b3a4d5e6f708192a3b4c5d6e7f
  cargo run -q -p inventario-core --example quickstart --locked -- "$pg_demo" >/dev/null
  cargo run -q -p inventario-core --example quickstart --locked -- "$pg_demo" | tee "$demo_dir/second-pg.txt" | tail -n 3
  grep -q "0 new" "$demo_dir/second-pg.txt"
fi
