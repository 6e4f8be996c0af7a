#!/usr/bin/env bash
# lint-openapi.sh — lint the committed OpenAPI document (openapi/openapi.json) with Redocly's
# `recommended` ruleset and Spectral's `spectral:oas`; fails on any error from either. The rule
# choices (and the reason for each rule turned off) are in .redocly.yaml and .spectral.yaml.
# Both tools are installed from npm into ${CHAIN_TOOLS_DIR:-$HOME/.cache/chain/tools} on first use,
# at pinned versions ($CHAIN_REDOCLY_VERSION, $CHAIN_SPECTRAL_VERSION). Needs node and npm.
set -euo pipefail

readonly REDOCLY_VERSION="${CHAIN_REDOCLY_VERSION:-2.77.0}"
readonly SPECTRAL_VERSION="${CHAIN_SPECTRAL_VERSION:-6.16.3}"
readonly TOOLS_DIR="${CHAIN_TOOLS_DIR:-${HOME:-/tmp}/.cache/chain/tools}"
readonly NPM_DIR="$TOOLS_DIR/openapi-lint-redocly-$REDOCLY_VERSION-spectral-$SPECTRAL_VERSION"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

log() { printf 'lint-openapi: %s\n' "$*" >&2; }

if [[ ! -x "$NPM_DIR/node_modules/.bin/redocly" || ! -x "$NPM_DIR/node_modules/.bin/spectral" ]]; then
    log "installing @redocly/cli@$REDOCLY_VERSION and @stoplight/spectral-cli@$SPECTRAL_VERSION into $NPM_DIR"
    mkdir -p "$NPM_DIR"
    npm install --prefix "$NPM_DIR" --no-audit --no-fund --loglevel=error \
        "@redocly/cli@$REDOCLY_VERSION" "@stoplight/spectral-cli@$SPECTRAL_VERSION" >&2
fi

status=0
log "redocly lint (recommended, .redocly.yaml)"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
    "$NPM_DIR/node_modules/.bin/redocly" lint --config .redocly.yaml openapi/openapi.json || status=1
log "spectral lint (spectral:oas, .spectral.yaml)"
"$NPM_DIR/node_modules/.bin/spectral" lint --ruleset .spectral.yaml --fail-severity error openapi/openapi.json \
    || status=1
exit "$status"
