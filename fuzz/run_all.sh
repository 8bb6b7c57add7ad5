#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600), PARALLEL targets at a time (default 1), from the
# committed corpus, then minimises each corpus (cmin) and prints one line per target:
# executions, exec/s, coverage (edges) and features from libFuzzer's final statistics, the corpus
# after cmin, and the crashes found. Logs go to fuzz-<target>.log (git-ignored).
#
#   cd fuzz && RUSTC_BOOTSTRAP=1 ./run_all.sh [SECONDS] [PARALLEL]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
parallel="${2:-1}"
targets=$(cargo fuzz list)
cargo fuzz build

run() {
  local target=$1
  mkdir -p "artifacts/$target"
  local before
  before=$(find "artifacts/$target" -name 'crash-*' | wc -l)
  # -fork=1 -ignore_crashes=1: a crash is recorded in artifacts/ and fuzzing goes on.
  cargo fuzz run "$target" -- -max_total_time="$seconds" -print_final_stats=1 \
    -fork=1 -ignore_crashes=1 >"fuzz-$target.log" 2>&1 || true
  local after
  after=$(find "artifacts/$target" -name 'crash-*' | wc -l)
  echo "$((after - before))" >"fuzz-$target.crashes"
}

running=0
for target in $targets; do
  run "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$parallel" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

printf '| target | duration | executions | exec/s | coverage (edges) | features | corpus after cmin (files, bytes) | new crashes |\n'
printf '|---|---|---:|---:|---:|---:|---|---:|\n'
for target in $targets; do
  log="fuzz-$target.log"
  # In fork mode the parent's status lines read "#N: cov: C ft: F corp: P exec/s: E … time: Ts".
  last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true)
  execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
  cov=$(sed -E 's/.* cov: ([0-9]+).*/\1/' <<<"$last")
  ft=$(sed -E 's/.* ft: ([0-9]+).*/\1/' <<<"$last")
  # The parent's exec/s is its last job's; the run's rate is executions over the time so far.
  secs=$(sed -E 's/.* time: ([0-9]+)s.*/\1/' <<<"$last")
  rate=$((execs / (secs > 0 ? secs : 1)))
  cargo fuzz cmin "$target" >"fuzz-$target.cmin.log" 2>&1
  files=$(find "corpus/$target" -type f | wc -l)
  bytes=$(find "corpus/$target" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
  printf '| `%s` | %s s | %s | %s | %s | %s | %s, %s | %s |\n' "$target" "$secs" "$execs" "$rate" \
    "$cov" "$ft" "$files" "$bytes" "$(cat "fuzz-$target.crashes")"
done
