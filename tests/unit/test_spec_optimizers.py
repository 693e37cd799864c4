"""One optimizer table for the spec, training and the lab; every row is a real keras.optimizers class."""

from __future__ import annotations

import pytest

from synaptic_core.labs import optim_paths
from synaptic_core.spec_optimizers import OPTIMIZER_TABLE, SPEC_OPTIMIZERS, keras_optimizer
from synaptic_core.specs import OPTIMIZERS, PARAM_BY_NAME, RunSpec


def test_spec_choices_and_the_lab_come_from_the_table():
    assert OPTIMIZERS == SPEC_OPTIMIZERS == PARAM_BY_NAME["optimizer"].choices
    assert set(OPTIMIZERS) <= set(OPTIMIZER_TABLE)
    assert optim_paths.OPTIMIZERS is OPTIMIZER_TABLE
    assert set(optim_paths.SURFACE_LR) == set(OPTIMIZER_TABLE)


@pytest.mark.parametrize("name", list(OPTIMIZER_TABLE))
def test_every_name_builds_its_keras_class_with_its_settings(name):
    import keras

    info = OPTIMIZER_TABLE[name]
    cls = getattr(keras.optimizers, info.keras_class)
    opt = keras_optimizer(name, 0.05)
    assert type(opt) is cls and float(opt.learning_rate) == pytest.approx(0.05)
    for key, value in {**info.defaults, **info.fixed}.items():
        assert getattr(opt, key) == pytest.approx(value), (name, key)


def test_training_factory_uses_the_table():
    from synaptic_core.training.optimizers import make_optimizer

    opt = make_optimizer(RunSpec().replace(optimizer="nesterov", lr=0.1))
    assert type(opt).__name__ == "SGD" and opt.nesterov and opt.momentum == pytest.approx(0.9)
    assert type(make_optimizer(RunSpec(), name="momentum")).__name__ == "SGD"
    with pytest.raises(ValueError, match="unknown"):
        make_optimizer(RunSpec(), name="magic")
