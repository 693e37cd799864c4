"""Why GPUs matter: time the same network's training on each device SynapticHub can use.

One CPU thread, all the CPU threads this process may use, then each GPU TensorFlow sees: the
same CNN (the Playground's default conv net on MNIST-shaped input), the same batches, measured
as training samples per second and shown as a speed-up over one thread.

TensorFlow's thread pools can only be sized before it initialises (``tf.config.threading``
raises once the runtime is up), and a process that has seen a GPU cannot un-see it. So each
measurement runs in its own child process (``python -m synaptic_core.device_speed --child``)
with its thread count and ``CUDA_VISIBLE_DEVICES`` set; the children run one after the other,
never together, so they do not compete for the cores. No TensorFlow is imported here.

    python -m synaptic_core.device_speed [--steps 20] [--batch-size 128] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

ROOT = Path(__file__).resolve().parents[1]
CHILD_TIMEOUT_S = 300
_LOCK = threading.Lock()  # one timing at a time on a server: children would compete for the same cores


@dataclass(frozen=True)
class Target:
    """One device setting to time: ``kind`` "cpu" with ``threads``, or "gpu" with its TensorFlow ``index``."""

    key: str  # "cpu-1", "cpu-all", "gpu-0"
    label: str  # "CPU, 1 thread", "CPU, 2 threads", "GPU 0 · NVIDIA H200"
    kind: str
    threads: int | None = None
    index: int | None = None


@dataclass
class Measurement:
    key: str
    label: str
    samples_per_s: float | None  # None when the measurement failed (see error)
    seconds: float | None  # timed part: ``steps`` training steps
    steps: int
    batch_size: int
    error: str | None = None
    speedup: float | None = None  # over the first (one-thread) measurement
    threads_seen: int | None = None  # TensorFlow's intra-op pool size in the child (0: its own default)


def targets(cores: int | None = None, gpus: Sequence[dict[str, Any]] | int = ()) -> list[Target]:
    """One thread, all usable threads (when more than one), then each GPU (``detect_device()["gpus"]`` or a count)."""
    if cores is None:
        from synaptic_core.device import cpu_info

        cores = cpu_info()["usable_cores"]
    out = [Target("cpu-1", "CPU, 1 thread", "cpu", threads=1)]
    if cores > 1:
        out.append(Target("cpu-all", f"CPU, {cores} threads", "cpu", threads=cores))
    rows = [{"index": i} for i in range(gpus)] if isinstance(gpus, int) else list(gpus)
    for row in rows:
        i = int(row.get("index", 0))
        name = row.get("name")
        out.append(Target(f"gpu-{i}", f"GPU {i}" + (f" · {name}" if name else ""), "gpu", index=i))
    return out


def child_env(target: Target, base: dict[str, str] | None = None) -> dict[str, str]:
    """The child's environment: its threads (CPU) or its one visible GPU, quiet TensorFlow logs."""
    env = dict(os.environ if base is None else base)
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    if target.kind == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = "-1"  # hide every GPU: this is a CPU measurement
        env["OMP_NUM_THREADS"] = str(target.threads)
    else:
        env["CUDA_VISIBLE_DEVICES"] = str(target.index)
    return env


