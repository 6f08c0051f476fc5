#!/usr/bin/env bash
# Scenario benchmark suite: simulate -> replay -> eval for every scenario and seed, then
# one markdown table (scenario x seed rows plus a mean row per scenario).
#
# Usage: benches/suite.sh            build release once, run everything, print the table
#        benches/suite.sh --table    only print the table from the results already in $OUT
# Environment:
#   SEEDS      seeds to run             (default "1 2 3")
#   SCALE      simulator scale          (default 0.05)
#   OUT        output directory         (default bench-out/)
#   SCENARIOS  scenarios to run         (default "seed-campaign multi-campaign stealth false-positive-traps")
#   SKIP_BUILD set to 1 to reuse an existing target/release/distillguard
#   DISTILLGUARD_BIN  binary to run instead of target/release/distillguard (implies no build)
#   JSON_TOOL  set to python3 to read the eval JSON with python3 even when jq is present
# A failed step is reported in the table and makes the script exit non-zero at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SEEDS="${SEEDS:-1 2 3}"
SCALE="${SCALE:-0.05}"
OUT="${OUT:-bench-out}"
OUT="${OUT%/}"
SCENARIOS="${SCENARIOS:-seed-campaign multi-campaign stealth false-positive-traps}"
BIN="${DISTILLGUARD_BIN:-target/release/distillguard}"

# Prints the last "events/s" figure of a log as a plain number (or nothing). Tolerates
# "events/s: 123456", "events/s=1,234,567.8", "Events/s 1.2M", "events/s: 98_765".
events_per_s() {
    local log="$1" raw
    [[ -f "$log" ]] || return 0
    raw="$(grep -oiE 'events/s(ec)?[[:space:]]*[:=]?[[:space:]]*[0-9][0-9,_]*(\.[0-9]+)?([eE][+-]?[0-9]+)?[kKmMgG]?' "$log" \
        | tail -n 1 || true)"
    [[ -n "$raw" ]] || return 0
    printf '%s\n' "$raw" | sed -E 's/^[Ee]vents\/s(ec)?[[:space:]]*[:=]?[[:space:]]*//I; s/[,_[:space:]]//g' \
        | awk '{ m = 1; s = substr($0, length($0), 1)
                 if (s ~ /[kK]/) m = 1e3; else if (s ~ /[mM]/) m = 1e6; else if (s ~ /[gG]/) m = 1e9
                 if (m != 1) $0 = substr($0, 1, length($0) - 1)
                 printf "%.0f\n", $0 * m }'
}

