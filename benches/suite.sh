#!/usr/bin/env bash
# Scenario benchmark suite: simulate -> replay -> eval for every scenario and seed, then
# one markdown table (scenario x seed rows plus a mean row per scenario).
#
# Usage: benches/suite.sh            build release once, run everything, print the tables
#        benches/suite.sh --table    only print the tables from the results already in $OUT
#        benches/suite.sh --v1 | --v2   only the v1 (tuning) or only the v2 (held-out) set
# Environment:
#   SEEDS         seeds of the v1 set   (default "1 2 3")
#   SCENARIOS     the v1 set            (default "seed-campaign multi-campaign stealth
#                                        false-positive-traps cohorts aged-reseller slow-drip mixed")
#   SCENARIOS_V2  the v2 set: the same kinds of traffic with other generator parameters, to
#                 check a detector tuned on v1 on traffic it was not tuned on
#                                       (default "cohorts-v2 aged-reseller-v2 slow-drip-v2 mixed-v2")
#   SEEDS_V2      seeds of the v2 set   (default "11 12 13")
#   VARIANTS      v1, v2 or all         (default all; --v1 / --v2 override)
#   SCALE      simulator scale          (default 0.05)
#   OUT        output directory         (default bench-out/)
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
SCENARIOS="${SCENARIOS:-seed-campaign multi-campaign stealth false-positive-traps cohorts aged-reseller slow-drip mixed}"
SCENARIOS_V2="${SCENARIOS_V2:-cohorts-v2 aged-reseller-v2 slow-drip-v2 mixed-v2}"
SEEDS_V2="${SEEDS_V2:-11 12 13}"
VARIANTS="${VARIANTS:-all}"
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
# suspend (benign = organic + automation + cohort), leak share, median/p90 requests to
# detect, median hours to detect, cohort members throttled or suspended, the worst action
# any cohort member got, the lowest majority share over the engine's campaign records and
# the number of those records, and the recall over attack accounts that sent at least the
# requests usage is judged on ("NA" when absent). Uses jq when present, else python3.
eval_fields() {
    local json="$1"
    if [[ "${JSON_TOOL:-auto}" != python3 ]] && command -v jq >/dev/null 2>&1; then
        jq -r '[ .attack.recall,
                 .benign_fpr.benign.monitor, .benign_fpr.benign.throttle, .benign_fpr.benign.suspend,
                 .attack.leak.share,
                 .attack.ttd.requests.median, .attack.ttd.requests.p90,
                 (.attack.ttd.hours_from_first_request.median // .attack.ttd.hours_from_first_verdict.median),
                 .cohort_max_action.throttled_or_worse, .cohort_max_action.level,
                 .attribution.min_share, .attribution.records, .attack.judged.recall ]
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
        hours,
        get("cohort_max_action", "throttled_or_worse"), get("cohort_max_action", "level"),
        get("attribution", "min_share"), get("attribution", "records"),
        get("attack", "judged", "recall")]
def cell(v):
    if v is None:
        return "NA"
    return v if isinstance(v, str) else repr(float(v))
print("\t".join(cell(v) for v in vals))
PY
    fi
}

# Prints "campaign<TAB>accounts<TAB>recall<TAB>leak share" per campaign of an eval JSON.
campaign_fields() {
    local json="$1"
    if [[ "${JSON_TOOL:-auto}" != python3 ]] && command -v jq >/dev/null 2>&1; then
        jq -r '.campaigns[]? | [ .campaign, .accounts, .recall, .leak.share ]
               | map(if . == null then "NA" else tostring end) | @tsv' "$json"
    else
        python3 - "$json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d.get("campaigns") or []:
    leak = (c.get("leak") or {}).get("share")
    vals = [c.get("campaign"), c.get("accounts"), c.get("recall"), leak]
    print("\t".join("NA" if v is None else str(v) for v in vals))
PY
    fi
}

