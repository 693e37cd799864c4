"""What a worker process runs: a training function named by a dotted path, plus its warm-up.

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
from dataclasses import dataclass
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