# Prints one TSV line of metrics from an eval JSON: recall, benign FPR monitor/throttle/
# suspend, leak share, median/p90 requests to detect, median hours to detect ("NA" when
# absent). Uses jq when present, else python3.
eval_fields() {
    local json="$1"
    if [[ "${JSON_TOOL:-auto}" != python3 ]] && command -v jq >/dev/null 2>&1; then
        jq -r '[ .attack.recall,
                 .benign_fpr.benign.monitor, .benign_fpr.benign.throttle, .benign_fpr.benign.suspend,
                 .attack.leak.share,
                 .attack.ttd.requests.median, .attack.ttd.requests.p90,
                 (.attack.ttd.hours_from_first_request.median // .attack.ttd.hours_from_first_verdict.median) ]
               | map(if . == null then "NA" else tostring end) | @tsv' "$json"
    else
        python3 - "$json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def get(*path):
    cur = d
    for p in path:
        cur = cur.get(p) if isinstance(cur, dict) else None
    return cur
hours = get("attack", "ttd", "hours_from_first_request", "median")
if hours is None:
    hours = get("attack", "ttd", "hours_from_first_verdict", "median")
vals = [get("attack", "recall"),
        get("benign_fpr", "benign", "monitor"), get("benign_fpr", "benign", "throttle"),
        get("benign_fpr", "benign", "suspend"),
        get("attack", "leak", "share"),
        get("attack", "ttd", "requests", "median"), get("attack", "ttd", "requests", "p90"),
        hours]
print("\t".join("NA" if v is None else repr(float(v)) for v in vals))
PY
    fi
}

# Renders "scenario<TAB>seed<TAB>status<TAB>9 metrics" lines as the markdown table, with a
# mean row (over the seeds that have a value) after each scenario's rows.
render_table() {
    awk -F '\t' '
    function pct(v, d) { return v == "NA" ? "–" : sprintf("%." d "f%%", v * 100) }
    function fix(v, d) { return v == "NA" ? "–" : sprintf("%." d "f", v) }
    function row(name, seed, status, v,    cells) {
        if (status != "ok") {
            printf "| %s | %s | %s |  |  |  |  |  |  |  |  |\n", name, seed, status
            return
        }
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, seed,
            pct(v[1], 1), pct(v[2], 2), pct(v[3], 3), pct(v[4], 3), pct(v[5], 1),
            fix(v[6], 1), fix(v[7], 1), fix(v[8], 2), fix(v[9], 0)
    }
    function flush(    i, m) {
        if (cur == "") return
        for (i = 1; i <= 9; i++) m[i] = (cnt[i] > 0) ? sum[i] / cnt[i] : "NA"
        row("**" cur "**", "**mean**", "ok", m)
        for (i = 1; i <= 9; i++) { sum[i] = 0; cnt[i] = 0 }
    }
    BEGIN {
        print "| scenario | seed | attack recall | benign FPR monitor | benign FPR throttle | benign FPR suspend | leak share | req to detect (median) | req to detect (p90) | hours to detect (median) | events/s |"
        print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        cur = ""
    }
    {
        if ($1 != cur) { flush(); cur = $1 }
        for (i = 1; i <= 9; i++) {
            v[i] = ($3 == "ok" && $(i + 3) != "" ) ? $(i + 3) : "NA"
            if (v[i] != "NA") { sum[i] += v[i]; cnt[i]++ }
        }
        row($1, $2, $3, v)
    }
    END { flush() }'
}

# Collects the TSV lines for every scenario and seed from $OUT.
collect() {
    local s n base status fields eps
    for s in $SCENARIOS; do
        for n in $SEEDS; do
            base="$OUT/$s-$n"
            status="ok"
            [[ -f "$base.failed" ]] && status="failed: $(head -n 1 "$base.failed")"
            if [[ "$status" == ok && ! -f "$base.eval.json" ]]; then status="missing"; fi
            if [[ "$status" == ok ]]; then
                fields="$(eval_fields "$base.eval.json")" || { status="bad eval JSON"; fields=""; }
            else
                fields=""
            fi
            eps="$(events_per_s "$base.replay.log")"
            if [[ "$status" == ok ]]; then
                printf '%s\t%s\t%s\t%s\t%s\n' "$s" "$n" "$status" "$fields" "${eps:-NA}"
            else
                printf '%s\t%s\t%s\n' "$s" "$n" "$status"
            fi
        done
    done
}

# Runs one scenario/seed; on failure writes the failed step to $base.failed.
run_one() {
    local s="$1" n="$2" base="$OUT/$1-$2"
    rm -f "$base.failed" "$base.eval.json"
    echo "== $s seed $n (scale $SCALE)" >&2
    if ! "$BIN" simulate --scenario "$s" --seed "$n" --scale "$SCALE" \
        --output "$base.jsonl.zst" --labels "$base.labels.csv" 2>"$base.simulate.log"; then
        echo simulate >"$base.failed"; tail -n 5 "$base.simulate.log" >&2; return 0
    fi
    if ! "$BIN" replay --output "$base.verdicts.jsonl" --campaigns "$base.campaigns.jsonl" \
        "$base.jsonl.zst" 2>"$base.replay.log"; then
        echo replay >"$base.failed"; tail -n 5 "$base.replay.log" >&2; return 0
    fi
    if ! "$BIN" eval --labels "$base.labels.csv" --verdicts "$base.verdicts.jsonl" \
        --logs "$base.jsonl.zst" --json "$base.eval.json" >"$base.eval.txt" 2>"$base.eval.log"; then
        echo eval >"$base.failed"; tail -n 5 "$base.eval.log" >&2; return 0
    fi
}

main() {
    if [[ "${1:-}" != "--table" ]]; then
        mkdir -p "$OUT"
        if [[ "${SKIP_BUILD:-0}" != 1 && -z "${DISTILLGUARD_BIN:-}" ]]; then
            cargo build --release --bin distillguard
        fi
        [[ -x "$BIN" ]] || { echo "no $BIN" >&2; exit 1; }
        local s n
        for s in $SCENARIOS; do
            for n in $SEEDS; do
                run_one "$s" "$n"
            done
        done
    fi
    local rows
    rows="$(collect)"
    printf '%s\n' "$rows" | render_table | tee "$OUT/summary.md"
    if printf '%s\n' "$rows" | cut -f 3 | grep -qv '^ok$'; then
        echo "some runs failed or are missing (see $OUT/*.failed and logs)" >&2
        exit 1
    fi
}

main "$@"
