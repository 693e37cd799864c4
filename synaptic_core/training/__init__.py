"""Training: ``train(spec, sink, workdir)`` and its callbacks.

Importing this package stays cheap (the Streamlit process imports ``training.progress``);
Keras is imported only when ``train`` is called, inside the job process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synaptic_core.training.errors import TrainingError
# Load the submodule ``train`` now (numpy and the spec only; Keras stays lazy): importing it binds the
# package attribute ``train`` to the module, and the function below must be what that name means after.
from synaptic_core.training import train as _train_module  # noqa: E402,F401


def train(spec: Any, sink: Any, workdir: Path) -> dict[str, Any]:
    """Train one run; see synaptic_core/training/train.py. A spec with ``lr_find`` > 0 is a
    learning-rate sweep instead (synaptic_core/training/lr_find.py), on the same job path."""
    if getattr(spec, "lr_find", 0):
        from synaptic_core.training.lr_find import find_lr

        return find_lr(spec, sink, workdir)
    return _train_module.train(spec, sink, workdir)


__all__ = ["train", "TrainingError"]
