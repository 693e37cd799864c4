"""``synaptic_core.training.train`` stays the function after a run (the submodule of the same name
once replaced it as the package attribute the first time ``train()`` imported it)."""

import importlib
import inspect

import synaptic_core.training as training


def test_train_is_the_function_before_and_after_the_submodule_is_imported():
    assert inspect.isfunction(training.train)
    importlib.import_module("synaptic_core.training.train")
    from synaptic_core.training import train

    assert inspect.isfunction(train) and train is training.train
