"""Why GPUs matter: the device timing (synaptic_core.device_speed), its chart and its bench entry.

The real measurements run a tiny number of steps in child processes (each sizes TensorFlow's
threads before it starts); the rest checks the plan, the environments, the speed-ups and the
one-at-a-time rule without TensorFlow.
"""

from __future__ import annotations

import pytest

from synaptic_core import device_speed as ds
from synaptic_core.viz.devices import speed_bars


def test_targets_one_thread_all_threads_then_each_gpu():
    assert [t.key for t in ds.targets(cores=1)] == ["cpu-1"]
    plan = ds.targets(cores=4, gpus=[{"index": 0, "name": "NVIDIA H200"}, {"index": 1}])
    assert [(t.key, t.kind, t.threads, t.index) for t in plan] == [
        ("cpu-1", "cpu", 1, None), ("cpu-all", "cpu", 4, None), ("gpu-0", "gpu", None, 0), ("gpu-1", "gpu", None, 1)]
    assert plan[1].label == "CPU, 4 threads" and plan[2].label == "GPU 0 · NVIDIA H200"
    assert [t.key for t in ds.targets(cores=2, gpus=2)] == ["cpu-1", "cpu-all", "gpu-0", "gpu-1"]


def test_child_environments_hide_gpus_from_cpu_runs_and_pick_one_gpu():
    cpu = ds.child_env(ds.Target("cpu-all", "CPU", "cpu", threads=3), base={"CUDA_VISIBLE_DEVICES": "0,1"})
    assert cpu["CUDA_VISIBLE_DEVICES"] == "-1" and cpu["OMP_NUM_THREADS"] == "3"
    gpu = ds.child_env(ds.Target("gpu-1", "GPU 1", "gpu", index=1), base={})
    assert gpu["CUDA_VISIBLE_DEVICES"] == "1" and str(ds.ROOT) in gpu["PYTHONPATH"]


def test_speedups_are_over_the_first_measurement():
    rows = [ds.Measurement("cpu-1", "1", 100.0, 1.0, 2, 16), ds.Measurement("cpu-all", "2", 180.0, 1.0, 2, 16),
            ds.Measurement("gpu-0", "g", None, None, 2, 16, error="no GPU")]
    ds.with_speedups(rows)
    assert [r.speedup for r in rows] == [1.0, 1.8, None]
    assert "x1.80" in ds.format_table(rows) and "failed: no GPU" in ds.format_table(rows)


def test_one_timing_at_a_time(monkeypatch):
    monkeypatch.setattr(ds, "measure", lambda t, *a, **k: ds.Measurement(t.key, t.label, 1.0, 1.0, 1, 1))
    assert ds._LOCK.acquire(blocking=False)
    try:
        with pytest.raises(RuntimeError, match="Another device timing"):
            ds.compare(ds.targets(cores=1))
    finally:
        ds._LOCK.release()
    assert [m.speedup for m in ds.compare(ds.targets(cores=2))] == [1.0, 1.0]


def test_speed_bars_label_the_speedup_and_leave_out_failures():
    rows = [{"key": "cpu-1", "label": "CPU, 1 thread", "samples_per_s": 200.0, "speedup": 1.0},
            {"key": "cpu-all", "label": "CPU, 2 threads", "samples_per_s": 350.0, "speedup": 1.75},
            {"key": "gpu-0", "label": "GPU 0", "samples_per_s": None, "speedup": None}]
    bar = speed_bars(rows).data[0]
    assert list(bar.x) == ["CPU, 1 thread", "CPU, 2 threads"] and list(bar.y) == [200.0, 350.0]
    assert bar.text[1] == "350/s · ×1.8"


def test_bench_entry_reports_the_figures(monkeypatch):
    from synaptic_core.bench.suite import run_all

    monkeypatch.setattr(ds, "measure", lambda t, *a, **k: ds.Measurement(t.key, t.label, 10.0, 1.0, 1, 1))
    out = run_all(only=["devices"], quick=True)
    rows = out["devices"]["measurements"]
    assert rows[0]["key"] == "cpu-1" and rows[0]["speedup"] == 1.0 and "gpus" in out["devices"]


@pytest.mark.slow
def test_real_measurements_in_child_processes_with_their_thread_setting():
    one = ds.Target("cpu-1", "CPU, 1 thread", "cpu", threads=1)
    results = ds.compare([one, ds.Target("gpu-0", "GPU 0", "gpu", index=0)], steps=2, batch_size=16)
    assert results[0].samples_per_s > 0 and results[0].speedup == 1.0 and results[0].error is None
    if results[1].error:  # a CPU-only machine: the GPU's row says why, the CPU's still counts
        assert "no GPU" in results[1].error or "failed" in results[1].error
    assert results[0].threads_seen == 1  # the child really sized TensorFlow's pool before it started
