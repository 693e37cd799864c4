"""Names a student reads instead of the spec's ids: "Dense network", not "mlp"; "Look-back window
(steps) 12", not "look_back 12".

The spec keeps stable lower-case ids (URLs, the CLI and the store use them); every place that
shows a model, dataset, optimizer or parameter to a person goes through here, so the titles
come from the one table that owns each (``MODELS``, the dataset registry, the optimizer table,
``PARAMS``). An id with no title (a run from an older version) is shown as it is.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Mapping

from synaptic_core.specs import PARAM_BY_NAME


@lru_cache(maxsize=1)
def _dataset_titles() -> dict[str, str]:
    from synaptic_core.data import list_datasets

    return {d.name: d.title for d in list_datasets()}


def model_title(name: Any) -> str:
    from synaptic_core.models import MODELS

    info = MODELS.get(str(name))
    return info.title if info is not None else str(name)


def dataset_title(name: Any) -> str:
    return _dataset_titles().get(str(name), str(name))


def optimizer_title(name: Any) -> str:
    from synaptic_core.spec_optimizers import OPTIMIZER_TABLE

    info = OPTIMIZER_TABLE.get(str(name))
    return info.title if info is not None else str(name)


def feature_title(name: Any) -> str:
    from synaptic_core.data.toy import feature_title as title

    return title(str(name))


CHOICE_TITLES = {"imbalance": {"none": "None", "class_weights": "Class weights", "undersample": "Random undersampling",
                               "oversample": "Random oversampling", "smote": "SMOTE (synthetic rare examples)"},
                 "loss": {"auto": "The task's own (cross-entropy)", "focal": "Focal loss"}}

TITLES: dict[str, Callable[[Any], str]] = {"model": model_title, "dataset": dataset_title,
                                           "optimizer": optimizer_title, "features": feature_title,
                                           **{p: (lambda v, t=t: t.get(str(v), str(v))) for p, t in CHOICE_TITLES.items()}}


def choice_format(param: str) -> Callable[[Any], str]:
    """The ``format_func`` of a select box over a parameter's choices (ids stay the values)."""
    return TITLES.get(param, str)


def value_text(param: str, value: Any) -> str:
    """One parameter's value as a person reads it: a title, "on"/"off", "32, 16", ``1e-05``."""
    if param in TITLES:
        return TITLES[param](value)
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (tuple, list)):
        return ", ".join(value_text(param, v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def param_title(param: str) -> str:
    row = PARAM_BY_NAME.get(param)
    return row.title if row is not None else param


def describe_values(values: Mapping[str, Any]) -> str:
    """Settings as a readable list: "Model: LSTM · Recurrent units: 4 · Look-back window (steps): 1"."""
    return " · ".join(f"{param_title(k)}: {value_text(k, v)}" for k, v in values.items())
