#!/usr/bin/env bash
# test.sh — the project's test command. Provides a nats-server (>= 2.10) and
# a PostgreSQL server, then runs `cargo test --workspace` twice: once with
# CHAIN_TEST_DB=sqlite and once with CHAIN_TEST_DB=postgres. Extra arguments
# are passed to both `cargo test` runs, e.g.
#   deploy/dev/test.sh -p chain-store -- --nocapture
# Without arguments, each pass then imports the issue's full-size file: 100,000
# households with 1% bad rows (the suite's own run of that test uses 2,000, so
# that it does not starve the tests running beside it on a small machine), and
# after both passes a client generated from openapi/openapi.json runs its story
# (client-story.sh), schemathesis fuzzes the served document (fuzz.sh, about five
# minutes), and the README's walk-through is run and compared with what the
# README prints (readme_check.py, a few minutes).
# Works from any directory. Both passes always run; the exit status is
# non-zero if either failed (or if the servers could not be provided).
#
# Environment (optional): CHAIN_NATS_SERVER, CHAIN_TEST_PG_URL and the other
# knobs of ensure-nats.sh / ensure-postgres.sh.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
cd "$repo_root"

header() {
    printf '\n==============================================================\n'
    printf '== %s\n' "$*"
    printf '==============================================================\n'
}

header "test.sh: providing nats-server and PostgreSQL"
NATS_SERVER_BIN="$("$script_dir/ensure-nats.sh")"
export NATS_SERVER_BIN
CHAIN_TEST_PG_URL="$("$script_dir/ensure-postgres.sh")"
export CHAIN_TEST_PG_URL
export CHAIN_OIDC_MOCK_DIR="${CHAIN_OIDC_MOCK_DIR:-$("$script_dir/ensure-oidc.sh" || true)}"
printf 'NATS_SERVER_BIN=%s (%s)\nCHAIN_TEST_PG_URL=%s\n' \
    "$NATS_SERVER_BIN" "$("$NATS_SERVER_BIN" --version)" "$CHAIN_TEST_PG_URL"

failed=()
for db in sqlite postgres; do
    header "test.sh: cargo test --workspace $* (CHAIN_TEST_DB=$db)"
    if ! CHAIN_TEST_DB="$db" cargo test --workspace "$@"; then
        failed+=("$db")
    elif [[ $# -eq 0 ]]; then
        header "test.sh: importing 100,000 households (CHAIN_TEST_DB=$db)"
        if ! CHAIN_TEST_DB="$db" CHAIN_IMPORT_HOUSEHOLDS=100000 cargo test -p chain-system-tests --test system \
            imports::a_large_file_with_one_percent_bad_rows -- --nocapture; then
            failed+=("$db (100,000 households)")
        fi
    fi
done

if [[ $# -eq 0 ]]; then
    header "test.sh: a client generated from the OpenAPI document runs its story (client-story.sh)"
    "$script_dir/client-story.sh" || failed+=("generated client story")
    # A fixed seed, so that a failing run replays exactly; fuzz.sh alone draws a new one each time.
    header "test.sh: schemathesis against the served document as a county and the centre (fuzz.sh)"
    CHAIN_FUZZ_SEED="${CHAIN_FUZZ_SEED:-20261201}" "$script_dir/fuzz.sh" || failed+=("schemathesis")
    header "test.sh: the README walk-through (readme_check.py)"
    if ! python3 "$script_dir/readme_check.py"; then
        failed+=("README walk-through")
    fi
fi

# On success the last summary line is the README check's "N passed, 0 failed" (CI reads it).
if [[ ${#failed[@]} -gt 0 ]]; then
    header "test.sh: FAILED pass(es): ${failed[*]}"
    exit 1
fi
