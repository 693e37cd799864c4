"""The search space comes from the spec's table (PARAMS) and the model's reads; overrides are checked."""

from __future__ import annotations

import pytest

from synaptic_core.models import MODELS
from synaptic_core.search.config import StudyConfig, make_pruner, make_sampler
from synaptic_core.search.space import (DEFAULT_CHOICES, DEFAULT_RANGES, TRAINING, SearchSpace, SpaceError,
                                        space_for, tunable)
from synaptic_core.specs import PARAM_BY_NAME, RunSpec

CIRCLE = RunSpec().replace(dataset="circle", model="mlp", hidden=(16,))


def test_default_ranges_lie_inside_the_spec_limits_and_choices_are_valid_specs():
    for name, (lo, hi, log) in DEFAULT_RANGES.items():
        p = PARAM_BY_NAME[name]
        assert p.lo <= lo < hi <= p.hi, name
        assert not log or lo > 0, name
        if p.log:
            assert log, f"{name} is log-scaled in PARAMS, so its search range is too"
    for name, choices in DEFAULT_CHOICES.items():
        space = SearchSpace(space_for(RunSpec().replace(model="cnn"), [name]).dims) if name in ("filters", "pool") \
            else space_for(CIRCLE, [name])
        for choice in choices:
            base = RunSpec().replace(model="cnn") if name in ("filters", "pool") else CIRCLE
            assert space.apply(base, {name: choice}).issues() == [], (name, choice)


def test_space_for_circle_mlp_uses_the_table():
    space = space_for(CIRCLE, "lr,hidden,activation")
    lr, hidden, act = space.dims
    assert (lr.kind, lr.log, lr.lo, lr.hi) == ("float", True, 1e-4, 0.3)
    assert hidden.kind == "categorical" and "32,32" in hidden.choices and "16,16,16" in hidden.choices
    assert act.kind == "categorical" and set(act.choices) <= set(PARAM_BY_NAME["activation"].choices)
    dists = space.distributions()
    assert dists["lr"].log and dists["lr"].low == 1e-4
    spec = space.apply(CIRCLE, {"lr": 0.01, "hidden": "32,32", "activation": "tanh"})
    assert (spec.lr, spec.hidden, spec.activation) == (0.01, (32, 32), ("tanh",))
    assert SearchSpace.from_dict(space.to_dict()) == space


def test_only_parameters_the_model_reads_can_vary():
    assert set(tunable(CIRCLE)) == {"hidden", "activation", "dropout", "batch_norm", "l2", *TRAINING}
    assert set(tunable(CIRCLE.replace(model="logreg"))) == {"l2", *TRAINING}
    assert "filters" in tunable(RunSpec().replace(dataset="mnist", model="cnn"))
    with pytest.raises(SpaceError, match="filters cannot be searched for model mlp"):
        space_for(CIRCLE, ["lr", "filters"])
    with pytest.raises(SpaceError, match="seed cannot be searched"):
        space_for(RunSpec().replace(dataset="mnist", model="digit-cnn"), ["seed"])
    with pytest.raises(SpaceError, match="'bogus' is not a spec parameter"):
        space_for(CIRCLE, "bogus")
    for name, info in MODELS.items():  # every model has at least the training parameters to search
        assert set(TRAINING) <= set(tunable(RunSpec().replace(model=name, dataset=_dataset_for(info.tasks))))


def test_a_recurrent_model_can_search_its_depth():
    lstm = RunSpec().replace(dataset="imdb", model="lstm")
    assert "rnn_layers" in tunable(lstm) and "rnn_layers" not in tunable(CIRCLE)
    (depth,) = space_for(lstm, ["rnn_layers"]).dims
    assert (depth.kind, depth.lo, depth.hi, depth.log) == ("int", 1, 3, False)
    assert space_for(lstm, ["rnn_layers"]).apply(lstm, {"rnn_layers": 2}).rnn_layers == 2


def _dataset_for(tasks: tuple[str, ...]) -> str:
    return {"image": "mnist", "toy": "circle", "tabular": "sonar", "text": "imdb", "series": "airline-passengers",
            "chars": "shakespeare"}[tasks[0]]


