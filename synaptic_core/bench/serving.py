"""Serving benchmark: our ``serve`` against a minimal FastAPI + Keras server, same model, same requests.

    python -m synaptic_core bench --only serving

1. Train the MNIST CNN preset for one epoch on the bundled sample through the CLI (the real job
   path, into a private ``$SYNAPTIC_HOME``), or reuse that run when ``$SYNAPTIC_BENCH_HOME``
   already holds it.
2. Start ``python -m synaptic_core serve`` and ``synaptic_core.bench.serving_baseline``, each in its
   own uvicorn process on 127.0.0.1, one after the other; warm both up. Then measure them in
   turns, never both at once: single-image predict latency from sequential requests on one
   keep-alive connection (p50/p95, in bursts that alternate between the servers), then
   requests/s with ``clients`` threads, each on its own keep-alive connection, for a fixed number
   of requests (rounds that alternate too). Taking turns every few seconds exposes both servers
   to the same background load on a shared machine; each server's own CPU seconds per request
   (from /proc) are reported beside the wall-clock figures, since they move least with that load.

Both servers get identical bodies: ``{"inputs": [one 28x28 MNIST test image as nested lists]}``.
Only localhost traffic; every loop is bounded in count and in time.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from synaptic_core.bench.appserver import REPO_ROOT, free_port

TARGET_P50_RATIO = 1.2
TARGET_RPS = 200.0
CNN_FLAGS = ["--dataset", "mnist", "--model", "cnn", "--epochs", "1", "--subset", "10000",
             "--validation-split", "0", "--source", "bundled"]


def trained_cnn(home: Path) -> tuple[str, str]:
    """(run_id, model_path) of a finished MNIST CNN run in ``home``, training one if there is none."""
    from synaptic_core.store import RunStore

    store = RunStore(home / "runs.db")
    try:
        for run in store.list_runs(limit=50, status="done"):
            if run["model"] == "cnn" and run["dataset"] == "mnist" and run["owner"] == "cli":
                return run["id"], run["result"]["model_path"]
    finally:
        store.close()
    out = subprocess.run([sys.executable, "-m", "synaptic_core", "train", *CNN_FLAGS, "--json", "--quiet"],
                         cwd=REPO_ROOT, env={**os.environ, "SYNAPTIC_HOME": str(home)}, capture_output=True,
                         text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"training the benchmark CNN failed: {out.stdout[-500:]} {out.stderr[-1500:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["run_id"], result["model_path"]


class Server:
    """A server subprocess in its own process group, its output in a log file."""

    def __init__(self, argv: list[str], port: int, health: str, home: Path, log: Path):
        self.port, self.health, self.log_path = port, health, log
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(argv, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     env={**os.environ, "SYNAPTIC_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "2",
                                          "PYTHONUNBUFFERED": "1"})

    def wait_ready(self, timeout: float = 120.0) -> float:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                status, _ = request(self.port, "GET", self.health, None, timeout=2)
                if status == 200:
                    return time.perf_counter() - t0
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout:.0f} s: {self.log_tail()}")

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


def request(port: int, method: str, path: str, body: bytes | None, timeout: float = 30,
            conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        if own:
            conn.close()


def sequential(port: int, path: str, bodies: list[bytes], n: int, time_limit: float) -> dict[str, Any]:
    """``n`` requests one after another on one keep-alive connection: latency as one user sees it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times, t_end = [], time.perf_counter() + time_limit
    try:
        for i in range(n):
            if time.perf_counter() > t_end:
                break
            t0 = time.perf_counter()
            status, data = request(port, "POST", path, bodies[i % len(bodies)], conn=conn)
            times.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                raise RuntimeError(f"POST {path} answered {status}: {data[:300]!r}")
    finally:
        conn.close()
    return {"n": len(times), "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(float(np.percentile(times, 95)), 2), "mean_ms": round(statistics.fmean(times), 2),
            "times_ms": times}


def concurrent(port: int, path: str, bodies: list[bytes], n: int, clients: int, time_limit: float) -> dict[str, Any]:
    """``clients`` threads share ``n`` requests (each thread its own keep-alive connection)."""
    lock, counter, times, errors = threading.Lock(), [0], [], []
    t_end = time.perf_counter() + time_limit

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while time.perf_counter() < t_end:
                with lock:
                    i = counter[0]
                    if i >= n:
                        return
                    counter[0] += 1
                t0 = time.perf_counter()
                status, data = request(port, "POST", path, bodies[i % len(bodies)], conn=conn)
                dt = (time.perf_counter() - t0) * 1000
                with lock:
                    (times if status == 200 else errors).append(dt if status == 200 else status)
        except OSError as e:
            with lock:
                errors.append(repr(e))
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=time_limit + 30)
    wall = time.perf_counter() - t0
    return {"clients": clients, "n": len(times), "errors": len(errors), "wall_s": round(wall, 2),
            "requests_per_s": round(len(times) / wall, 1),
            "p50_ms": round(statistics.median(times), 2) if times else None,
            "p95_ms": round(float(np.percentile(times, 95)), 2) if times else None}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (Linux /proc); 0.0 where unreadable."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0.0
    return total / os.sysconf("SC_CLK_TCK")


