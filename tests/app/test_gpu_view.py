"""AppTest: "Why GPUs matter" on the gradient-descent page: one click times each device and draws the bars.

The child-process measurement is replaced by a fake (the real one is tests/unit/test_device_speed.py);
what is checked is the plan (one thread, all threads, each GPU the worker reported), the chart,
and the note on a server without a GPU.
"""

from __future__ import annotations

import json

from synaptic_core import device_speed

GD = "app_pages/gradient_descent.py"


def _fake(seen):
    def measure(target, steps=20, batch_size=128, timeout=0):
        seen.append(target.key)
        rate = {"cpu-1": 100.0, "cpu-all": 170.0}.get(target.key, 2500.0)
        return device_speed.Measurement(target.key, target.label, rate, 1.0, steps, batch_size)
    return measure


def _bars(at) -> dict:
    return next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "gpu_speed_chart" in c.proto.id)


def test_cpu_only_server_shows_thread_scaling_and_says_there_is_no_gpu(open_app, monkeypatch):
    seen = []
    monkeypatch.setattr(device_speed, "measure", _fake(seen))
    monkeypatch.setattr("synaptic_core.device.cpu_info", lambda: {"usable_cores": 2, "cores": 2})
    at = open_app(GD)
    assert not at.exception
    assert any(e.label.startswith("Why GPUs matter") for e in at.expander)
    at.button(key="gpu_time").click().run()
    assert not at.exception
    assert seen == ["cpu-1", "cpu-all"]
    assert any("no GPU" in i.value for i in at.info)
    bars = _bars(at)["data"][0]
    assert bars["x"] == ["CPU, 1 thread", "CPU, 2 threads"] and bars["text"][1] == "170/s · ×1.7"


def test_each_gpu_the_worker_reported_is_timed(open_app, runner, monkeypatch):
    seen = []
    monkeypatch.setattr(device_speed, "measure", _fake(seen))
    monkeypatch.setattr("synaptic_core.device.cpu_info", lambda: {"usable_cores": 2, "cores": 2})
    runner.device_info = {"cpu": {"cores": 2}, "gpus": [{"index": 0, "name": "NVIDIA H200"}]}
    at = open_app(GD)
    at.button(key="gpu_time").click().run()
    assert not at.exception and seen == ["cpu-1", "cpu-all", "gpu-0"]
    assert not any("no GPU" in i.value for i in at.info)
    assert _bars(at)["data"][0]["x"][-1] == "GPU 0 · NVIDIA H200"
