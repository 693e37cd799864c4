"""Which runner executes jobs: one choice for the app, the CLI and the search.

``SYNAPTIC_RUNNER`` (``local`` by default, or ``ray``) picks the executor; ``SYNAPTIC_RAY_ADDRESS``
says which Ray cluster (empty: a Ray started on this machine with ``ray start --head``, else a
private one). With nothing set, nothing changes: local spawned processes, no Ray import.

Callers pass what they know (``max_jobs``, ``recover``...); keywords one runner does not take
(``extra_spares`` for Ray, ``address`` for local processes) are dropped, so one call serves both.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

RUNNER_ENV = "SYNAPTIC_RUNNER"
KINDS = ("local", "ray")
RAY_MISSING = ("SYNAPTIC_RUNNER=ray needs the optional Ray extra: "
               ".venv/bin/pip install -r requirements-ray.txt (or bash scripts/setup.sh requirements-ray.txt)")


def runner_kind(kind: str | None = None) -> str:
    """``kind``, else ``$SYNAPTIC_RUNNER``, else ``"local"``; ValueError for anything else."""
    value = (kind if kind is not None else os.environ.get(RUNNER_ENV, "")).strip().lower() or "local"
    if value not in KINDS:
        raise ValueError(f"{RUNNER_ENV} must be one of {', '.join(KINDS)}, not {value!r}")
    return value


def runner_class(kind: str | None = None) -> type:
    """The runner class of ``kind`` (imports Ray only for ``"ray"``; RuntimeError if it is missing)."""
    if runner_kind(kind) == "ray":
        try:
            from .ray_runner import RayJobRunner
        except ImportError as exc:
            raise RuntimeError(RAY_MISSING) from exc
        return RayJobRunner
    from .local import LocalJobRunner

    return LocalJobRunner


def make_runner(store: Any = None, kind: str | None = None, **kwargs: Any) -> Any:
    """A ``JobRunner`` of ``kind`` (default ``$SYNAPTIC_RUNNER``) on ``store``; keywords the
    runner does not accept are dropped (see the module docstring)."""
    cls = runner_class(kind)
    accepted = inspect.signature(cls.__init__).parameters
    return cls(store, **{k: v for k, v in kwargs.items() if k in accepted})
