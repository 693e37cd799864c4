#!/usr/bin/env bash
# Install everything the tests need, then run them.
#
#   bash scripts/test.sh                 # the whole suite (what CI runs)
#   bash scripts/test.sh tests/e2e -q    # extra arguments go to pytest
#
# Steps: scripts/setup.sh with requirements-dev.txt (venv + app + test tools), then with
# requirements-ray.txt (the optional Ray extra, so the Ray runner's contract tests run rather
# than skip), Debian's chromium for the real-browser tests when /usr/bin/chromium is missing
# (Playwright cannot download its own browser here), Debian's nginx when missing (the class
# launcher's tests; best effort), then pytest with the paths and markers
# from pytest.ini.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[test] %s\n' "$*"; }

bash scripts/setup.sh requirements-dev.txt
bash scripts/setup.sh requirements-ray.txt

if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium for the browser tests"
    if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
    if ! { "${sudo[@]}" apt-get update -q \
            && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }; then
        if [ -n "${CI:-}" ]; then
            say "could not install chromium"; exit 1
        fi
        say "could not install chromium: the browser tests (tests/e2e) will be skipped"
    fi
fi

# nginx is optional for the app (the class launcher, python -m synaptic_core.class_proxy); installed
# here when missing so the launcher's tests run instead of skipping. Best effort: without it they skip.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    say "installing Debian's nginx for the class launcher's tests"
    if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
    { "${sudo[@]}" apt-get update -q \
        && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx; } \
        || say "could not install nginx: the class launcher's tests will be skipped"
fi

export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
log="$(mktemp -t synaptic-pytest.XXXXXX)"
trap 'rm -f "$log"' EXIT
status=0
.venv/bin/python -m pytest "$@" 2>&1 | tee "$log" || status=$?
summary="$(grep -E '(passed|failed|errors?|skipped|deselected|no tests ran).* in [0-9.]+s' "$log" | tail -n 1 | tr -d '=' | sed 's/^ *//; s/ *$//' || true)"
say "pytest exit code $status: ${summary:-no summary line}"
exit "$status"