def start_servers(home: Path, run_id: str, model_path: str) -> dict[str, tuple[Server, str]]:
    """Ours and the baseline, each in its own process, started one after the other; name -> (server, path)."""
    out: dict[str, tuple[Server, str]] = {}
    try:
        port = free_port()
        out["ours"] = (Server([sys.executable, "-m", "synaptic_core", "serve", "--port", str(port), "--no-access-log",
                               "--db", str(home / "runs.db")], port, "/v1/health", home, home / "ours.log"),
                       f"/v1/runs/{run_id}/predict")
        out["ours"][0].wait_ready()
        port = free_port()
        out["baseline"] = (Server([sys.executable, "-m", "synaptic_core.bench.serving_baseline", "--model", model_path,
                                   "--port", str(port)], port, "/health", home, home / "baseline.log"), "/predict")
        out["baseline"][0].wait_ready()
    except BaseException:
        for server, _ in out.values():
            server.stop()
        raise
    return out


def _interleaved(servers: dict[str, tuple[Server, str]], bodies: list[bytes], n_sequential: int, n_concurrent: int,
                 clients: int, bursts: int, rounds: int, time_limit: float) -> dict[str, Any]:
    """Sequential bursts, then concurrent rounds, taking turns (never two servers busy at once).

    Taking turns every few seconds puts both servers under the same background load; CPU seconds
    per request (the server process's own, all threads) is the figure background load disturbs least.
    """
    names = list(servers)
    lat: dict[str, list[float]] = {k: [] for k in names}
    seq_cpu = {k: 0.0 for k in names}
    burst_p50: dict[str, list[float]] = {k: [] for k in names}
    per_burst = max(1, n_sequential // bursts)
    for b in range(bursts):
        for k in (names if b % 2 == 0 else names[::-1]):
            server, path = servers[k]
            c0 = cpu_seconds(server.proc.pid)
            r = sequential(server.port, path, bodies, per_burst, time_limit)
            seq_cpu[k] += cpu_seconds(server.proc.pid) - c0
            lat[k] += r["times_ms"]
            burst_p50[k].append(r["p50_ms"])
    conc: dict[str, list[dict[str, Any]]] = {k: [] for k in names}
    for rnd in range(rounds):
        for k in (names if rnd % 2 == 0 else names[::-1]):
            server, path = servers[k]
            c0 = cpu_seconds(server.proc.pid)
            r = concurrent(server.port, path, bodies, n_concurrent, clients, time_limit)
            r["server_cpu_ms_per_request"] = round((cpu_seconds(server.proc.pid) - c0) / max(r["n"], 1) * 1000, 2)
            conc[k].append(r)
    out: dict[str, Any] = {}
    for k in names:
        t = lat[k]
        out[k] = {
            "sequential": {"n": len(t), "p50_ms": round(statistics.median(t), 2),
                           "p95_ms": round(float(np.percentile(t, 95)), 2),
                           "burst_p50_ms": burst_p50[k],
                           "server_cpu_ms_per_request": round(seq_cpu[k] / max(len(t), 1) * 1000, 2)},
            "concurrent": {"requests_per_s": round(statistics.median(r["requests_per_s"] for r in conc[k]), 1),
                           "p50_ms": round(statistics.median(r["p50_ms"] for r in conc[k]), 2),
                           "p95_ms": round(statistics.median(r["p95_ms"] for r in conc[k]), 2),
                           "server_cpu_ms_per_request": round(statistics.median(
                               r["server_cpu_ms_per_request"] for r in conc[k]), 2),
                           "errors": sum(r["errors"] for r in conc[k]),
                           "rounds": [{x: r[x] for x in ("n", "wall_s", "requests_per_s", "p50_ms", "p95_ms")}
                                      for r in conc[k]]},
        }
    return out


def bench_serving(n_sequential: int = 300, n_concurrent: int = 2000, clients: int = 16, bursts: int = 6,
                  rounds: int = 3, time_limit: float = 60.0, home: str | Path | None = None) -> dict[str, Any]:
    """Both servers measured in turns; the figures and whether the targets are met."""
    from synaptic_core.data import load_dataset

    home = Path(home or os.environ.get("SYNAPTIC_BENCH_HOME") or tempfile.mkdtemp(prefix="synaptic-bench-serving-"))
    home.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    run_id, model_path = trained_cnn(home)
    train_s = time.perf_counter() - t0
    images = load_dataset("mnist").x_test[:64, :, :, 0]
    bodies = [json.dumps({"inputs": [im.tolist()]}).encode() for im in images]
    load_before = os.getloadavg()[0]
    servers = start_servers(home, run_id, model_path)
    try:
        for server, path in servers.values():  # warm-up: model load, first traces, connections
            sequential(server.port, path, bodies, 50, time_limit)
            concurrent(server.port, path, bodies, 4 * clients, clients, time_limit)
        figures = _interleaved(servers, bodies, n_sequential, n_concurrent, clients, bursts, rounds, time_limit)
    finally:
        for server, _ in servers.values():
            server.stop()
    ours, base = figures["ours"], figures["baseline"]
    ratio = ours["sequential"]["p50_ms"] / base["sequential"]["p50_ms"]
    rps = ours["concurrent"]["requests_per_s"]
    return {"serving": {
        "what": "single-image MNIST CNN predict over HTTP on 127.0.0.1, ours vs a minimal FastAPI + Keras server "
                f"(both up, taking turns): {n_sequential} sequential requests in {bursts} bursts each; "
                f"{rounds} rounds of {n_concurrent} requests from {clients} client threads each",
        "run_id": run_id, "train_or_reuse_s": round(train_s, 1),
        "body_bytes": int(statistics.median(len(b) for b in bodies)),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "ours": ours, "baseline": base, "p50_ratio": round(ratio, 3),
        "targets": {"p50_ratio_max": TARGET_P50_RATIO, "requests_per_s_min": TARGET_RPS,
                    "met": ratio <= TARGET_P50_RATIO and rps >= TARGET_RPS},
    }}


if __name__ == "__main__":
    print(json.dumps(bench_serving(), indent=2))
