"""The spec table: validation messages, JSON and URL round trips, CLI flag names."""

import pytest

from synaptic_core.specs import PARAMS, RunSpec, SpecError, cli_flag


def test_defaults_are_valid():
    assert RunSpec().errors(known_datasets=["mnist"], known_models=["mlp"]) == []


def test_json_round_trip_keeps_every_value():
    spec = RunSpec().replace(dataset="cifar10", classes=(3, 5), hidden=(64, 32), activation=("relu", "tanh"),
                             lr=0.03, batch_norm=True, augment=True, seed=7)
    back = RunSpec.from_json(spec.to_json())
    assert back.as_dict() == spec.as_dict()
    assert back.classes == (3, 5) and back.activation == ("relu", "tanh")


def test_query_holds_only_non_defaults_and_round_trips():
    spec = RunSpec().replace(dataset="circle", lr=0.03, hidden=(8, 8), batch_norm=True)
    q = spec.to_query()
    assert q == {"dataset": "circle", "lr": "0.03", "hidden": "8,8", "batch_norm": "1"}
    assert RunSpec.from_query({**q, "run": "abc", "page": "x"}).as_dict() == spec.as_dict()


@pytest.mark.parametrize("field, value, fragment", [
    ("lr", 50.0, "lr = 50 is out of range: allowed 1e-06 to 10"),
    ("batch_size", 0, "batch_size = 0 is out of range: allowed 1 to 8192"),
    ("dropout", 0.95, "allowed 0 to 0.9"),
    ("validation_split", 0.7, "allowed 0 to 0.5"),
    ("optimizer", "adamax", "not one of: sgd, momentum"),
])
def test_out_of_range_messages_name_the_allowed_range(field, value, fragment):
    errs = RunSpec().replace(**{field: value}).errors()
    assert any(fragment in e for e in errs), errs


def test_unknown_names_and_bad_types_are_reported_together():
    with pytest.raises(SpecError) as ei:
        RunSpec.from_mapping({"lr": "fast", "epochs": "2.5", "bogus": 1})
    msgs = " | ".join(ei.value.errors)
    assert "lr = 'fast' is not a valid number" in msgs
    assert "epochs = '2.5' is not a valid whole number" in msgs
    assert "unknown parameter 'bogus'" in msgs


def test_dataset_and_model_names_are_checked_against_the_registries():
    errs = RunSpec().replace(dataset="nope", model="gpt").errors(known_datasets=["mnist"], known_models=["mlp"])
    assert any("dataset 'nope' is unknown" in e for e in errs)
    assert any("model 'gpt' is unknown" in e for e in errs)


def test_structural_checks():
    assert any("one per hidden layer" in e for e in RunSpec().replace(hidden=(4, 4, 4), activation=("relu", "tanh")).errors())
    assert any("at least two different classes" in e for e in RunSpec().replace(classes=(3, 3)).errors())
    assert any("1 to 4096 units" in e for e in RunSpec().replace(hidden=(0,)).errors())
    assert RunSpec().replace(activation=("relu", "mystery")).errors()


def test_cli_flags_are_derived_from_names():
    assert cli_flag("batch_size") == "--batch-size"
    names = [p.name for p in PARAMS]
    assert len(names) == len(set(names))
    assert all(n == n.lower() for n in names)
