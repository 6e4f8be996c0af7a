#!/usr/bin/env bash
# ensure-oidc.sh — install npm's oauth2-mock-server (an OpenID Connect provider
# with discovery, JWKS and a token endpoint; the identity system tests start it)
# and print the npm prefix holding it on stdout. Every other message goes to
# stderr, so callers can do:  CHAIN_OIDC_MOCK_DIR="$(deploy/dev/ensure-oidc.sh)"
#
# The package is installed with `npm install --prefix` into
# ${CHAIN_TOOLS_DIR:-$HOME/.cache/chain/tools}/<spec>, once; later calls find it
# there. $CHAIN_OIDC_MOCK_SPEC overrides the version (8.x runs on Node.js 20.19+,
# 9.x needs Node.js 22.12+).
set -euo pipefail

readonly SPEC="${CHAIN_OIDC_MOCK_SPEC:-oauth2-mock-server@8.2.3}"
readonly TOOLS_DIR="${CHAIN_TOOLS_DIR:-${HOME:-/tmp}/.cache/chain/tools}"
readonly PREFIX="$TOOLS_DIR/${SPEC//[^A-Za-z0-9._-]/_}"
readonly ENTRY="$PREFIX/node_modules/oauth2-mock-server/dist/index.mjs"

log() { printf 'ensure-oidc: %s\n' "$*" >&2; }

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        log "error: $tool is not installed (Node.js and npm are needed for the OIDC provider)"
        exit 1
    fi
done

if [[ ! -f "$ENTRY" ]]; then
    log "installing $SPEC into $PREFIX"
    mkdir -p "$PREFIX"
    npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error "$SPEC" >&2
fi
[[ -f "$ENTRY" ]] || { log "error: $SPEC did not install $ENTRY"; exit 1; }
log "using $PREFIX ($SPEC, node $(node --version))"
printf '%s\n' "$PREFIX"
