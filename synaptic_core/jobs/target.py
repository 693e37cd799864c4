"""What a worker runs: a training function named by a dotted path, its warm-up, and one job.

The function is named, not passed, because a spawned child must import it by itself.
``"package.module:function"`` is resolved inside the child. The warm-up list is the set of
modules a spare worker imports *before* it gets a job (TensorFlow and Keras for real
training, 3-5 s), so that a submitted job starts at once; a test target warms nothing.

Import path for targets outside the package (tests): a spawned child starts with the
parent's ``sys.path`` (multiprocessing copies it), and ``TargetConfig.sys_path`` adds
folders in front of it before anything is imported, so a target in ``tests/unit/jobfakes.py``
is named ``"jobfakes:scripted"`` with ``sys_path=("<repo>/tests/unit",)``.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

DEFAULT_TARGET = "synaptic_core.training:train"
DEFAULT_PROBE = "synaptic_core.device:detect_device"
LIGHT_PROBE = "synaptic_core.device:cpu_info"


@dataclass(frozen=True)
class TargetConfig:
    """The training function of a runner's workers and how a spare worker gets ready for it.

    target: ``"module:function"`` called as ``function(spec, sink, workdir) -> dict``.
    warm: modules a spare imports ahead of its job.
    probe: ``"module:function"`` returning the device dict a spare reports (None: report none).
    sys_path: folders put in front of the child's ``sys.path`` before importing anything.
    """

    target: str = DEFAULT_TARGET
    warm: tuple[str, ...] = ("tensorflow", "keras")
    probe: str | None = DEFAULT_PROBE
    sys_path: tuple[str, ...] = ()

    @classmethod
    def of(cls, target: "str | TargetConfig | None") -> "TargetConfig":
        """The default config for the real ``train``; a bare dotted path to another function
        gets no warm-up and the cheap CPU-only probe."""
        if target is None or target == DEFAULT_TARGET:
            return cls()
        if isinstance(target, TargetConfig):
            return target
        if isinstance(target, str):
            return cls(target=target, warm=(), probe=LIGHT_PROBE)
        raise TypeError(f"target must be a 'module:function' string or a TargetConfig, not {type(target).__name__}")


def resolve(path: str) -> Callable[..., Any]:
    """Import ``"package.module:function"`` (or ``"package.module.function"``) and return the function."""
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise ValueError(f"not a 'module:function' path: {path!r}")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"{path} is not callable")
    return obj


def extend_sys_path(folders: tuple[str, ...]) -> None:
    """Put ``folders`` at the front of ``sys.path`` (once each, order kept)."""
    for folder in reversed(folders):
        if folder in sys.path:
            sys.path.remove(folder)
        sys.path.insert(0, folder)


def load(config: TargetConfig) -> Callable[..., Any]:
    """The target function of ``config``, imported here (after ``config.sys_path`` is applied).

    For executors that run the target in a process (or thread) they did not warm up first.
    """
    extend_sys_path(config.sys_path)
    return resolve(config.target)


def run_target(target: Callable[..., Any] | None, run_id: str, spec_json: str, workdir: Path, sink: Any,
               prepare_error: str | None = None) -> None:
    """Run one job and report it through ``sink``: every executor's child side calls this.

    The spec is parsed here (a bad one is an ``error`` event of kind "spec"); the target's
    returned dict plus ``run_id`` becomes the ``result`` event; anything it raises becomes an
    ``error`` event (kind "oom" for MemoryError / ResourceExhausted, the exception's own
    ``kind`` for a TrainingError, else "crash"). Never raises, except when the sink itself fails.
    ``prepare_error`` (the target could not be imported) is reported instead of running.
    """
    try:
        if prepare_error is not None or target is None:
            sink.emit({"type": "error", "kind": "crash", "message": prepare_error or "no training function"})
            return
        from synaptic_core.specs import RunSpec, SpecError

        try:
            spec = RunSpec.from_json(spec_json)
        except SpecError as exc:
            sink.emit({"type": "error", "kind": "spec", "message": str(exc)})
            return
        workdir.mkdir(parents=True, exist_ok=True)
        result = target(spec, sink, workdir)
        if result is None:
            sink.emit({"type": "error", "kind": "crash", "message": "the training function returned no result"})
        else:
            sink.emit({**dict(result), "type": "result", "run_id": run_id})
    except BaseException as exc:  # noqa: BLE001 - everything a job raises ends as an error event
        kind = "oom" if isinstance(exc, MemoryError) or "ResourceExhausted" in type(exc).__name__ else "crash"
        message = last_line(exc)
        if isinstance(getattr(exc, "kind", None), str):  # TrainingError: a kind and a message meant for users
            kind, message = exc.kind, str(getattr(exc, "message", exc))
        try:
            sink.emit({"type": "error", "kind": kind, "message": message})
        except (OSError, EOFError):  # parent gone: nobody to tell
            pass


def last_line(exc: BaseException) -> str:
    """The traceback's last line: ``ValueError: what went wrong``."""
    return traceback.format_exception_only(type(exc), exc)[-1].strip()
