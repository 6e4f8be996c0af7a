#!/usr/bin/env bash
# up.sh — the project's run command: makes sure a nats-server is available (installing one if
# missing, see ensure-nats.sh), builds the `chain` binary and starts the whole system with
# `chain up --demo`. Ctrl-C stops everything.
#
#   deploy/dev/up.sh [--detach] [chain up options, e.g. --listen 127.0.0.1:9090]
#
# --detach starts it in the background instead: the script returns once the gateway answers,
# printing where it is; the log goes to <data>/chain.log. deploy/dev/down.sh stops it and
# deploy/dev/restart.sh restarts it (both also stop a system started without --detach).
# `--demo` is always passed; giving it again is harmless.
#
# Environment: every CHAIN_* setting of `chain up` (see `chain up --help`), e.g.
# CHAIN_CLOCK_SKEW_HOURS, CHAIN_LISTEN; CHAIN_DATA_DIR (default .chain, relative to the
# repository root) is also where these scripts find the running system.
set -euo pipefail
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$script_dir/../.."

detach=false
args=()
for a in "$@"; do
    case "$a" in
        --detach) detach=true ;;
        --demo) ;;
        *) args+=("$a") ;;
    esac
done

# In the background, ensure-nats.sh speaks only when it fails.
if $detach; then
    said="$(mktemp)"
    if ! CHAIN_NATS_SERVER="$("$script_dir/ensure-nats.sh" 2>"$said")"; then
        cat "$said" >&2
        rm -f "$said"
        exit 1
    fi
    rm -f "$said"
else
    CHAIN_NATS_SERVER="$("$script_dir/ensure-nats.sh")"
fi
export CHAIN_NATS_SERVER
cargo build -q -p chain
chain="${CARGO_TARGET_DIR:-target}/debug/chain"
data="${CHAIN_DATA_DIR:-.chain}"

if [[ -f "$data/chain.pid" ]] && kill -0 "$(cat "$data/chain.pid")" 2>/dev/null; then
    echo "up.sh: chain is already running on $data (pid $(cat "$data/chain.pid")); deploy/dev/restart.sh restarts it" >&2
    exit 1
fi
rm -f "$data/chain.pid"

if ! $detach; then
    exec "$chain" up --demo "${args[@]}"
fi

mkdir -p "$data"
nohup "$chain" up --demo "${args[@]}" >"$data/chain.log" 2>&1 </dev/null &
pid=$!
# `chain up` writes chain.pid once every service and the gateway answer.
for _ in $(seq 1 600); do
    if [[ "$(cat "$data/chain.pid" 2>/dev/null)" == "$pid" ]]; then
        gateway="$(sed -n 's/^export CHAIN_GATEWAY=//p' "$data/tokens.env")"
        clock=""
        if [[ "${CHAIN_CLOCK_SKEW_HOURS:-0}" != 0 ]]; then
            clock="; workflow clock ${CHAIN_CLOCK_SKEW_HOURS} h ahead"
        fi
        echo "chain is up: $gateway (data $data, log $data/chain.log$clock)"
        exit 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "up.sh: chain up exited at start; the end of $data/chain.log:" >&2
        tail -n 20 "$data/chain.log" >&2
        exit 1
    fi
    sleep 0.1
done
echo "up.sh: chain up did not come up within a minute; see $data/chain.log" >&2
exit 1
