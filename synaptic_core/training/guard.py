"""The worker's last line of defence on model size: refuse before a weight is allocated.

The runner already refuses an over-limit spec at submit time, from the dataset table's shapes
(``jobs.policy.check_model_size``). Here the same check runs again with the *loaded* data (the
real vocabulary, alphabet, classes) and the limits the runner handed the worker (its environment),
then once more with the built model's exact parameter count, before ``fit`` allocates gradients
and optimizer slots (three more copies of every weight).
"""

from __future__ import annotations

from typing import Any

from synaptic_core.training.errors import TrainingError


def check_before_build(spec: Any, ds: Any, task: Any, inputs: dict[str, Any]) -> None:
    """TrainingError("spec", ...) naming the size and the limit when the model would be too large."""
    from synaptic_core.jobs.policy import Limits, RunRefused, check_model_size
    from synaptic_core.models.size import DataShape

    data = DataShape(tuple(int(d) for d in ds.input_shape), int(ds.n_classes), task.models_for, inputs.get("vocab"))
    try:
        check_model_size(spec, Limits.from_env(), data)
    except RunRefused as exc:
        raise TrainingError("spec", str(exc)) from exc


def check_built(spec: Any, model: Any, task: Any) -> None:
    """The exact parameter count of the built model against the limit (a builder without an estimate)."""
    from synaptic_core.jobs.policy import Limits, RunRefused, check_params

    try:
        check_params(int(model.count_params()), Limits.from_env(), spec, task.models_for)
    except RunRefused as exc:
        raise TrainingError("spec", str(exc)) from exc
