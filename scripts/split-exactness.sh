#!/usr/bin/env bash
# How often the live split path (three instances over librdkafka's mock cluster, clean and with
# a kill -9) gives exactly the replay's actioned accounts and campaigns: runs the two
# `pipeline_mock` split tests N times (default 5) and prints one line per run plus totals.
#
#   bash scripts/split-exactness.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-5}"
cargo test -q -p distillguard-kafka --features pipeline --test pipeline_mock --no-run
for i in $(seq 1 "$n"); do
  cargo test -q -p distillguard-kafka --features pipeline --test pipeline_mock three_split \
    -- --test-threads=1 --nocapture 2>&1 | grep -E '^split live' || true
done | tee /dev/stderr | awk '
  /exact=true/ { exact[$3]++ } { runs[$3]++ }
  END { for (k in runs) printf "%s: %d of %d exact\n", k, exact[k] + 0, runs[k] }'
