"""What the script exporter can write faithfully, and a clear ExportError for what it cannot.

The exporter writes data-loading code per dataset and model code per architecture. A spec is
exported only when every part of it is covered: a known dataset, a model the app builds for
that data, and no parameter whose effect the script would silently drop (MNIST's pen-stroke
augmentation, the synthetic digits, a spec parameter added after this table). A wrong script
is worse than none: a student would trust its numbers.
"""

from __future__ import annotations

from typing import Any

from synaptic_core.export.errors import ExportError

#: dataset name -> how the script gets its data
IMAGE_SETS = {"mnist": "mnist", "fashion-mnist": "fashion_mnist", "cifar10": "cifar10"}  # keras.datasets.<x>
TOY_SETS = ("circle", "xor", "gauss", "spiral")
TABULAR_SETS = ("sonar", "churn")
TEXT_SETS = ("imdb", "rt-polarity", "sentences")
SERIES_SETS = ("airline-passengers", "sine")
CHAR_SETS = ("shakespeare",)

#: model name -> the tasks the exporter writes it for (the app's MODELS[name].tasks must agree)
MODEL_TASKS: dict[str, tuple[str, ...]] = {
    "logreg": ("image", "toy", "tabular"),
    "mlp": ("image", "toy", "tabular", "series", "text"),
    "cnn": ("image",),
    "mini-alexnet": ("image",),
    "resnet-small": ("image",),
    "digit-cnn": ("image",),
    "rnn": ("text", "series", "chars"),
    "lstm": ("text", "series", "chars"),
    "gru": ("text", "series", "chars"),
    "char-rnn": ("chars",),  # every-step targets: script_chars.py
    "bilstm": ("text",),
    "bigru": ("text",),
    "conv1d": ("text", "series"),
    "transformer": ("text", "chars"),
}

#: every spec parameter the generated script reproduces (or that cannot change the run: horizon only
#: sets how far the app's forecast chart reaches). A parameter outside this set with a non-default
#: value is refused: its effect would be missing from the script.
KNOWN_PARAMS = frozenset({
    "dataset", "source", "subset", "classes", "noise", "n_points", "train_ratio", "look_back", "cycle", "horizon",
    "vocab_size", "seq_len", "stride", "model", "hidden", "activation", "units", "rnn_layers", "embed_dim", "dropout",
    "batch_norm", "filters", "kernel", "pool", "optimizer", "lr", "batch_size", "epochs", "l2",
    "validation_split", "early_stopping", "reduce_lr", "augment", "synthetic_digits", "seed",
    "features",  # toy sets' input features: script_data._toy writes the same formulas
    "imbalance", "loss", "cv_folds", "cv_fold",  # script_imbalance writes the same steps as training
})


def task_of(dataset: str) -> str:
    """The task kind of a dataset the exporter knows ("image", "toy", ...); ExportError otherwise."""
    for task, names in (("image", IMAGE_SETS), ("toy", TOY_SETS), ("tabular", TABULAR_SETS), ("text", TEXT_SETS),
                        ("series", SERIES_SETS), ("chars", CHAR_SETS)):
        if dataset in names:
            return task
    raise ExportError(f"dataset {dataset!r} cannot be exported as a script yet: the exporter knows "
                      f"{', '.join(all_datasets())}.")


def all_datasets() -> list[str]:
    return [*IMAGE_SETS, *TOY_SETS, *TABULAR_SETS, *TEXT_SETS, *SERIES_SETS, *CHAR_SETS]


def check_supported(spec: Any) -> str:
    """Raise ExportError naming the combination when the script would not be faithful; returns the task."""
    from synaptic_core.models import MODELS
    from synaptic_core.specs import PARAM_BY_NAME

    errors = spec.errors()
    if errors:
        raise ExportError("the run's spec is not valid: " + " ".join(errors))
    task = task_of(spec.dataset)
    info = MODELS.get(spec.model)
    if info is None or spec.model not in MODEL_TASKS:
        raise ExportError(f"model {spec.model!r} cannot be exported as a script yet: the exporter knows "
                          f"{', '.join(MODEL_TASKS)}.")
    if task not in info.tasks:
        raise ExportError(f"{spec.model} on {spec.dataset}: the app does not build this model for {task} data, "
                          "so there is no run to reproduce.")
    if task not in MODEL_TASKS[spec.model]:
        raise ExportError(f"{spec.model} on {spec.dataset} ({task} data) cannot be exported as a script yet.")
    from synaptic_core.export.script_imbalance import refusal

    from synaptic_core.export.script_chars import refusal as every_step_refusal

    problem = refusal(spec, task) or every_step_refusal(spec)
    if problem:
        raise ExportError(f"{spec.model} on {spec.dataset}: {problem}")
    values = spec.as_dict()
    for name, value in values.items():
        if name in KNOWN_PARAMS or name not in PARAM_BY_NAME:
            continue
        default = PARAM_BY_NAME[name].default
        if value != (list(default) if isinstance(default, tuple) else default):
            raise ExportError(f"{spec.model} on {spec.dataset}: parameter {name} = {value!r} is not written into "
                              "exported scripts yet, so the script would not reproduce the run.")
    if task == "image" and spec.dataset == "mnist" and spec.augment:
        raise ExportError(f"{spec.model} on mnist with augment on: the pen-stroke augmentation of MNIST (elastic "
                          "distortion, stroke thickness; synaptic_core/digits/augment.py, needs scipy) is not "
                          "written into exported scripts. Export a run trained without --augment.")
    if task == "image" and spec.dataset == "mnist" and spec.synthetic_digits > 0:
        raise ExportError(f"{spec.model} on mnist with synthetic_digits = {spec.synthetic_digits}: the synthetic "
                          "pen-drawn digits are generated by the app's handwriting model, which the script "
                          "does not include. Export a run trained without synthetic digits.")
    return task


def combinations() -> list[tuple[str, str]]:
    """Every (dataset, model) pair the app can train, in a stable order (for tests and docs)."""
    from synaptic_core.models import MODELS

    out = []
    for dataset in all_datasets():
        task = task_of(dataset)
        out += [(dataset, name) for name, info in MODELS.items() if task in info.tasks]
    return out
