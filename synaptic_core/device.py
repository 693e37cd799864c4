"""What the training will run on: CPU model and cores, GPUs, TensorFlow/Keras build facts.

``cpu_info`` is cheap and TensorFlow-free. ``detect_device`` imports TensorFlow (3-5 s), so
it runs in a warm worker process, which reports the dict to the runner; the sidebar shows
``describe(runner.device())``. Everything returned is plain JSON-able data.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

_X86 = ("x86_64", "amd64", "i386", "i686", "x86")


def cpu_info() -> dict[str, Any]:
    """``{"model": "Intel Xeon ...", "cores": logical cores, "usable_cores": cores this process may use,
    "machine": "x86_64"}``."""
    cores = os.cpu_count() or 1
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = cores
    return {"model": _cpu_model(), "cores": cores, "usable_cores": usable, "machine": platform.machine()}


def _cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    name = ""
    try:
        fields = dict(_split_field(line) for line in cpuinfo.read_text(errors="replace").splitlines() if ":" in line)
        name = fields.get("model name") or fields.get("Hardware") or fields.get("Model") or fields.get("cpu model", "")
    except OSError:
        pass
    name = name or platform.processor() or platform.machine() or "unknown CPU"
    name = re.sub(r"\((R|TM|tm|r)\)", "", name)
    return re.sub(r"\s+", " ", name).strip()


def _split_field(line: str) -> tuple[str, str]:
    key, _, value = line.partition(":")
    return key.strip(), value.strip()


def onednn_enabled(machine: str | None = None) -> bool:
    """oneDNN CPU kernels: ``TF_ENABLE_ONEDNN_OPTS`` when set, else TensorFlow's default (on for x86)."""
    flag = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "").strip().lower()
    if flag in ("0", "false", "off", "no"):
        return False
    if flag in ("1", "true", "on", "yes"):
        return True
    return (machine or platform.machine()).lower() in _X86


def detect_device() -> dict[str, Any]:
    """CPU, GPUs (name, memory, compute capability) and the TensorFlow/Keras build. Imports TensorFlow."""
    import keras
    import tensorflow as tf

    try:
        build = dict(tf.sysconfig.get_build_info())
    except Exception:  # noqa: BLE001 - build info is a nicety
        build = {}
    cpu = cpu_info()
    gpus = []
    smi = _nvidia_smi()
    for index, gpu in enumerate(tf.config.list_physical_devices("GPU")):
        try:
            details = dict(tf.config.experimental.get_device_details(gpu))
        except Exception:  # noqa: BLE001
            details = {}
        row = smi.get(_physical_gpu_index(index)) or {}
        capability = details.get("compute_capability")
        gpus.append({
            "index": index,
            "name": details.get("device_name") or row.get("name") or gpu.name,
            "memory_bytes": row.get("memory_bytes"),
            "compute_capability": ".".join(str(x) for x in capability) if capability else None,
        })
    return {
        "cpu": cpu,
        "gpus": gpus,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "onednn": onednn_enabled(cpu["machine"]),
        "cuda_build": bool(build.get("is_cuda_build")),
        "rocm_build": bool(build.get("is_rocm_build")),
        "cuda_version": build.get("cuda_version"),
        "cudnn_version": build.get("cudnn_version"),
        "python": platform.python_version(),
    }


def _physical_gpu_index(tf_index: int) -> int:
    """TensorFlow numbers the visible GPUs; nvidia-smi numbers all of them."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").strip()
    ids = [v.strip() for v in visible.split(",") if v.strip()]
    if ids and all(v.isdigit() for v in ids) and tf_index < len(ids):
        return int(ids[tf_index])
    return tf_index


def _nvidia_smi() -> dict[int, dict[str, Any]]:
    """``{index: {"name", "memory_bytes"}}`` from nvidia-smi; empty where there is none.

    TensorFlow tells a GPU's name but not its total memory without claiming the device.
    """
    exe = shutil.which("nvidia-smi")
    if not exe:
        return {}
    try:
        out = subprocess.run([exe, "--query-gpu=index,name,memory.total", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    rows = {}
    for line in out.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 3 and parts[0].isdigit():
            try:
                memory = int(float(parts[2]) * 2**20)  # MiB
            except ValueError:
                memory = None
            rows[int(parts[0])] = {"name": parts[1], "memory_bytes": memory}
    return rows


def nvidia_gpus() -> list[dict[str, Any]]:
    """``[{"index", "name"}]`` of the GPUs nvidia-smi lists, without TensorFlow; [] where there is none.

    For the device timing's plan (``device_speed.targets``) outside the app; the app uses the warm
    worker's ``detect_device()["gpus"]``, which lists only GPUs TensorFlow can use.
    """
    return [{"index": i, "name": row.get("name")} for i, row in sorted(_nvidia_smi().items())]


def describe(device: dict[str, Any] | None) -> list[str]:
    """Short lines for the sidebar's device panel.

    e.g. ``["CPU · Intel Xeon Processor · 2 cores · oneDNN on", "TensorFlow 2.21.0 · Keras 3.15.1",
    "No GPU: training runs on the CPU"]``; a GPU line reads ``"GPU 0 · NVIDIA H100 · 80 GiB"``.
    Accepts ``detect_device()``'s dict or ``cpu_info()``'s alone.
    """
    if not device:
        return ["Detecting the device…"]
    if device.get("error"):
        return [f"Device detection failed: {device['error']}"]
    cpu = device.get("cpu", device)
    line = ["CPU", cpu.get("model") or "unknown CPU", _cores(cpu)]
    if "onednn" in device:
        line.append("oneDNN on" if device["onednn"] else "oneDNN off")
    lines = [" · ".join(x for x in line if x)]
    if device.get("tensorflow"):
        lines.append(f"TensorFlow {device['tensorflow']} · Keras {device.get('keras', '?')}")
    if "gpus" in device:
        for gpu in device["gpus"]:
            parts = [f"GPU {gpu.get('index', 0)}", gpu.get("name") or "GPU"]
            if gpu.get("memory_bytes"):
                parts.append(_gib(gpu["memory_bytes"]))
            lines.append(" · ".join(parts))
        if not device["gpus"]:
            lines.append("No GPU: training runs on the CPU")
    if device.get("cluster"):  # the Ray runner: nodes, CPUs, GPUs of the cluster
        from synaptic_core.jobs.ray_cluster import cluster_lines

        lines += cluster_lines(device["cluster"])
    return lines


def _cores(cpu: dict[str, Any]) -> str:
    cores = cpu.get("cores")
    if not cores:
        return ""
    usable = cpu.get("usable_cores")
    text = f"{cores} core" + ("s" if cores != 1 else "")
    return text + (f" ({usable} usable)" if usable and usable != cores else "")


def _gib(n_bytes: int) -> str:
    gib = n_bytes / 2**30
    return f"{gib:.0f} GiB" if gib >= 10 else f"{gib:.1f} GiB"
