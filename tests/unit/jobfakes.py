"""Fake training targets for the job-runner tests: scripted events, no TensorFlow.

They run in *spawned* worker processes. A runner finds them with
``TargetConfig(target="jobfakes:scripted", warm=(), probe=..., sys_path=(FAKES_DIR,))``:
the worker puts ``FAKES_DIR`` (this folder) on its ``sys.path`` before importing the target
(see ``synaptic_core/jobs/target.py``).

One runner has one target, yet one test wants a job that completes beside one that
crashes; so ``scripted`` reads its script from the spec:

* ``spec.dataset`` is the mode: ``ok`` | ``crash`` | ``exit137`` | ``sigkill`` | ``segv`` |
  ``nan`` | ``stubborn`` (ignores should_stop) | ``none`` (returns no result) | ``env``
  (reports its environment in the result);
* ``spec.epochs`` is the number of steps, ``spec.noise`` the seconds each step sleeps.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

FAKES_DIR = str(Path(__file__).resolve().parent)


def scripted(spec, sink, workdir: Path) -> dict | None:
    mode, steps, step_s = spec.dataset, spec.epochs, spec.noise
    sink.emit({"type": "status", "stage": "training", "message": f"fake {mode} run, pid {os.getpid()}"})
    if mode == "none":
        return None
    for step in range(1, steps + 1):
        if mode != "stubborn" and sink.should_stop():
            sink.emit({"type": "stopped", "epoch": 0, "batch": step - 1})
            return _result(spec, workdir, steps_run=step - 1, stopped=True)
        time.sleep(step_s)
        sink.emit({"type": "batch", "epoch": 0, "batch": step, "steps": steps, "epochs": 1,
                   "loss": 1.0 / step, "batch_loss": 1.0 / step, "accuracy": 0.5, "batch_accuracy": 0.5,
                   "seen": step * 32, "t": step * step_s})
        if step == 2:
            _misbehave(mode)
        if mode == "nan" and step == 3:
            sink.emit({"type": "error", "kind": "nan", "message": "loss became NaN at epoch 1, batch 3"})
            return _result(spec, workdir, steps_run=step, stopped=False)
    sink.emit({"type": "epoch", "epoch": 0, "epochs": 1, "loss": 0.1, "accuracy": 0.9,
               "val_loss": None, "val_accuracy": None, "lr": spec.lr, "t": steps * step_s})
    return _result(spec, workdir, steps_run=steps, stopped=False)


def _misbehave(mode: str) -> None:
    if mode == "crash":
        raise ValueError("fake failure in step 2")
    if mode == "exit137":
        os._exit(137)
    if mode == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)


def _result(spec, workdir: Path, steps_run: int, stopped: bool) -> dict:
    (workdir / "fake.txt").write_text(f"{steps_run} steps\n")
    out = {"dataset": spec.dataset, "model": spec.model, "epochs_run": 1 if steps_run else 0,
           "steps_run": steps_run, "stopped": stopped, "test": {"loss": 0.1, "accuracy": 0.9},
           "history": [], "workdir": str(workdir), "pid": os.getpid()}
    if spec.dataset == "env":
        out["env"] = {k: os.environ.get(k) for k in
                      ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS", "TF_CPP_MIN_LOG_LEVEL")}
    return out


def fake_device() -> dict:
    """A device probe that reports a made-up GPU machine."""
    return {"cpu": {"model": "Fake CPU", "cores": 4},
            "gpus": [{"index": 0, "name": "Fake GPU", "memory_bytes": 8 * 2**30}],
            "tensorflow": "0.0-fake", "keras": "0.0-fake", "onednn": True}
