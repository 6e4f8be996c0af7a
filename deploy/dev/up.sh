#!/usr/bin/env bash
# up.sh — the project's run command: makes sure a nats-server is available (installing one if
# missing, see ensure-nats.sh), then starts the whole system with `chain up --demo`.
# Extra arguments go to `chain up` (e.g. --listen 127.0.0.1:9090). Ctrl-C stops everything.
set -euo pipefail
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$script_dir/../.."
CHAIN_NATS_SERVER="$("$script_dir/ensure-nats.sh")"
export CHAIN_NATS_SERVER
exec cargo run -p chain -- up --demo "$@"
