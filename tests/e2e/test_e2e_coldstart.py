"""The cold-start benchmark measures a real launch of the app, and imports no TensorFlow itself.

It runs as its own process (``python -m synaptic_core.bench.coldstart``), as the CLI does:
Playwright's sync API allows one instance per thread, and the e2e session holds one already.
"""

import json
import subprocess
import sys

import pytest

from synaptic_core.bench.appserver import REPO_ROOT


@pytest.mark.e2e
@pytest.mark.slow
def test_cold_start_prints_health_then_render_seconds(_browser_ready):
    proc = subprocess.run([sys.executable, "-m", "synaptic_core.bench.coldstart", "--runs", "1"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout)
    assert result["bench"] == "coldstart" and result["runs"] == 1
    (health,), (render,) = result["health_s"], result["render_s"]
    assert 0 < health < 60
    assert health < render < 120  # the page renders after the server is healthy
    assert result["health_median_s"] == health and result["render_median_s"] == render


def test_bench_module_does_not_import_tensorflow():
    code = ("import sys, synaptic_core.bench.coldstart; "
            "sys.exit(1 if any(m.split('.')[0] in ('tensorflow', 'keras') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT).returncode == 0
