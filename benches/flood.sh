#!/usr/bin/env bash
# Account flood (not in CI): N distinct accounts, one request each, within one hour of event
# time, replayed three times: with the defaults, with a smaller `windows.max_accounts` and with
# a smaller `windows.state_budget_mib`. Prints, for each, the summary's accounts held, what was
# dropped, the state estimate and peak memory.
#
# Usage: benches/flood.sh
# Environment:
#   N                 accounts in the flood          (default 1000000)
#   BUDGET            max_accounts of the second run (default 200000)
#   STATE_MIB         state_budget_mib of the third run (default 256)
#   OUT               work directory                 (default target/flood)
#   DISTILLGUARD_BIN  binary to run instead of building target/release/distillguard
# Needs python3 and zstd.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N="${N:-1000000}"
BUDGET="${BUDGET:-200000}"
STATE_MIB="${STATE_MIB:-256}"
OUT="${OUT:-target/flood}"
BIN="${DISTILLGUARD_BIN:-target/release/distillguard}"
mkdir -p "$OUT"
[[ -n "${DISTILLGUARD_BIN:-}" ]] || cargo build --release -q -p distillguard
python3 - "$N" <<'PY' | zstd -q -f -o "$OUT/flood.jsonl.zst"
import json, sys
n = int(sys.argv[1])
start = 1_790_000_000_000
out = sys.stdout
for i in range(n):
    out.write(json.dumps({
        "ts": start + i * 3_600_000 // n,
        "account_id": f"flood-{i:08x}",
        "ip": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
        "prompt": f"hello, this is request number {i} of a new account",
    }) + "\n")
PY
printf '[windows]\nmax_accounts = %d\n' "$BUDGET" >"$OUT/budget.toml"
printf '[windows]\nstate_budget_mib = %d\n' "$STATE_MIB" >"$OUT/state.toml"
for run in default budget state; do
    cfg=()
    [[ "$run" == budget ]] && cfg=(--config "$OUT/budget.toml")
    [[ "$run" == state ]] && cfg=(--config "$OUT/state.toml")
    echo "== $run (${cfg[*]:-built-in defaults}), $N accounts"
    "$BIN" replay "${cfg[@]}" --output "$OUT/$run.verdicts.jsonl" "$OUT/flood.jsonl.zst" 2>&1 \
        | grep -E "events:|accounts held|accounts dropped|dropped over|state at the end|peak memory|events/s"
done