@pytest.mark.parametrize("ranges, choices, message", [
    ({"lr": (1e-8, 0.1)}, None, "outside its limits"),
    ({"lr": (0.1, 0.01)}, None, "must be below the high end"),
    ({"dropout": (0.0, 0.95)}, None, "outside its limits"),
    ({"lr": ("nan", 0.1)}, None, "not a finite number"),
    ({"hidden": (1, 2)}, None, "over choices, not a range"),
    (None, {"activation": ["relu", "mystery"]}, "not among"),
    (None, {"hidden": ["32", "0,5"]}, "1 to 4096 units"),
    (None, {"hidden": ["32", "x"]}, "not a valid value"),
    (None, {"activation": ["relu,tanh", "elu"]}, "one activation per choice"),
    (None, {"batch_size": [32, 0]}, "out of range"),
    (None, {"activation": ["relu"]}, "at least two different choices"),
    ({"l2": (0.0, 0.1)}, {"dropout": [0.1, 0.2]}, "dropout: a range or choices were given"),
])
def test_overrides_outside_the_table_are_refused(ranges, choices, message):
    with pytest.raises(SpaceError, match=message):
        space_for(CIRCLE, "lr,hidden,activation,batch_size,l2,dropout" if "dropout" in (ranges or {}) else
                  "lr,hidden,activation,batch_size,l2", ranges=ranges, choices=choices)


def test_valid_overrides_narrow_the_space():
    space = space_for(CIRCLE, "lr,batch_size,hidden,dropout", ranges={"lr": ("1e-3", "0.1"), "dropout": (0, 0.3)},
                      choices={"batch_size": ["32", "64"], "hidden": ["8", " 8, 8 "]})
    lr, bs, hidden, dropout = space.dims
    assert (lr.lo, lr.hi, lr.log) == (1e-3, 0.1, True)
    assert bs.kind == "categorical" and bs.choices == (32, 64)
    assert hidden.choices == ("8", "8,8")
    assert (dropout.lo, dropout.log) == (0.0, False)  # a range from 0 is linear


def test_grid_values():
    space = space_for(CIRCLE, "lr,activation,batch_size", ranges={"lr": (1e-3, 1.0)})
    grid = space.grid()
    assert grid["lr"][0] == 1e-3 and grid["lr"][-1] == 1.0 and len(grid["lr"]) == 4
    assert grid["lr"][1] == pytest.approx(1e-2) and grid["lr"][2] == pytest.approx(0.1)
    assert grid["activation"] == list(DEFAULT_CHOICES["activation"])
    assert all(isinstance(v, int) for v in grid["batch_size"])
    assert space.grid_size() == 4 * len(DEFAULT_CHOICES["activation"]) * len(grid["batch_size"])


def test_per_layer_activations_give_way_to_a_searched_depth():
    base = CIRCLE.replace(hidden=(8, 8), activation=("relu", "tanh"))
    spec = space_for(base, "hidden").apply(base, {"hidden": "16,16,16"})
    assert spec.hidden == (16, 16, 16) and spec.activation == ("relu",)


def test_config_checks_and_pinned_sampler():
    space = space_for(CIRCLE, "lr")
    cfg = StudyConfig(base=CIRCLE.as_dict(), space=space.to_dict(), seed=3, n_startup=4)
    assert cfg.errors() == [] and cfg.direction == "maximize"
    assert StudyConfig.from_json(cfg.to_json()) == cfg
    bad = StudyConfig(base=CIRCLE.replace(validation_split=0.0).as_dict(), space=space.to_dict())
    assert any("validation_split must be above 0" in e for e in bad.errors())
    series = StudyConfig(base=RunSpec().replace(dataset="airline-passengers", model="mlp",
                                                validation_split=0.1).as_dict(), space=space.to_dict())
    assert any("regression" in e for e in series.errors())
    assert any("sampler" in e for e in StudyConfig(base=CIRCLE.as_dict(), space=space.to_dict(),
                                                   sampler="cma").errors())
    tpe = make_sampler(cfg)
    assert tpe._multivariate is True and tpe._constant_liar is True and tpe._n_startup_trials == 4
    assert make_sampler(cfg, n_existing=5)._rng.rng.randint(10**6) != tpe._rng.rng.randint(10**6)
    assert type(make_pruner(cfg)).__name__ == "MedianPruner"
