"""When a worker process may take another run, and what it clears in between (both runners).

Importing TensorFlow costs a worker 3-10 s of CPU. A fresh process per run keeps runs apart, but
on a class server (one training slot, thirty toy runs of a few seconds each) that import is paid
thirty times, on the same cores the runs train on: with the server and its runs pinned to one
core, a 4 s toy run took 8 s because the next spare was importing TensorFlow beside it. So a
worker serves several runs, as Ray's workers do, and is retired (a fresh one takes its place):

* after ``RECYCLE_AFTER`` runs: Keras' memory grows a little with every model built;
* when its peak memory passed ``RECYCLE_RSS_MB``: memory a big run took is not given back to the
  system, and a process that held it should not sit in a slot;
* after every run on a GPU (the GPU's memory is freed only when its process ends).

Between runs the worker clears Keras' global state (``clear_session``, 0.3-0.7 s of garbage
collection) after reporting the run's end, so no run's first metric waits for it. Every run seeds
its own generators (``train`` calls ``keras.utils.set_random_seed``), so a run on a reused worker
learns the same as on a fresh one.
"""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path
from typing import Any

from synaptic_core.tf_quiet import quiet_retracing

RECYCLE_AFTER = 16  # runs per CPU worker process before it is replaced
RECYCLE_RSS_MB = float(os.environ.get("SYNAPTIC_RECYCLE_RSS_MB", "1500"))  # peak memory that retires a worker


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB.

    Linux: ``VmHWM`` from ``/proc/self/status``, the peak of this process image. Not ``ru_maxrss``:
    Linux keeps that across ``execve``, so a worker spawned by a big parent (a test session of 2 GB)
    reported the parent's peak and was retired after every run. Elsewhere ``ru_maxrss`` (macOS: bytes).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def may_serve_again(runs_served: int, peak_mb: float | None, device: dict[str, Any] | None,
                    recycle_after: int = RECYCLE_AFTER) -> bool:
    """Whether a worker that has just finished its ``runs_served``-th run may take another."""
    if runs_served >= recycle_after:
        return False
    if peak_mb is not None and peak_mb > RECYCLE_RSS_MB:
        return False
    return not (device or {}).get("gpus")


def clear_between_runs() -> None:
    """Forget the last run's models and Keras' name counters (only where Keras was imported), and
    keep TensorFlow's retracing warning, which every later run's new model would set off, out of the log."""
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.backend.clear_session()
        quiet_retracing()
