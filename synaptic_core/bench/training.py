"""Benchmarks of the training path: job overhead against plain model.fit, and time to first metric.

Both sides train the same model (the MNIST CNN preset) on the same 10,000 images with the
same batch size for one epoch; samples/s is measured around ``fit`` on both sides. The
job side goes through everything a user's run goes through: a spawned (warm) job process,
live-metric callbacks, events shipped to the parent and written to the SQLite store.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from synaptic_core.specs import RunSpec


def cnn_spec(subset: int = 10000) -> RunSpec:
    from synaptic_core.models import MODELS

    return RunSpec().replace(**{**MODELS["cnn"].preset, "dataset": "mnist", "model": "cnn", "subset": subset,
                                "epochs": 1, "validation_split": 0.0})


def plain_fit_samples_per_second(spec: RunSpec) -> float:
    """model.fit in this process, no callbacks: the reference the job path is measured against."""
    import keras

    from synaptic_core.data import load_dataset
    from synaptic_core.models import build_model
    from synaptic_core.training.optimizers import make_optimizer

    keras.utils.set_random_seed(spec.seed)
    ds = load_dataset(spec)
    model = build_model(spec, ds.input_shape, ds.n_classes)
    model.compile(optimizer=make_optimizer(spec), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    t0 = time.perf_counter()
    model.fit(ds.x_train, ds.y_train, batch_size=spec.batch_size, epochs=spec.epochs, shuffle=True, verbose=0)
    seconds = time.perf_counter() - t0
    keras.backend.clear_session()
    return len(ds.x_train) * spec.epochs / seconds


def _wait_warm(runner: Any, n: int, timeout: float = 120.0) -> float:
    """Until ``n`` workers are warm and idle: a spare still importing TensorFlow would steal CPU."""
    t0 = time.perf_counter()
    while runner.idle_warm() < n and time.perf_counter() - t0 < timeout:
        time.sleep(0.05)
    return time.perf_counter() - t0


def job_run(runner: Any, spec: RunSpec) -> dict[str, Any]:
    """Submit one job; time submit -> first batch metric and submit -> result (parent clock)."""
    from synaptic_core.jobs import follow

    t0 = time.perf_counter()
    run_id = runner.submit(spec, owner="bench")
    first_metric = None
    for event in follow(runner, run_id, poll=0.01):
        if first_metric is None and event["type"] == "batch":
            first_metric = time.perf_counter() - t0
    result = runner.result(run_id)
    if result is None:
        status = runner.status(run_id)
        raise RuntimeError(f"benchmark job {run_id} ended {status.state}: {status.message}")
    return {"first_metric_s": first_metric, "total_s": time.perf_counter() - t0,
            "samples_per_second": result["samples_per_second"]}


def bench_training(rounds: int = 3, subset: int = 10000) -> dict[str, Any]:
    """Alternate job-path and plain runs ``rounds`` times; report medians and the ratio."""
    from synaptic_core.jobs import LocalJobRunner
    from synaptic_core.store import RunStore

    spec = cnn_spec(subset)
    job, plain, first = [], [], []
    with tempfile.TemporaryDirectory() as home:
        runner = LocalJobRunner(RunStore(Path(home) / "runs.db"), max_jobs=1, extra_spares=1)
        try:
            for _ in range(rounds):
                _wait_warm(runner, 2)  # the job's worker and the spare the app also keeps
                r = job_run(runner, spec)
                job.append(r["samples_per_second"])
                first.append(r["first_metric_s"])
                _wait_warm(runner, 2)  # the replacement spare has imported TensorFlow
                plain.append(plain_fit_samples_per_second(spec))
        finally:
            runner.shutdown()
    j, p = statistics.median(job), statistics.median(plain)
    return {
        "training_overhead": {
            "what": f"MNIST CNN preset, 1 epoch on {subset} images, batch {spec.batch_size}: job path vs plain fit",
            "job_samples_per_second": round(j, 1), "plain_fit_samples_per_second": round(p, 1),
            "ratio": round(j / p, 3), "target_ratio": 0.95,
            "rounds": rounds, "job_all": [round(v, 1) for v in job], "plain_all": [round(v, 1) for v in plain],
        },
        "first_metric": {
            "what": "submit -> first live batch metric in the parent (warm job process, bundled/local data, no download)",
            "median_s": round(statistics.median(first), 3), "all_s": [round(v, 3) for v in first],
            "target_s": 3.0,
        },
    }
