"""The event sink the training tests hand to ``train()``: it keeps every event and never asks to stop.

Why a module: ``train(spec, sink, folder)`` needs an object with ``emit`` and ``should_stop``
(``synaptic_core.training.train.Sink``); the tests that call it directly share this one instead of
each writing its own.
"""

from __future__ import annotations

from typing import Any


class Sink:
    """Records the events ``train()`` emits, in order; ``of(kind)`` picks one type of them."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def emit(self, e: dict[str, Any]) -> None:
        self.events.append(e)

    def should_stop(self) -> bool:
        return False

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]
