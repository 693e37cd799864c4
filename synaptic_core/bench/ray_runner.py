"""Benchmark: the Ray runner against the local runner, on this machine, in one run.

Two figures, each with both runners on the same machine and the same specs:

* **MNIST CNN epoch** (the preset of bench/training.py, bundled sample, one slot using every
  core): samples/s of the epoch and submit -> first live batch metric in the parent, with warm
  workers on both sides (a spare process with TensorFlow imported; a Ray worker that ran the
  warm-up task). Local and Ray runs alternate, so a change of machine load hits both.
* **8 small toy runs, 2 slots**: the wall time from submitting all eight at once to the last
  one final, each runner with two concurrent slots (local: ``max_jobs=2``; Ray: a 2-CPU Ray,
  one CPU per run).

Ray is started privately for each figure (``ray.init(num_cpus=...)``), so a figure does not
inherit the other's worker processes (TensorFlow's thread pool is sized once per process);
the start time is reported too (a cluster is normally started once, with the server).
Needs the optional Ray extra (requirements-ray.txt).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from synaptic_core.bench.training import _wait_warm, cnn_spec, job_run
from synaptic_core.jobs.ray_cluster import disconnect
from synaptic_core.specs import RunSpec

TARGET_RATIO = 0.9
TARGET_FIRST_METRIC_S = 3.0


def toy_spec(seed: int) -> RunSpec:
    """A small toy run (~1-2 s of training): circle, one hidden layer of 16, 10 epochs."""
    return RunSpec().replace(dataset="circle", model="mlp", hidden=(16,), n_points=600, epochs=10, batch_size=32,
                             seed=seed)


def _start_ray(num_cpus: int) -> float:
    import ray

    t0 = time.perf_counter()
    ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
    return time.perf_counter() - t0


def _wall_time(runner: Any, specs: list[RunSpec], timeout: float = 600.0) -> tuple[float, list[str]]:
    """Submit every spec at once; seconds until the last run is final, and their final states."""
    t0 = time.perf_counter()
    ids = [runner.submit(spec, owner=f"bench{i % 4}") for i, spec in enumerate(specs)]
    states = [runner.wait(run_id, timeout=timeout).state for run_id in ids]
    return time.perf_counter() - t0, states


def bench_cnn(rounds: int, subset: int) -> dict[str, Any]:
    """The MNIST CNN epoch through each runner, one slot on every core, ``rounds`` times each."""
    from synaptic_core.jobs import LocalJobRunner
    from synaptic_core.jobs.ray_runner import RayJobRunner
    from synaptic_core.store import RunStore

    cores = os.cpu_count() or 1
    spec = cnn_spec(subset)
    local_runs, ray_runs = [], []
    with tempfile.TemporaryDirectory() as home:
        start_s = _start_ray(cores)
        local = LocalJobRunner(RunStore(Path(home) / "local.db"), max_jobs=1, extra_spares=1)
        remote = RayJobRunner(RunStore(Path(home) / "ray.db"), max_jobs=1, cpus_per_run=cores)
        try:
            warm_s = time.perf_counter()
            remote.wait_warm()
            warm_s = time.perf_counter() - warm_s
            for _ in range(rounds):
                _wait_warm(local, 2)  # the job's worker and the spare the app also keeps
                local_runs.append(job_run(local, spec))
                _wait_warm(local, 2)  # the replacement spare has imported TensorFlow: it must not compete
                ray_runs.append(job_run(remote, spec))
        finally:
            remote.shutdown()
            local.shutdown()
            disconnect()
    sps_local = statistics.median(r["samples_per_second"] for r in local_runs)
    sps_ray = statistics.median(r["samples_per_second"] for r in ray_runs)
    first_local = statistics.median(r["first_metric_s"] for r in local_runs)
    first_ray = statistics.median(r["first_metric_s"] for r in ray_runs)
    return {
        "what": f"MNIST CNN preset, 1 epoch on {subset} images, batch {spec.batch_size}, 1 slot with {cores} "
                f"threads: Ray runner vs local runner, warm workers, medians of {rounds}",
        "local_samples_per_second": round(sps_local, 1), "ray_samples_per_second": round(sps_ray, 1),
        "ratio": round(sps_ray / sps_local, 3), "target_ratio": TARGET_RATIO,
        "local_first_metric_s": round(first_local, 3), "ray_first_metric_s": round(first_ray, 3),
        "target_first_metric_s": TARGET_FIRST_METRIC_S,
        "local_all": [_rounded(r) for r in local_runs], "ray_all": [_rounded(r) for r in ray_runs],
        "ray_start_s": round(start_s, 2), "ray_warm_up_s": round(warm_s, 2),
    }


def bench_toys(n_runs: int = 8, slots: int = 2) -> dict[str, Any]:
    """``n_runs`` small toy runs submitted at once through each runner with ``slots`` concurrent slots."""
    from synaptic_core.jobs import LocalJobRunner
    from synaptic_core.jobs.ray_runner import RayJobRunner
    from synaptic_core.store import RunStore

    specs = [toy_spec(seed) for seed in range(n_runs)]
    with tempfile.TemporaryDirectory() as home:
        local = LocalJobRunner(RunStore(Path(home) / "local.db"), max_jobs=slots, extra_spares=1)
        try:
            _wait_warm(local, slots + 1)
            local_s, local_states = _wall_time(local, specs)
        finally:
            local.shutdown()
        start_s = _start_ray(slots)
        remote = RayJobRunner(RunStore(Path(home) / "ray.db"), max_jobs=slots, cpus_per_run=1)
        try:
            remote.wait_warm()
            ray_s, ray_states = _wall_time(remote, specs)
        finally:
            remote.shutdown()
            disconnect()
    return {
        "what": f"{n_runs} toy runs (circle, mlp 16, 600 points, 10 epochs) submitted at once, {slots} concurrent "
                "slots, warm workers: wall time to the last one final",
        "local_wall_s": round(local_s, 2), "ray_wall_s": round(ray_s, 2), "ratio": round(ray_s / local_s, 3),
        "local_states": sorted(set(local_states)), "ray_states": sorted(set(ray_states)),
        "ray_start_s": round(start_s, 2),
    }


def bench_ray_runner(rounds: int = 2, subset: int = 10000, toy_runs: int = 8) -> dict[str, Any]:
    """Both figures, with the machine's load average before and after (see the module docstring)."""
    load_before = os.getloadavg()
    cnn = bench_cnn(rounds, subset)
    toys = bench_toys(toy_runs)
    return {"ray_runner": {"cnn_epoch": cnn, "toy_runs": toys,
                           "load_average_before": [round(x, 2) for x in load_before],
                           "load_average_after": [round(x, 2) for x in os.getloadavg()]}}


def _rounded(run: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in run.items()}
