#!/usr/bin/env bash
# A realistic input for the live-throughput bench: one day of simulated gateway traffic (the
# seed-campaign scenario at scale 0.05: ~14k accounts, ~97k records a day, one campaign wave
# among organic users, CI, eval and batch traffic), far denser in event time than the repeated
# fixture, so split mode runs at the default max_task_skew (1 h).
#
#   bash scripts/bench-input.sh [OUT] [DAY] [SEED]     # default: target/bench-day.jsonl.zst 9 7
#   BENCH_INPUT=target/bench-day.jsonl.zst BENCH_SKEW_HOURS=1 BENCH_REPARTITION=1 \
#     cargo bench -p distillguard-kafka --bench live_throughput --features pipeline
#
# Needs python3 and zstd. The whole simulation (3.4M records, ~370 MB compressed) goes to a
# temporary file; only day DAY (counted from the first record) is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/bench-day.jsonl.zst}"
day="${2:-9}"
seed="${3:-7}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cargo run --release -q -p distillguard-sim --example simulate -- --scenario seed-campaign \
  --seed "$seed" --scale 0.05 --output "$tmp/all.jsonl.zst" --labels "$tmp/labels.csv"
zstd -dc "$tmp/all.jsonl.zst" | python3 -c '
import json, sys
day, first = int(sys.argv[1]), None
for line in sys.stdin:
    ts = json.loads(line)["ts"]
    first = ts if first is None else first
    d = (ts - first) // 86_400_000
    if d == day:
        sys.stdout.write(line)
    # reads on past the day: leaving early would end zstd with SIGPIPE, failing the pipeline
' "$day" | zstd -q -f -o "$out"
echo "$out: $(zstd -dc "$out" | wc -l) records (day $day of seed-campaign, scale 0.05, seed $seed)"
