#!/usr/bin/env bash
# Replay against its floor (not in CI): `floor` only reads, decompresses and parses the input
# with simd-json (benches/floor); replay does all the work. Runs them in turn ROUNDS times on
# the same input and prints each run's records/s (records over wall seconds, both measured
# here the same way), the medians and replay's share of the floor.
#
# Usage: benches/floor.sh [INPUT]        (default: target/bench-day.jsonl.zst from
#                                          scripts/bench-input.sh, the simulated day)
# Environment:
#   ROUNDS            runs of each           (default 3)
#   DISTILLGUARD_BIN  replay binary          (default: target/release/distillguard, built here)
#   CONFIG            replay --config file   (default: none, the built-in defaults)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
INPUT="${1:-target/bench-day.jsonl.zst}"
ROUNDS="${ROUNDS:-3}"
BIN="${DISTILLGUARD_BIN:-target/release/distillguard}"
[[ -n "${DISTILLGUARD_BIN:-}" ]] || cargo build --release -q -p distillguard
cargo build --release -q -p distillguard-floor
[[ -f "$INPUT" ]] || { echo "no input $INPUT (make it with scripts/bench-input.sh)" >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cfg=()
[[ -n "${CONFIG:-}" ]] && cfg=(--config "$CONFIG")
records="$(target/release/floor "$INPUT" | sed -E 's/.*"records":([0-9]+).*/\1/')"
now() { date +%s.%N; }
floor_rates=()
replay_rates=()
for r in $(seq "$ROUNDS"); do
    t0="$(now)"; target/release/floor "$INPUT" >/dev/null; t1="$(now)"
    floor_rates+=("$(awk -v n="$records" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", n/(b-a)}')")
    t0="$(now)"
    "$BIN" replay "${cfg[@]}" --output "$out/v.jsonl" --rejects "$out/r.jsonl" "$INPUT" 2>/dev/null
    t1="$(now)"
    replay_rates+=("$(awk -v n="$records" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", n/(b-a)}')")
    echo "round $r: floor ${floor_rates[-1]} records/s, replay ${replay_rates[-1]} records/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mf="$(median "${floor_rates[@]}")"
mr="$(median "${replay_rates[@]}")"
echo "input: $INPUT ($records records), $(nproc) cores, $ROUNDS rounds"
echo "median floor: $mf records/s; median replay: $mr records/s; replay/floor: $(awk -v a="$mr" -v b="$mf" 'BEGIN{printf "%.3f", a/b}')"
