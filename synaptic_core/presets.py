"""Presets: what a model or a dataset brings with it when the user picks it.

Layering, most specific last: spec defaults < the model's preset < the dataset's defaults
(values a dataset needs to make sense, e.g. a time-ordered 67/33 split for airline
passengers) < what the user set explicitly. The CLI and the pages use the same function,
so ``--model cnn`` on the command line is the CNN preset a user sees in the app.

A dataset's *opening* -- what a page shows when it opens that dataset, and what
``train --dataset NAME`` trains -- is ``layered_spec({"dataset": NAME})``. A dataset row with
defaults names the model they were measured with (docs/BENCHMARKS.md, "Opening defaults"), so
e.g. the characters never fall back to the image ``mlp``; an explicit model replaces it and
takes its own preset wherever the dataset says nothing.
"""

from __future__ import annotations

from typing import Any, Mapping

from synaptic_core.specs import PARAM_BY_NAME, RunSpec


def dataset_defaults(name: str) -> dict[str, Any]:
    from synaptic_core.data.registry import dataset_defaults as _defaults  # the dataset row's `defaults`

    return _defaults(name)


def model_preset(name: str) -> dict[str, Any]:
    from synaptic_core.models import MODELS

    info = MODELS.get(name)
    return dict(info.preset) if info else {}


def layered_spec(explicit: Mapping[str, Any], use_presets: bool = True) -> RunSpec:
    """A spec from the values the user gave, filled in by the model preset and dataset defaults."""
    explicit = {k: v for k, v in explicit.items() if v is not None}
    if not use_presets:
        return RunSpec.from_mapping(explicit)
    dataset = str(explicit.get("dataset", PARAM_BY_NAME["dataset"].default)).lower()
    ds_defaults = dataset_defaults(dataset)
    model = str(explicit.get("model", ds_defaults.get("model", PARAM_BY_NAME["model"].default))).lower()
    values: dict[str, Any] = {}
    values.update(model_preset(model))
    values.update(ds_defaults)
    values.update(explicit)
    values["model"] = model
    return RunSpec.from_mapping(values)