def measure(target: Target, steps: int = 20, batch_size: int = 128, timeout: float = CHILD_TIMEOUT_S) -> Measurement:
    """Time ``steps`` training steps of the CNN on ``target`` in a fresh child process."""
    config = {"kind": target.kind, "threads": target.threads, "steps": steps, "batch_size": batch_size}
    cmd = [sys.executable, "-m", "synaptic_core.device_speed", "--child", json.dumps(config)]
    fail = Measurement(target.key, target.label, None, None, steps, batch_size)
    try:
        proc = subprocess.run(cmd, env=child_env(target), cwd=str(ROOT), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        fail.error = f"did not finish within {timeout:.0f} s"
        return fail
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        fail.error = f"the measurement failed (exit {proc.returncode}): {tail[:300]}"
        return fail
    out = json.loads(lines[-1])
    if out.get("error"):
        fail.error = str(out["error"])
        return fail
    return Measurement(target.key, target.label, float(out["samples_per_s"]), float(out["seconds"]), steps,
                       batch_size, threads_seen=out.get("intra_op"))


def compare(devices: Sequence[Target] | None = None, steps: int = 20, batch_size: int = 128,
            on_result: Callable[[Measurement], None] | None = None) -> list[Measurement]:
    """Measure each target in turn (one at a time per server); speed-ups are over the first (one thread).

    Raises ``RuntimeError`` when another timing is running in this process.
    """
    if not _LOCK.acquire(blocking=False):
        raise RuntimeError("Another device timing is running on this server; try again when it has finished.")
    try:
        results = []
        for target in devices if devices is not None else targets():
            results.append(measure(target, steps, batch_size))
            if on_result:
                on_result(results[-1])
    finally:
        _LOCK.release()
    return with_speedups(results)


def with_speedups(results: list[Measurement]) -> list[Measurement]:
    """Each measurement's speed-up over the first one (None where either failed)."""
    base = results[0].samples_per_s if results else None
    for m in results:
        m.speedup = m.samples_per_s / base if base and m.samples_per_s else None
    return results


# -- the child: one measurement, in a process that sized TensorFlow's threads before anything else ---------------
def _child(config: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    from synaptic_core.tf_quiet import filtered_stderr

    with filtered_stderr():
        import tensorflow as tf
    threads = config.get("threads")
    if threads:  # only possible before TensorFlow's runtime starts: the reason this is a child process
        tf.config.threading.set_intra_op_parallelism_threads(int(threads))
        tf.config.threading.set_inter_op_parallelism_threads(int(threads))
    if config["kind"] == "gpu" and not tf.config.list_physical_devices("GPU"):
        return {"error": "TensorFlow sees no GPU here (a CPU-only TensorFlow build, or no CUDA driver)"}
    import keras

    from synaptic_core.models import build_model
    from synaptic_core.specs import RunSpec

    keras.utils.set_random_seed(0)
    spec = RunSpec().replace(model="cnn", filters=(32, 64), kernel=3, hidden=(128,), dropout=0.25)
    model = build_model(spec, (28, 28, 1), 10)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    steps, batch = int(config["steps"]), int(config["batch_size"])
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (steps * batch, 28, 28, 1), dtype=np.uint8).astype("float32")
    y = rng.integers(0, 10, steps * batch)
    model.fit(x[:batch * 2], y[:batch * 2], batch_size=batch, epochs=1, verbose=0)  # build, trace, warm up
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    seconds = time.perf_counter() - start
    return {"samples_per_s": steps * batch / seconds, "seconds": seconds,
            "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
            "devices": [d.name for d in tf.config.list_logical_devices()]}


def format_table(results: Sequence[Measurement]) -> str:
    """Plain lines: device, samples/s, speed-up (or the error)."""
    width = max(len(m.label) for m in results) if results else 10
    lines = []
    for m in results:
        if m.samples_per_s is None:
            lines.append(f"{m.label:<{width}}  failed: {m.error}")
        else:
            lines.append(f"{m.label:<{width}}  {m.samples_per_s:>10,.0f} samples/s  x{m.speedup or 0:.2f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synaptic_core.device_speed", description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.child:
        try:
            print(json.dumps(_child(json.loads(args.child))), flush=True)
        except Exception as exc:  # the parent reports it as this device's error
            print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        return 0
    from synaptic_core.device import nvidia_gpus

    found = targets(gpus=nvidia_gpus())
    results = compare(found, steps=args.steps, batch_size=args.batch_size)
    if args.json:
        print(json.dumps([asdict(m) for m in results]))
    else:
        print(format_table(results))
        if not any(t.kind == "gpu" for t in found):
            print("No GPU on this machine: only the CPU thread scaling is measured.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
