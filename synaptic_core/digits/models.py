"""Which of a user's playground runs can read drawn digits, next to the shipped model.

A run qualifies when it finished (status ``done``), was trained on all of MNIST's ten classes
(dataset ``mnist`` with no ``classes`` filter: its input is 28x28x1 and its output ten digit
probabilities, as the page's preprocessing produces and reads) and its saved ``.keras`` file
is still on disk. Reading the store only: nothing is loaded here, so listing stays cheap on
every rerun of the page; the reader itself checks the model's real input and output shapes
when it loads it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Protocol

DIGIT_INPUT = [28, 28, 1]


class RunLister(Protocol):
    def list_runs(self, limit: int = 50, owner: str | None = None, status: str | None = None) -> list[dict]: ...


@dataclass(frozen=True)
class DigitModel:
    """A playground run usable as a digit reader."""

    run_id: str
    created: float          # seconds since the epoch
    test_accuracy: float | None
    path: Path              # the run's .keras file
    architecture: str       # the run's model name (cnn, mlp, ...)

    @property
    def date(self) -> str:
        """Creation time, local, to the minute: ``2025-01-31 14:05``."""
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.created))

    @property
    def label(self) -> str:
        acc = "—" if self.test_accuracy is None else f"{self.test_accuracy:.1%}"
        return f"{self.architecture} run {self.run_id} · {self.date} · test accuracy {acc}"


def is_digit_reader(run: dict[str, Any]) -> bool:
    """True for a finished run trained on the ten MNIST digits whose model file still exists."""
    result = run.get("result") or {}
    spec = run.get("spec") or result.get("spec") or {}
    if run.get("status") != "done" or (result.get("dataset") or run.get("dataset")) != "mnist":
        return False
    if spec.get("classes") or len(result.get("class_names") or []) != 10:
        return False
    if result.get("input_shape") is not None and list(result["input_shape"]) != DIGIT_INPUT:
        return False
    path = result.get("model_path")
    return bool(path) and Path(path).is_file()


def _accuracy(result: dict[str, Any]) -> float | None:
    acc = (result.get("test") or {}).get("accuracy")
    return None if acc is None else float(acc)


def digit_models(store: RunLister, owner: str | None = None, limit: int = 200) -> list[DigitModel]:
    """The user's runs usable as digit readers, newest first (``owner=None``: everyone's)."""
    runs: Iterable[dict] = store.list_runs(limit=limit, owner=owner, status="done")
    return [DigitModel(run_id=str(r["id"]), created=float(r.get("created") or 0.0),
                       test_accuracy=_accuracy(r["result"]), path=Path(r["result"]["model_path"]),
                       architecture=str(r.get("model") or r["result"].get("model") or "model"))
            for r in runs if is_digit_reader(r)]
