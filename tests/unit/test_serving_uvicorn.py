"""`python -m synaptic_core serve` for real: a uvicorn process on 127.0.0.1, one prediction, a clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from serving_runs import make_store
from synaptic_core.bench.appserver import free_port

REPO = Path(__file__).resolve().parents[2]


def _get(url: str, timeout: float = 2.0) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, json.loads(r.read())


@pytest.mark.slow
def test_serve_command_answers_predictions_over_http(tmp_path):
    store, token, ids = make_store(tmp_path, ("toy",))
    store.close()
    port = free_port()
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "synaptic_core", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--db", str(tmp_path / "runs.db"), "--no-access-log"],
        cwd=REPO, env={**os.environ, "SYNAPTIC_HOME": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "2"},
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            try:
                if _get(base + "/v1/health")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            assert time.monotonic() < deadline, "serve did not answer /v1/health within 90 s"
            time.sleep(0.2)
        req = urllib.request.Request(f"{base}/v1/runs/{ids['toy']}/predict", method="POST",
                                     data=json.dumps({"inputs": [[1.0, 1.0], [-1.0, 1.0]]}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            body = json.loads(r.read())
        assert r.status == 200 and len(body["outputs"]) == 2
        assert set(body["outputs"][0]["probabilities"]) == {"negative", "positive"}
        req = urllib.request.Request(f"{base}/v1/runs", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert [x["run_id"] for x in json.loads(r.read())] == [ids["toy"]]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            code = proc.wait()
        log.close()
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal: -15 is a clean stop too
    log_text = (tmp_path / "serve.log").read_text()
    assert code in (0, -signal.SIGTERM) and "Application shutdown complete" in log_text, log_text[-3000:]
