#!/usr/bin/env bash
# The seed's proportions (not in CI): one campaign of 25,000 accounts and 28.8M exchanges over
# 44 days (configs/scenarios/seed-campaign.toml) inside at least ten times as much legitimate
# traffic, scaled down to fit the disk: every population is multiplied by SCALE, and the
# organic population by ORGANIC_X on top. Simulates, replays and evaluates it, then prints
# the legitimate/attack record ratio, events/s, peak memory, memory per account held and the
# detection figures (eval's summary).
#
# Usage: benches/seed-scale.sh
# Environment:
#   SCALE             population scale               (default 0.02: 500 campaign accounts)
#   ORGANIC_X         extra factor on organic people (default 13, for >= 10x the campaign)
#   SEED              simulator seed                 (default 1)
#   OUT               work directory                 (default target/seed-scale)
#   DISTILLGUARD_BIN  binary to run instead of building target/release/distillguard
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SCALE="${SCALE:-0.02}"
ORGANIC_X="${ORGANIC_X:-13}"
SEED="${SEED:-1}"
OUT="${OUT:-target/seed-scale}"
BIN="${DISTILLGUARD_BIN:-target/release/distillguard}"
mkdir -p "$OUT"
[[ -n "${DISTILLGUARD_BIN:-}" ]] || cargo build --release -q -p distillguard
# the seed scenario with ORGANIC_X times the organic people (the first `accounts` of [organic])
awk -v x="$ORGANIC_X" '
    /^\[/ { section = $1 }
    section == "[organic]" && $1 == "accounts" && !done { $3 = $3 * x; done = 1 }
    { print }' configs/scenarios/seed-campaign.toml >"$OUT/scenario.toml"
base="$OUT/seed-scale"
"$BIN" simulate --scenario "$OUT/scenario.toml" --seed "$SEED" --scale "$SCALE" \
    --output "$base.jsonl.zst" --labels "$base.labels.csv" 2>"$base.simulate.log"
"$BIN" replay --output "$base.verdicts.jsonl" \
    --campaigns "$base.campaigns.jsonl" --rejects "$base.rejects.jsonl" "$base.jsonl.zst" \
    2>"$base.replay.log"
"$BIN" eval --labels "$base.labels.csv" --verdicts "$base.verdicts.jsonl" \
    --campaigns "$base.campaigns.jsonl" --logs "$base.jsonl.zst" --json "$base.eval.json" \
    >"$base.eval.txt" 2>"$base.eval.log"
echo "== scale $SCALE, organic x$ORGANIC_X, seed $SEED"
# "simulated NAME: N records (A organic, B automation, C attack[, D cohort]), ..."
sed -nE 's/.*\(([0-9]+) organic, ([0-9]+) automation, ([0-9]+) attack(, ([0-9]+) cohort)?\).*/\1 \2 \3 \5/p' \
    "$base.simulate.log" | tail -n 1 \
    | awk '{ legit = $1 + $2 + $4; printf "records: legitimate %d, attack %d (%.1fx)\n", legit, $3, legit / $3 }'
grep -E "events:|accounts held|state at the end|peak memory|seconds:|events/s" "$base.replay.log"
held="$(grep -oE 'accounts held: [0-9]+' "$base.replay.log" | grep -oE '[0-9]+$')"
mib="$(grep -oE 'peak memory \(resident, whole process\): [0-9.]+' "$base.replay.log" | grep -oE '[0-9.]+$')"
awk -v m="$mib" -v n="$held" 'BEGIN { printf "peak RSS per account held at the end: %.0f B\n", m * 1048576 / (n > 0 ? n : 1) }'
head -n 30 "$base.eval.txt"
