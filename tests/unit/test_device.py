"""device.py: CPU facts, GPU detection through a fake TensorFlow (no GPU here), sidebar lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from types import SimpleNamespace

import pytest

from synaptic_core import device

SMI = "0, NVIDIA H100 80GB HBM3, 81559\n1, NVIDIA A100-SXM4-40GB, 40960\n"


def install_fake_tf(monkeypatch, gpus, details, build=None):
    """Put a fake ``tensorflow`` and ``keras`` in sys.modules: detect_device imports those."""

    def get_device_details(gpu):
        if gpu.name not in details:
            raise RuntimeError("no details")
        return details[gpu.name]

    tf = types.ModuleType("tensorflow")
    tf.__version__ = "2.99.0"
    tf.sysconfig = SimpleNamespace(get_build_info=lambda: build or {
        "is_cuda_build": True, "is_rocm_build": False, "cuda_version": "12.5.1", "cudnn_version": "9"})
    tf.config = SimpleNamespace(
        list_physical_devices=lambda kind=None: [g for g in gpus if kind in (None, "GPU")],
        experimental=SimpleNamespace(get_device_details=get_device_details))
    keras = types.ModuleType("keras")
    keras.__version__ = "3.99.1"
    monkeypatch.setitem(sys.modules, "tensorflow", tf)
    monkeypatch.setitem(sys.modules, "keras", keras)


def fake_nvidia_smi(monkeypatch, stdout=SMI):
    calls = []

    def run(cmd, **kw):
        calls.append(cmd)
        return SimpleNamespace(stdout=stdout, returncode=0)

    monkeypatch.setattr(device.shutil, "which", lambda name: "/usr/bin/nvidia-smi" if name == "nvidia-smi" else None)
    monkeypatch.setattr(device.subprocess, "run", run)
    return calls


def gpu(i):
    return SimpleNamespace(name=f"/physical_device:GPU:{i}", device_type="GPU")


def test_gpus_from_tensorflow_and_nvidia_smi(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    install_fake_tf(monkeypatch, [gpu(0), gpu(1)],
                    {gpu(0).name: {"device_name": "NVIDIA H100 80GB HBM3", "compute_capability": (9, 0)}})
    calls = fake_nvidia_smi(monkeypatch)
    info = device.detect_device()
    assert calls and "--query-gpu=index,name,memory.total" in calls[0]
    assert info["gpus"] == [
        {"index": 0, "name": "NVIDIA H100 80GB HBM3", "memory_bytes": 81559 * 2**20, "compute_capability": "9.0"},
        {"index": 1, "name": "NVIDIA A100-SXM4-40GB", "memory_bytes": 40960 * 2**20, "compute_capability": None},
    ]
    assert (info["tensorflow"], info["keras"]) == ("2.99.0", "3.99.1")
    assert info["cuda_build"] is True and info["rocm_build"] is False and info["cuda_version"] == "12.5.1"
    assert info["cpu"]["cores"] == os.cpu_count()
    json.dumps(info)  # it crosses a process boundary and may be stored: plain data only
    lines = device.describe(info)
    assert lines[1] == "TensorFlow 2.99.0 · Keras 3.99.1"
    assert lines[2:] == ["GPU 0 · NVIDIA H100 80GB HBM3 · 80 GiB", "GPU 1 · NVIDIA A100-SXM4-40GB · 40 GiB"]


def test_visible_devices_map_to_nvidia_smi_rows(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    install_fake_tf(monkeypatch, [gpu(0)], {})
    fake_nvidia_smi(monkeypatch)
    (only,) = device.detect_device()["gpus"]
    assert (only["index"], only["name"], only["memory_bytes"]) == (0, "NVIDIA A100-SXM4-40GB", 40960 * 2**20)


def test_gpu_without_nvidia_smi_or_details(monkeypatch):
    install_fake_tf(monkeypatch, [gpu(0)], {}, build={"is_rocm_build": True})
    monkeypatch.setattr(device.shutil, "which", lambda name: None)
    info = device.detect_device()
    assert info["gpus"] == [{"index": 0, "name": "/physical_device:GPU:0", "memory_bytes": None,
                             "compute_capability": None}]
    assert info["rocm_build"] is True and info["cuda_build"] is False
    assert device.describe(info)[-1] == "GPU 0 · /physical_device:GPU:0"


def test_broken_nvidia_smi_is_ignored(monkeypatch):
    monkeypatch.setattr(device.shutil, "which", lambda name: "/usr/bin/nvidia-smi")

    def fail(*a, **kw):
        raise subprocess.CalledProcessError(9, "nvidia-smi")

    monkeypatch.setattr(device.subprocess, "run", fail)
    assert device._nvidia_smi() == {}
    fake_nvidia_smi(monkeypatch, stdout="No devices were found\n")
    assert device._nvidia_smi() == {}


def test_no_gpu(monkeypatch):
    install_fake_tf(monkeypatch, [], {})
    info = device.detect_device()
    assert info["gpus"] == []
    assert device.describe(info)[-1] == "No GPU: training runs on the CPU"


def test_onednn_flag(monkeypatch):
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    assert device.onednn_enabled("x86_64") is True
    assert device.onednn_enabled("aarch64") is False
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert device.onednn_enabled("x86_64") is False
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "1")
    assert device.onednn_enabled("aarch64") is True


def test_cpu_model_from_cpuinfo(tmp_path):
    intel = tmp_path / "intel"
    intel.write_text("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz\n\n"
                     "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz\n")
    assert device._cpu_model(intel) == "Intel Xeon CPU E5-2680 v4 @ 2.40GHz"
    arm = tmp_path / "arm"
    arm.write_text("processor\t: 0\nBogoMIPS\t: 108.00\n\nHardware\t: BCM2835\nModel\t: Raspberry Pi 4\n")
    assert device._cpu_model(arm) == "BCM2835"
    assert device._cpu_model(tmp_path / "missing")  # falls back to platform, never empty


def test_cpu_info():
    info = device.cpu_info()
    assert info["cores"] == os.cpu_count() and 1 <= info["usable_cores"] <= info["cores"]
    assert info["model"] and info["machine"]


def test_describe_lines():
    assert device.describe(None) == ["Detecting the device…"]
    assert device.describe({"error": "ImportError: no tensorflow"}) == ["Device detection failed: ImportError: no tensorflow"]
    cpu_only = {"model": "Intel Xeon Processor", "cores": 2, "usable_cores": 2, "machine": "x86_64"}
    assert device.describe(cpu_only) == ["CPU · Intel Xeon Processor · 2 cores"]
    full = {"cpu": {**cpu_only, "usable_cores": 1}, "gpus": [], "onednn": False,
            "tensorflow": "2.21.0", "keras": "3.15.1"}
    assert device.describe(full) == ["CPU · Intel Xeon Processor · 2 cores (1 usable) · oneDNN off",
                                     "TensorFlow 2.21.0 · Keras 3.15.1", "No GPU: training runs on the CPU"]
    small = {"gpus": [{"index": 0, "name": "T4-ish", "memory_bytes": 6 * 2**30}], "cpu": {"cores": 1}}
    assert device.describe(small)[-1] == "GPU 0 · T4-ish · 6.0 GiB"


@pytest.mark.slow
def test_detect_device_with_the_real_tensorflow():
    """The one test that imports TensorFlow (3-10 s): the real API calls, not the fakes, must work."""
    pytest.importorskip("tensorflow")
    info = device.detect_device()
    import keras
    import tensorflow as tf

    assert info["tensorflow"] == tf.__version__ and info["keras"] == keras.__version__
    assert isinstance(info["gpus"], list) and isinstance(info["cuda_build"], bool)
    assert len(tf.config.list_physical_devices("GPU")) == len(info["gpus"])
    json.dumps(info)
    assert device.describe(info)[1] == f"TensorFlow {tf.__version__} · Keras {keras.__version__}"
