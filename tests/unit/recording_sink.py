"""The event sink the training tests hand to ``train()``: it keeps every event and, unless told, never asks to stop.

Why a module: ``train(spec, sink, folder)`` needs an object with ``emit`` and ``should_stop``
(``synaptic_core.training.train.Sink``); the tests that call it directly share this one instead of
each writing its own. ``stop_after_batches`` plays the user's Stop (``should_stop`` turns True once
that many batch events came); a test that needs other behaviour subclasses it (an interruption that
raises from ``emit``: tests/unit/test_checkpoint_resume.py).
"""

from __future__ import annotations

from typing import Any


class Sink:
    """Records the events ``train()`` emits, in order; ``of(kind)`` picks one type of them."""

    def __init__(self, stop_after_batches: int | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.stop_after = stop_after_batches
        self.batches = 0

    def emit(self, e: dict[str, Any]) -> None:
        self.events.append(e)
        if e["type"] == "batch":
            self.batches += 1

    def should_stop(self) -> bool:
        return self.stop_after is not None and self.batches >= self.stop_after

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]
