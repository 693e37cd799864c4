"""Training targets for the runner contract suite: cheap, scripted by the spec, no TensorFlow.

One runner has one target, yet the suite wants runs that finish, crash, ignore Stop...; so
``contract`` reads its script from the spec (as tests/unit/jobfakes.py does):

* ``spec.dataset`` is the mode: ``ok`` | ``stubborn`` (ignores should_stop) | ``crash`` (raises
  at step 2) | ``nan`` (an error event at step 2, then a result) | ``none`` (returns no result) |
  ``resumable`` (like ``ok``, and it keeps its last finished step in ``progress.txt`` in the run's
  folder and starts after it, as training does with its checkpoint);
  any other dataset (``circle``...) goes to the real ``synaptic_core.training.train``, so one
  runner also serves the case with real training (TensorFlow is imported only then);
* ``spec.epochs`` is the number of steps, ``spec.noise`` the seconds each step sleeps.

The first event says the process id (``"contract ok run, pid 1234"``), so a test can kill the
process from outside, as the kernel's OOM killer would.

Runners find it with ``TargetConfig(target="targets:contract", sys_path=(CONTRACT_DIR,), ...)``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

CONTRACT_DIR = str(Path(__file__).resolve().parent)
MODES = ("ok", "stubborn", "crash", "nan", "none", "resumable")


def contract(spec, sink, workdir: Path) -> dict | None:
    mode, steps, step_s = spec.dataset, spec.epochs, spec.noise
    if mode not in MODES:
        from synaptic_core.training import train

        return train(spec, sink, workdir)
    sink.emit({"type": "status", "stage": "training", "message": f"contract {mode} run, pid {os.getpid()}"})
    if mode == "none":
        return None
    progress = workdir / "progress.txt"
    first = int(progress.read_text()) + 1 if mode == "resumable" and progress.exists() else 1
    for step in range(first, steps + 1):
        if mode != "stubborn" and sink.should_stop():
            sink.emit({"type": "stopped", "epoch": 0, "batch": step - 1})
            return _result(spec, workdir, step - 1, stopped=True)
        time.sleep(step_s)
        sink.emit({"type": "batch", "epoch": 0, "batch": step, "steps": steps, "epochs": 1, "loss": 1.0 / step,
                   "batch_loss": 1.0 / step, "accuracy": 0.5, "batch_accuracy": 0.5, "seen": 8 * step,
                   "t": step * step_s})
        if mode == "resumable":  # written whole or not at all: a kill mid-write leaves the last one
            (workdir / "progress.tmp").write_text(str(step))
            os.replace(workdir / "progress.tmp", progress)
        if step == 2 and mode == "crash":
            raise ValueError("contract failure at step 2")
        if step == 2 and mode == "nan":
            sink.emit({"type": "error", "kind": "nan", "message": "loss became NaN at epoch 1, batch 2"})
            return _result(spec, workdir, step, stopped=False)
    sink.emit({"type": "epoch", "epoch": 0, "epochs": 1, "loss": 0.1, "accuracy": 0.9, "val_loss": None,
               "val_accuracy": None, "lr": spec.lr, "t": steps * step_s})
    return _result(spec, workdir, steps, stopped=False)


def _result(spec, workdir: Path, steps_run: int, stopped: bool) -> dict:
    (workdir / "contract.txt").write_text(f"{steps_run} steps\n")
    return {"dataset": spec.dataset, "model": spec.model, "epochs_run": 1 if steps_run else 0,
            "steps_run": steps_run, "stopped": stopped, "history": [], "test": {"loss": 0.1, "accuracy": 0.9},
            "workdir": str(workdir)}


def pid_of(events: list[dict]) -> int:
    """The process id a contract run announced in its first event."""
    return int(events[0]["message"].rsplit(" ", 1)[1])
