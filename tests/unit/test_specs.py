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


# -- issues: (parameter, message) pairs ------------------------------------------------------
def test_issues_name_their_parameter_and_errors_are_their_messages():
    spec = RunSpec().replace(lr=50.0, hidden=(0,), classes=(3, 3), dataset="nope")
    issues = spec.issues(known_datasets=["mnist"])
    assert {i.param for i in issues} == {"lr", "hidden", "classes", "dataset"}
    assert spec.errors(known_datasets=["mnist"]) == [i.message for i in issues]


def test_spec_error_carries_the_issues():
    with pytest.raises(SpecError) as ei:
        RunSpec.from_mapping({"lr": "fast", "epochs": "inf"})
    assert [i.param for i in ei.value.issues] == ["lr", "epochs"]
    assert ei.value.errors == [i.message for i in ei.value.issues]
    with pytest.raises(SpecError) as ei:
        RunSpec().validated(known_models=["cnn"])
    assert [i.param for i in ei.value.issues] == ["model"]
    assert SpecError(["plain message"]).issues[0].param == ""  # the old constructor still works


def test_replace_refuses_bad_values_with_a_spec_error():
    with pytest.raises(SpecError, match="lr = 'fast' is not a valid number"):
        RunSpec().replace(lr="fast")


def test_every_parameter_has_a_label_and_help():
    for p in PARAMS:
        assert p.label and p.label[0].isupper(), p.name
        assert p.help, p.name


# -- non-finite and overflowing numbers, from every door ------------------------------------
@pytest.mark.parametrize("field, value, reason", [
    ("lr", "nan", "is not a finite number"),
    ("lr", "inf", "is not a finite number"),
    ("lr", "-inf", "is not a finite number"),
    ("lr", "1e400", "is too large"),
    ("lr", float("nan"), "is not a finite number"),
    ("lr", 10**400, "is too large"),
    ("epochs", "inf", "is not a finite number"),
    ("epochs", float("inf"), "is not a finite number"),
    ("seed", "1e400", "is too large"),
    ("seed", "9" * 5000, "is too large"),
    ("seed", 10**30, "is too large"),
    ("batch_size", True, "is not a valid whole number"),
    ("hidden", "8,inf", "'inf' is not a finite number"),
    ("hidden", [8, float("nan")], "is not a finite number"),
])
def test_non_finite_and_huge_numbers_are_refused_with_a_clear_message(field, value, reason):
    with pytest.raises(SpecError) as ei:
        RunSpec.from_mapping({field: value})
    (issue,) = ei.value.issues
    assert issue.param == field and reason in issue.message
    assert len(issue.message) < 200  # a 5,000-digit value is quoted shortened


def test_json_with_nan_or_infinity_is_refused():
    with pytest.raises(SpecError, match="not a finite number"):
        RunSpec.from_json('{"lr": NaN}')
    with pytest.raises(SpecError, match="is too large|not a finite number"):
        RunSpec.from_json('{"epochs": 1e400}')
    with pytest.raises(SpecError, match="not valid JSON"):
        RunSpec.from_json("{")
    with pytest.raises(SpecError, match="JSON object"):
        RunSpec.from_json("[1, 2]")


def test_cli_flags_with_non_finite_numbers_are_refused():
    from synaptic_core.presets import layered_spec

    for flags in ({"epochs": "inf"}, {"seed": "1e400"}, {"lr": "nan"}):
        with pytest.raises(SpecError):
            layered_spec(flags)


def test_whole_numbers_accept_integral_text():
    assert RunSpec.from_mapping({"epochs": "1e2", "seed": " 7 ", "batch_size": 64.0}).epochs == 100
    assert RunSpec.from_query({"hidden": "8, 4"}).hidden == (8, 4)


def test_range_messages_write_large_bounds_in_full():
    assert "allowed 0 to 2147483647" in RunSpec().replace(seed=-1).errors()[0]
