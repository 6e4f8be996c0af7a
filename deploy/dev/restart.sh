#!/usr/bin/env bash
# restart.sh — stops the running system (see down.sh) and starts it again in the background
# (`up.sh --detach`), with the environment given, e.g. to run the workflow clock ahead:
#
#   CHAIN_CLOCK_SKEW_HOURS=170 deploy/dev/restart.sh
#   deploy/dev/restart.sh --fresh      # also deletes the data directory: a new demo system
#
# --fresh means new keys too, so new tokens: `source .chain/tokens.env` again afterwards.
# Other arguments go to up.sh.
set -euo pipefail
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$script_dir/../.."
data="${CHAIN_DATA_DIR:-.chain}"

fresh=false
args=()
for a in "$@"; do
    case "$a" in
        --fresh) fresh=true ;;
        *) args+=("$a") ;;
    esac
done
"$script_dir/down.sh" >/dev/null
if $fresh; then
    rm -rf "$data"
fi
exec "$script_dir/up.sh" --detach "${args[@]}"
