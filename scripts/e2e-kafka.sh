#!/usr/bin/env bash
# Real-broker end-to-end test of distillguard's live mode: start a tansu broker (sqlite
# storage), run three live instances in one consumer group against a recorded stream (once
# cleanly, once with one instance killed with SIGKILL mid-stream and restarted), compare the
# actioned accounts with an in-process replay, stop the broker. Exits non-zero on failure.
#
#   bash scripts/e2e-kafka.sh
#
# Environment: TANSU_PORT, TANSU_DIR (see scripts/tansu.sh); CARGO_PROFILE_ARGS (e.g.
# "--release").
set -euo pipefail
cd "$(dirname "$0")/.."

export TANSU_DIR="${TANSU_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/distillguard-e2e.XXXXXX")}"
export TANSU_FRESH=1
trap 'scripts/tansu.sh stop' EXIT

scripts/tansu.sh start
DISTILLGUARD_E2E_BROKERS="$(scripts/tansu.sh brokers)" \
    cargo test ${CARGO_PROFILE_ARGS:-} -p distillguard-kafka --features pipeline --test e2e_broker --test e2e_split -- --test-threads=1 --nocapture
