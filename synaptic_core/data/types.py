"""The data layer's value types: what a loaded dataset, a registry row and a source look like.

They are plain dataclasses so that pages, the job runner and the CLI can pass them around
(and turn them into JSON events) without knowing where the arrays came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


class DataError(Exception):
    """A dataset could not be loaded. The message says which file or step failed and what to do.

    When a bundled sample exists the message says so, because the fix a user can always apply
    is "use the bundled sample" (``load_dataset(..., fallback_to_bundled=True)``).
    """


@dataclass
class Dataset:
    """Arrays ready for ``model.fit``, plus where they came from (shown to the user).

    Every kind of data has this one shape; ``task`` names its record in ``synaptic_core.tasks``.
    """

    name: str
    task: str  # a task kind of synaptic_core.tasks: "image" | "toy" | "tabular" | "text" | "series" | "chars"
    x_train: np.ndarray  # image: uint8 (N,H,W,C) 0..255; toy: float32 (N,2); tabular: float32 (N,F) standardised;
    #                      text/chars: int32 token ids (N, seq_len); series: float32 windows (N, look_back, 1)
    y_train: np.ndarray  # int64 class index (N,); series (a regression): float32 scaled next value
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    source: str  # "local" | "keras-cache" | "download" | "bundled" | "generated"
    source_label: str  # "MNIST — bundled sample, 10,000 of 10,000 training images used, offline"
    n_train_available: int  # training examples before `subset` (after `classes`)
    path: Path | None = None  # the file the arrays were read from (None for generated sets)
    notes: list[str] = field(default_factory=list)  # e.g. why the bundled sample was used instead
    extra: dict[str, Any] = field(default_factory=dict)  # what the task needs later: vocabulary, scaler, alphabet

    @property
    def input_shape(self) -> tuple:
        return tuple(self.x_train.shape[1:])

    @property
    def n_classes(self) -> int:
        """Output classes; 0 for a regression (no class names)."""
        return len(self.class_names)


@dataclass(frozen=True)
class DatasetInfo:
    """One row of the dataset table, for pickers and the CLI's ``datasets`` command."""

    name: str
    title: str
    task: str
    description: str
    citation: str
    licence: str
    class_names: tuple[str, ...]
    input_shape: tuple[int, ...]  # sequence sets: with the dataset's defaults (seq_len, look_back)
    n_train: int  # size of the full training set (0 when it depends on the spec)
    n_test: int  # size of the full test set (toy sets: 0, it depends on the spec)
    downloadable: bool  # `download(name)` can fetch the full set into the Keras cache
    page: str = ""  # the page that offers it, from its task record ("app_pages/playground.py")
    defaults: dict[str, Any] = field(default_factory=dict)  # spec values picking it applies (presets)
    model_task: str = ""  # models whose ModelInfo.tasks list this name train on it (the task's models_for)
    kind: str = "classification"  # "classification" | "regression", from its task record

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


@dataclass(frozen=True)
class SourceInfo:
    """Where a dataset would be loaded from right now, decided without reading or downloading."""

    name: str
    source: str  # "local" | "keras-cache" | "download" | "bundled" | "generated"
    path: Path | None  # the file (or, for a download, the target in the Keras cache)
    where: str  # human words: "local data dir (/data)", "Keras cache (~/.keras/datasets)", ...
    offline: bool  # True when loading needs no network
    is_sample: bool  # True when this source holds only a sample of the full set

    @property
    def label(self) -> str:
        """Short human line for lists (the CLI's ``datasets``): "bundled sample, offline"."""
        return f"{self.where}, offline" if self.source == "bundled" else self.where
