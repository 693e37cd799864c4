"""One record per task kind: everything that differs between kinds of data, in one table.

A dataset row (``synaptic_core/data/registry.py``) names its task; the task record says how
a dataset of that kind is read and turned into arrays, how a model for it is compiled (loss,
metrics), what the model builder needs from the data (a vocabulary size), which extra
callbacks its runs get (the toy sets' decision boundary, the character models' samples),
how a finished run is evaluated, the result keys that evaluation adds, the results view a
page draws them with and the page that shows its datasets. ``train()`` reads the record and
never switches on the task's name.

Hooks are ``"module:function"`` strings, imported only when a run needs them (so importing
this table stays cheap in the Streamlit process, and needs no Keras), or plain callables:

* ``read(entry, path, spec) -> raw``: the raw material of one source (``path`` is None for a
  generated set). A DataError here means *this file* is bad: the loader then falls back to
  the bundled copy when asked to.
* ``prepare(entry, spec, raw, source) -> Dataset``: arrays for ``spec`` (classes, subset,
  vocabulary, windows...). A DataError here means the spec does not fit the data.
* ``evaluate(spec, model, ds, workdir) -> dict``: merged into the run's result.
* ``callbacks(spec, emit, ds) -> list``: extra Keras callbacks (optional).
* ``model_inputs(ds) -> dict``: extra keyword arguments for ``build_model`` (optional).

Adding a task kind means adding one ``Task`` to ``TASKS`` (and the functions it names), then
its datasets' rows to the registry. ``tests/unit/test_tasks.py`` does exactly that for a
tabular regression and trains it end to end::

    TASKS["regression"] = Task(
        name="regression", title="Tabular regression", kind="regression",
        read="mypkg.tables:read_csv", prepare="mypkg.tables:prepare_regression",
        evaluate="mypkg.tables:regression_results", loss="mse", metrics=("mae",),
        page="app_pages/playground.py", view="regression", result_keys=("test",),
        model_task="series")   # borrow models whose output is one linear unit

A regression dataset has no class names (``n_classes == 0``): builders that handle it end in
one linear unit (today the sequence builders, which is why the example borrows ``series``
models; a dense network with a linear head would let it borrow ``tabular`` models instead).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Union

Hook = Union[str, Callable[..., Any]]

PLAYGROUND = "app_pages/playground.py"


@dataclass(frozen=True)
class Task:
    """What training, evaluation and the pages need to know about one kind of data."""

    name: str
    title: str
    kind: str                        # "classification" | "regression"
    read: Hook                       # (entry, path | None, spec) -> raw material
    prepare: Hook                    # (entry, spec, raw, source: SourceInfo) -> Dataset
    evaluate: Hook                   # (spec, model, ds, workdir) -> dict merged into the result
    loss: str                        # Keras loss name
    metrics: tuple[str, ...]         # Keras metric names ("accuracy" feeds the live accuracy curve)
    page: str                        # the page that shows datasets of this kind
    view: str                        # the results view the page draws: "classification" | "sentiment" | ...
    result_keys: tuple[str, ...]     # keys ``evaluate`` adds to the result (the view reads them)
    model_task: str = ""             # models listing this task in ModelInfo.tasks build for it ("" = own name)
    callbacks: Hook | None = None    # (spec, emit, ds) -> list of extra Keras callbacks
    model_inputs: Hook | None = None  # (ds) -> extra build_model keyword arguments, e.g. {"vocab": 5002}
    augment: bool = False            # spec.augment applies (image augmentation)
    labels_shown: bool = True        # class names are labels to show (characters: they are the alphabet)

    @property
    def models_for(self) -> str:
        """The task name models are listed under (``ModelInfo.tasks``)."""
        return self.model_task or self.name

    @property
    def is_regression(self) -> bool:
        return self.kind == "regression"


def resolve(hook: Hook) -> Callable[..., Any]:
    """A hook as a function: callables as they are, ``"module:function"`` imported now."""
    if callable(hook):
        return hook
    module, func = hook.split(":")
    return getattr(importlib.import_module(module), func)


# -- small per-task glue (Keras and the sequence helpers are imported only when a run needs them) ---------
def boundary_stream(spec: Any, emit: Callable, ds: Any) -> list:
    """Toy sets: P(class 1) over a grid of points, given the run's input features, streamed while it learns."""
    from synaptic_core.training.callbacks import BoundaryStream

    return [BoundaryStream(emit, ds.extra.get("points_train", ds.x_train), features=spec.features)]


