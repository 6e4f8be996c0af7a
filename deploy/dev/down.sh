#!/usr/bin/env bash
# down.sh — stops the system that `deploy/dev/up.sh` started on the data directory
# (CHAIN_DATA_DIR, default .chain relative to the repository root), in the foreground or with
# --detach, and waits until it has finished its in-flight work. The data stays.
set -euo pipefail
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$script_dir/../.."
data="${CHAIN_DATA_DIR:-.chain}"

pid="$(cat "$data/chain.pid" 2>/dev/null || true)"
if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
    echo "chain is not running on $data"
    rm -f "$data/chain.pid"
    exit 0
fi
kill -TERM "$pid"
for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "chain stopped"
        exit 0
    fi
    sleep 0.1
done
echo "down.sh: chain (pid $pid) did not stop within 30 s" >&2
exit 1