# Renders "scenario<TAB>seed<TAB>status<TAB>14 metrics" lines as the markdown table, with a
# mean row (over the seeds that have a value) after each scenario's rows.
render_table() {
    awk -F '\t' '
    function pct(v, d) { return v == "NA" ? "–" : sprintf("%." d "f%%", v * 100) }
    function fix(v, d) { return v == "NA" ? "–" : sprintf("%." d "f", v) }
    function rank(l) { return l == "suspend" ? 3 : l == "throttle" ? 2 : l == "monitor" ? 1 : l == "none" ? 0 : -1 }
    function row(name, seed, status, v,    cells) {
        if (status != "ok") {
            printf "| %s | %s | %s |  |  |  |  |  |  |  |  |  |  |  |  |  |\n", name, seed, status
            return
        }
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, seed,
            pct(v[1], 1), pct(v[13], 1), pct(v[2], 2), pct(v[3], 3), pct(v[4], 3), pct(v[5], 1),
            fix(v[6], 1), fix(v[7], 1), fix(v[8], 2), fix(v[9], 1), (v[10] == "NA" ? "–" : v[10]),
            pct(v[11], 1), fix(v[12], 0), fix(v[14], 0)
    }
    # Mean row: means, except the worst cohort action and the lowest attribution share
    # over the seeds.
    function flush(    i, m) {
        if (cur == "") return
        for (i = 1; i <= N; i++) m[i] = (cnt[i] > 0) ? sum[i] / cnt[i] : "NA"
        m[10] = worst; m[11] = (cnt[11] > 0) ? lowest : "NA"
        row("**" cur "**", "**mean**", "ok", m)
        for (i = 1; i <= N; i++) { sum[i] = 0; cnt[i] = 0 }
        worst = "NA"; lowest = 2
    }
    BEGIN {
        N = 14
        print "| scenario | seed | attack recall | recall, accounts with >= 8 requests | benign FPR monitor | benign FPR throttle | benign FPR suspend | leak share | req to detect (median) | req to detect (p90) | hours to detect (median) | cohort members throttled+ | cohort max action | attribution min share | campaign records | events/s |"
        print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        cur = ""; worst = "NA"; lowest = 2
    }
    {
        if ($1 != cur) { flush(); cur = $1 }
        for (i = 1; i <= N; i++) {
            v[i] = ($3 == "ok" && $(i + 3) != "" ) ? $(i + 3) : "NA"
            if (v[i] != "NA" && i != 10) { sum[i] += v[i]; cnt[i]++ }
        }
        if (v[10] != "NA" && rank(v[10]) > rank(worst)) worst = v[10]
        if (v[11] != "NA" && v[11] + 0 < lowest) lowest = v[11] + 0
        row($1, $2, $3, v)
    }
    END { flush() }'
}

# Renders "scenario<TAB>seed<TAB>campaign<TAB>accounts<TAB>recall<TAB>leak" lines as the
# per-campaign table.
render_campaigns() {
    awk -F '\t' '
    function pct(v, d) { return v == "NA" ? "–" : sprintf("%." d "f%%", v * 100) }
    BEGIN {
        print "| scenario | seed | campaign | accounts | recall | leak share |"
        print "|---|---|---|---:|---:|---:|"
    }
    { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, pct($5, 1), pct($6, 1) }'
}

# Prints "scenario seed" for every run of the selected sets.
runs() {
    local s n
    if [[ "$VARIANTS" != v2 ]]; then
        for s in $SCENARIOS; do for n in $SEEDS; do echo "$s $n"; done; done
    fi
    if [[ "$VARIANTS" != v1 ]]; then
        for s in $SCENARIOS_V2; do for n in $SEEDS_V2; do echo "$s $n"; done; done
    fi
}

# Collects the TSV lines for every scenario and seed from $OUT.
collect() {
    local s n base status fields eps
    while read -r s n; do
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
    done < <(runs)
}

# Collects the per-campaign lines for every run with an eval JSON.
collect_campaigns() {
    local s n base
    while read -r s n; do
        base="$OUT/$s-$n"
        [[ -f "$base.eval.json" && ! -f "$base.failed" ]] || continue
        campaign_fields "$base.eval.json" | while IFS= read -r line; do
            printf '%s\t%s\t%s\n' "$s" "$n" "$line"
        done
    done < <(runs)
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
    local campaigns=()
    [[ -f "$base.campaigns.jsonl" ]] && campaigns=(--campaigns "$base.campaigns.jsonl")
    if ! "$BIN" eval --labels "$base.labels.csv" --verdicts "$base.verdicts.jsonl" \
        --logs "$base.jsonl.zst" --json "$base.eval.json" "${campaigns[@]}" \
        >"$base.eval.txt" 2>"$base.eval.log"; then
        echo eval >"$base.failed"; tail -n 5 "$base.eval.log" >&2; return 0
    fi
}

main() {
    local table_only=0 arg
    for arg in "$@"; do
        case "$arg" in
            --table) table_only=1 ;;
            --v1) VARIANTS=v1 ;;
            --v2) VARIANTS=v2 ;;
            *) echo "unknown argument $arg (expected --table, --v1, --v2)" >&2; exit 2 ;;
        esac
    done
    case "$VARIANTS" in v1|v2|all) ;; *) echo "VARIANTS must be v1, v2 or all" >&2; exit 2 ;; esac
    if [[ "$table_only" != 1 ]]; then
        mkdir -p "$OUT"
        if [[ "${SKIP_BUILD:-0}" != 1 && -z "${DISTILLGUARD_BIN:-}" ]]; then
            cargo build --release --bin distillguard
        fi
        [[ -x "$BIN" ]] || { echo "no $BIN" >&2; exit 1; }
        local s n
        while read -r s n; do
            run_one "$s" "$n" </dev/null
        done < <(runs)
    fi
    local rows
    rows="$(collect)"
    {
        printf '%s\n' "$rows" | render_table
        printf '\nper campaign (recall = throttled or suspended accounts)\n\n'
        collect_campaigns | render_campaigns
    } | tee "$OUT/summary.md"
    if printf '%s\n' "$rows" | cut -f 3 | grep -qv '^ok$'; then
        echo "some runs failed or are missing (see $OUT/*.failed and logs)" >&2
        exit 1
    fi
}

main "$@"
