#!/usr/bin/env bash
# client-story.sh — generates a Python client from openapi/openapi.json with openapi-python-client
# (PyPI) and runs a short story through it (client_story.py: register a household, read it back,
# appraise it, list its tasks) against a system started here: `chain up --demo` on a free port with
# a fresh data directory, stopped again at the end. No raw HTTP: what the story sends and reads
# goes through the generated functions and models, so the document must describe what is served.
#
# openapi-python-client is installed with `pip install --target` into
# ${CHAIN_TOOLS_DIR:-$HOME/.cache/chain/tools} on first use ($CHAIN_OPENAPI_PYTHON_CLIENT_SPEC,
# default openapi-python-client==0.29.1); the generated client's own dependencies (httpx, attrs,
# python-dateutil) come with it. Needs python3 with pip, and cargo (the `chain` binary is built).
set -euo pipefail

readonly SPEC="${CHAIN_OPENAPI_PYTHON_CLIENT_SPEC:-openapi-python-client==0.29.1}"
readonly TOOLS_DIR="${CHAIN_TOOLS_DIR:-${HOME:-/tmp}/.cache/chain/tools}"
readonly TARGET_DIR="$TOOLS_DIR/${SPEC//[^A-Za-z0-9._-]/_}"
export PIP_ROOT_USER_ACTION="${PIP_ROOT_USER_ACTION:-ignore}"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
cd "$repo_root"

log() { printf 'client-story: %s\n' "$*" >&2; }

if [[ ! -d "$TARGET_DIR/openapi_python_client" ]]; then
    log "installing $SPEC into $TARGET_DIR"
    python3 -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --target "$TARGET_DIR" "$SPEC" >&2
fi
export PYTHONPATH="$TARGET_DIR${PYTHONPATH:+:$PYTHONPATH}"

work="$(mktemp -d "${TMPDIR:-/tmp}/client-story.XXXXXX")"
export CHAIN_DATA_DIR="$work/data"
stop() {
    "$script_dir/down.sh" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap stop EXIT

# The uploads are files: the generated client sends them as bytes, whatever their media type.
cat >"$work/config.yaml" <<'YAML'
project_name_override: chain-client
package_name_override: chain_client
post_hooks: []
content_type_overrides:
  text/csv: application/octet-stream
  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: application/octet-stream
YAML
log "generating the client from openapi/openapi.json"
python3 -m openapi_python_client generate --path openapi/openapi.json --config "$work/config.yaml" \
    --meta none --output-path "$work/client/chain_client" --fail-on-warning >&2

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log "starting chain up on 127.0.0.1:$port (data $CHAIN_DATA_DIR)"
CHAIN_LISTEN="127.0.0.1:$port" "$script_dir/up.sh" --detach >&2

PYTHONPATH="$work/client:$PYTHONPATH" python3 "$script_dir/client_story.py" "http://127.0.0.1:$port" \
    "$CHAIN_DATA_DIR/tokens.env"
