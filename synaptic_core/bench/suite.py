"""All benchmark figures, measured side by side in one run (``python -m synaptic_core bench``)."""

from __future__ import annotations

import os
import platform
from typing import Any, Callable


def _machine() -> dict[str, Any]:
    from synaptic_core.device import cpu_info

    return {"cpu": cpu_info(), "python": platform.python_version(),
            "data_dir": os.environ.get("SYNAPTIC_DATA_DIR") or None}


def _figures(quick: bool) -> dict[str, Callable[[], dict[str, Any]]]:
    def training() -> dict[str, Any]:
        from synaptic_core.bench.training import bench_training
        return bench_training(rounds=1 if quick else 3, subset=2000 if quick else 10000)

    def cold_start() -> dict[str, Any]:
        from synaptic_core.bench.coldstart import measure_cold_start
        return {"cold_start": measure_cold_start(runs=1 if quick else 3)}

    def digits() -> dict[str, Any]:
        from synaptic_core.digits.bench import bench_digits
        return {"digits": bench_digits()}

    def serving() -> dict[str, Any]:
        from synaptic_core.bench.serving import bench_serving
        return bench_serving(n_sequential=100 if quick else 300, n_concurrent=500 if quick else 2000,
                             bursts=2 if quick else 6, rounds=1 if quick else 3)

    def ray_runner() -> dict[str, Any]:
        import importlib.util

        if importlib.util.find_spec("ray") is None:
            return {"ray_runner": {"skipped": "ray is not installed (optional extra: requirements-ray.txt)"}}
        from synaptic_core.bench.ray_runner import bench_ray_runner
        return bench_ray_runner(rounds=1 if quick else 3, subset=2000 if quick else 10000)

    def search() -> dict[str, Any]:
        from synaptic_core.bench.search import bench_search
        return bench_search(n_trials=4 if quick else 16, epochs=2 if quick else 6, subset=2000 if quick else 10000)

    def churn() -> dict[str, Any]:
        from synaptic_core.bench.churn import bench_churn
        return bench_churn(seeds=(0,) if quick else (0, 1, 2), epochs=3 if quick else None)

    def devices() -> dict[str, Any]:
        from dataclasses import asdict

        from synaptic_core.device import nvidia_gpus
        from synaptic_core.device_speed import compare, targets

        gpus = nvidia_gpus()
        rows = compare(targets(gpus=gpus), steps=5 if quick else 20)
        return {"devices": {"gpus": len(gpus), "measurements": [asdict(m) for m in rows]}}

    return {"training": training, "cold_start": cold_start, "digits": digits, "serving": serving,
            "ray_runner": ray_runner, "search": search, "churn": churn, "devices": devices}


def run_all(only: list[str] | None = None, quick: bool = False) -> dict[str, Any]:
    """Run the named figures (all by default); a figure that fails reports its error, not a number."""
    out: dict[str, Any] = {"machine": _machine()}
    for name, fn in _figures(quick).items():
        if only and name not in only:
            continue
        try:
            out.update(fn())
        except Exception as e:  # a broken figure must not hide the others
            out[name] = {"error": f"{type(e).__name__}: {e}"}
    return out
