"""Serve finished runs' models over HTTP: ``create_app(store)`` (FastAPI), ``python -m synaptic_core serve``.

Files: ``app`` (routes), ``predictor`` (loading a run's own model, the LRU cache), ``inputs`` and
``tabular`` (JSON -> model arrays, per task), ``batcher`` (concurrent requests share model calls),
``limits`` (body size), ``views`` (what a run looks like over the API), ``cli`` (the command).
FastAPI is imported only when this package's ``create_app`` is first used.
"""

from __future__ import annotations

from typing import Any


def create_app(store: Any = None, **options: Any) -> Any:
    """See ``synaptic_core.serving.app.create_app``."""
    from synaptic_core.serving.app import create_app as _create_app

    return _create_app(store, **options)


__all__ = ["create_app"]
