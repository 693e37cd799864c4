#!/usr/bin/env bash
# Create ./.venv and install SynapticHub's Python requirements into it.
#
#   bash scripts/setup.sh                      # runtime: requirements.txt
#   bash scripts/setup.sh requirements-dev.txt # plus the test tools
#
# Idempotent and quick when nothing changed: after a successful install it writes a stamp
# (the hash of the requirement files and the interpreter version) into .venv, and a later
# call with the same stamp skips pip entirely. Set PYTHON to choose the interpreter
# (default python3, 3.10 or newer).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
VENV=".venv"
REQ="${1:-requirements.txt}"

say() { printf '[setup] %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

[ -f "$REQ" ] || { say "no such requirements file: $REQ"; exit 2; }
command -v "$PYTHON" >/dev/null || { say "$PYTHON not found: install Python 3.10 or newer"; exit 2; }
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || { say "$("$PYTHON" -V 2>&1) is too old: SynapticHub needs Python 3.10 or newer"; exit 2; }

# A venv that cannot start its interpreter (moved, or made by another Python) is rebuilt.
if [ -d "$VENV" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    say "$VENV is broken: recreating it"
    rm -rf "$VENV"
fi

if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV with $("$PYTHON" -V 2>&1)"
    if ! err="$("$PYTHON" -m venv "$VENV" 2>&1)"; then
        rm -rf "$VENV"
        # Debian ships venv/ensurepip separately (python3-venv).
        pyver="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        say "python -m venv failed ($(printf '%s' "$err" | tail -n 1)); installing python3-venv"
        if ! { as_root apt-get update -q && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
                python3-venv "python${pyver}-venv"; }; then
            say "could not install python3-venv: run 'apt-get install python3-venv' as root, then rerun"
            exit 1
        fi
        "$PYTHON" -m venv "$VENV"
    fi
fi

# The stamp covers every requirements file pulled in with -r (requirements.txt) and the interpreter.
stamp_file="$VENV/.synaptic-$(basename "$REQ").sha256"
stamp="$({ cat requirements.txt "$REQ"; "$VENV/bin/python" -VV; } | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then
    say "$REQ already installed in $VENV (stamp matches)"
    exit 0
fi

pip_flags=(--disable-pip-version-check)
[ -n "${CI:-}" ] && pip_flags+=(--progress-bar off)
if [ -f "$VENV/.synaptic-requirements.txt.sha256" ]; then
    say "updating $VENV from $REQ"
    pip_flags+=(--quiet)   # an update: only new packages and errors are worth printing
else
    say "installing $REQ into $VENV (first time: a few minutes, TensorFlow is a large download)"
fi
"$VENV/bin/python" -m pip install "${pip_flags[@]}" -r "$REQ"
"$VENV/bin/python" -m pip check
echo "$stamp" >"$stamp_file"
say "done: start the app with  .venv/bin/streamlit run app.py"