def text_samples(spec: Any, emit: Callable, ds: Any) -> list:
    """Character models: a generated sample after each epoch."""
    from synaptic_core.training.callbacks import TextSamples

    return [TextSamples(emit, ds.extra["alphabet"], ds.extra["seed_text"], spec.seq_len, seed=spec.seed)]


def word_vocab(ds: Any) -> dict[str, int]:
    """Token ids of a text set: its words plus padding (0) and out-of-vocabulary (1)."""
    return {"vocab": len(ds.extra["vocab"]) + 2}


def char_vocab(ds: Any) -> dict[str, int]:
    return {"vocab": len(ds.extra["alphabet"])}


_LOAD = "synaptic_core.data.loader"
_SEQ = "synaptic_core.sequences.prepare"
_EVAL = "synaptic_core.training.evaluate"
_SEQ_EVAL = "synaptic_core.training.sequence_results"
_UP = "synaptic_core.data.uploads.hooks"
_CLASSIFY = dict(kind="classification", loss="sparse_categorical_crossentropy", metrics=("accuracy",))
_CLASS_KEYS = ("test", "confusion", "per_class_accuracy", "misclassified_path")

TASKS: dict[str, Task] = {t.name: t for t in (
    Task("image", "Image classification", read=f"{_LOAD}:read_image_set", prepare=f"{_LOAD}:prepare_classes",
         evaluate=f"{_EVAL}:image_results", page=PLAYGROUND, view="classification", result_keys=_CLASS_KEYS,
         augment=True, **_CLASSIFY),
    Task("toy", "2-D toy classification", read=f"{_LOAD}:generate_points", prepare=f"{_LOAD}:prepare_points",
         evaluate=f"{_EVAL}:classification_results", page=PLAYGROUND, view="classification",
         result_keys=_CLASS_KEYS, callbacks=boundary_stream, **_CLASSIFY),
    Task("tabular", "Tabular classification", read=f"{_LOAD}:read_table_set", prepare=f"{_LOAD}:prepare_classes",
         evaluate=f"{_EVAL}:classification_results", page=PLAYGROUND, view="classification",
         result_keys=_CLASS_KEYS, **_CLASSIFY),
    Task("text", "Text classification (sentiment)", read=f"{_SEQ}:read_text", prepare=f"{_SEQ}:prepare_text",
         evaluate=f"{_SEQ_EVAL}:sentiment_results", page="app_pages/sentiment.py", view="sentiment",
         result_keys=("vocab_path", *_CLASS_KEYS), model_inputs=word_vocab, **_CLASSIFY),
    Task("series", "Time-series forecasting", kind="regression", read=f"{_SEQ}:read_series_values",
         prepare=f"{_SEQ}:prepare_series", evaluate=f"{_SEQ_EVAL}:series_results", loss="mse", metrics=(),
         page="app_pages/time_series.py", view="forecast", result_keys=("train", "test", "naive", "series")),
    Task("chars", "Character-level text generation", read=f"{_SEQ}:read_text_chars", prepare=f"{_SEQ}:prepare_chars",
         evaluate=f"{_SEQ_EVAL}:chars_results", page="app_pages/text_generation.py", view="generation",
         result_keys=("test", "samples", "seed_text", "alphabet_path"), callbacks=text_samples,
         model_inputs=char_vocab, labels_shown=False, **_CLASSIFY),
    # uploaded CSVs (synaptic_core.data.uploads): re-prepared per run from the stored text; the dense models
    # build for them as for "tabular" (a regression ends in one linear unit: models.common.head, n_classes 0)
    Task("upload-table", "Your table (classification)", read=f"{_UP}:read_table", prepare=f"{_LOAD}:prepare_classes",
         evaluate=f"{_EVAL}:classification_results", page=PLAYGROUND, view="classification",
         result_keys=_CLASS_KEYS, model_task="tabular", **_CLASSIFY),
    Task("tabular-regression", "Tabular regression", kind="regression", read=f"{_UP}:read_table",
         prepare=f"{_UP}:prepare_regression", evaluate=f"{_UP}:regression_results", loss="mse", metrics=("mae",),
         page=PLAYGROUND, view="regression", result_keys=("test", "regression"), model_task="tabular"),
)}


def get_task(name: str) -> Task:
    """The record of task kind ``name``; a ValueError listing the known kinds otherwise."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"Unknown task kind {name!r}: one of {', '.join(TASKS)}.") from None


def task_names() -> list[str]:
    return list(TASKS)
