#!/usr/bin/env bash
# A local tansu Kafka broker (sqlite storage) for distillguard's real-broker tests.
#
#   scripts/tansu.sh install           install tansu 0.6.0 unless `tansu --version` reports it
#   scripts/tansu.sh start             start on 127.0.0.1:$TANSU_PORT, wait until it accepts
#                                      connections, create the default topics
#   scripts/tansu.sh topic NAME [N]    create a topic with N partitions (default 6)
#   scripts/tansu.sh stop              stop the broker started by `start`
#   scripts/tansu.sh brokers           print the bootstrap address
#
# Environment: TANSU_PORT (default 19092), TANSU_DIR (state, log and pid; default
# ${TMPDIR:-/tmp}/distillguard-tansu), TANSU_FRESH=1 to delete the sqlite file before start.
set -euo pipefail

TANSU_VERSION=0.6.0
PORT="${TANSU_PORT:-19092}"
DIR="${TANSU_DIR:-${TMPDIR:-/tmp}/distillguard-tansu}"
export PATH="$HOME/.cargo/bin:$PATH"

have_tansu() {
    command -v tansu >/dev/null 2>&1 && tansu --version 2>/dev/null | grep -q "$TANSU_VERSION"
}

install() {
    if have_tansu; then
        return 0
    fi
    echo "installing tansu $TANSU_VERSION (cargo install; takes a while the first time)" >&2
    cargo install tansu --version "$TANSU_VERSION" --locked --features dynostore,libsql >&2
    have_tansu || { echo "tansu $TANSU_VERSION not available after install" >&2; exit 1; }
}

accepting() {
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

topic() {
    local name="$1" parts="${2:-6}"
    tansu topic create --broker "tcp://127.0.0.1:$PORT" --partitions "$parts" "$name" >/dev/null 2>&1 \
        || tansu topic list --broker "tcp://127.0.0.1:$PORT" 2>/dev/null | grep -q "$name" \
        || echo "warning: could not create topic $name" >&2
}

start() {
    install
    mkdir -p "$DIR"
    if [[ -f "$DIR/tansu.pid" ]] && kill -0 "$(cat "$DIR/tansu.pid")" 2>/dev/null; then
        echo "tansu already running (pid $(cat "$DIR/tansu.pid")) on 127.0.0.1:$PORT" >&2
        return 0
    fi
    if accepting; then
        echo "port $PORT is already in use by something else" >&2
        exit 1
    fi
    [[ "${TANSU_FRESH:-0}" == 1 ]] && rm -f "$DIR"/tansu.db*
    (
        cd "$DIR"
        nohup tansu broker \
            --listener-url "tcp://127.0.0.1:$PORT" \
            --advertised-listener-url "tcp://127.0.0.1:$PORT" \
            --storage-engine "sqlite://tansu.db" \
            >"$DIR/tansu.log" 2>&1 &
        echo $! >"$DIR/tansu.pid"
    )
    for _ in $(seq 1 120); do
        if accepting; then
            echo "tansu $TANSU_VERSION on 127.0.0.1:$PORT (pid $(cat "$DIR/tansu.pid"), log $DIR/tansu.log)" >&2
            for t in request-log distillguard-verdicts distillguard-campaigns distillguard-dead-letter; do
                topic "$t" 6
            done
            return 0
        fi
        if ! kill -0 "$(cat "$DIR/tansu.pid")" 2>/dev/null; then
            echo "tansu exited during start:" >&2
            tail -20 "$DIR/tansu.log" >&2
            exit 1
        fi
        sleep 0.5
    done
    echo "tansu did not accept connections on $PORT within 60s" >&2
    tail -20 "$DIR/tansu.log" >&2
    exit 1
}

stop() {
    [[ -f "$DIR/tansu.pid" ]] || return 0
    local pid
    pid="$(cat "$DIR/tansu.pid")"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$DIR/tansu.pid"
}

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    topic) shift; topic "$@" ;;
    brokers) echo "127.0.0.1:$PORT" ;;
    *) sed -n '2,14p' "$0" >&2; exit 2 ;;
esac
