"""Lenient link parsing (``parse_query``): good values kept, bad ones dropped with a message, never a crash."""

from __future__ import annotations

import random
import re
import string

import pytest

from synaptic_core.spec_query import parse_query
from synaptic_core.specs import PARAMS, RunSpec
from synaptic_core.text_safety import md_escape

DATASETS, MODELS = ["mnist", "circle"], ["mlp", "cnn"]


def test_bad_values_fall_back_and_good_ones_stay():
    spec, issues = parse_query({"lr": "fast", "epochs": "5000", "optimizer": "magic", "dataset": "nope",
                                "batch_size": "64", "run": "abc"}, DATASETS, MODELS)
    assert spec.to_query() == {"batch_size": "64"}
    by_param = {i.param: i.message for i in issues}
    assert set(by_param) == {"lr", "epochs", "optimizer", "dataset"}
    assert "allowed 1e-06 to 10" in by_param["lr"] and "using the default 0.001" in by_param["lr"]
    assert "epochs = 5000 is out of range: allowed 1 to 1000" in by_param["epochs"]
    assert "dataset 'nope' is unknown" in by_param["dataset"]


@pytest.mark.parametrize("query, param", [
    ({"epochs": "inf"}, "epochs"), ({"seed": "1e400"}, "seed"), ({"lr": "nan"}, "lr"), ({"lr": "-inf"}, "lr"),
    ({"subset": "9" * 5000}, "subset"), ({"hidden": "8,1e400"}, "hidden"), ({"noise": "Infinity"}, "noise"),
])
def test_non_finite_link_values_are_dropped(query, param):
    spec, issues = parse_query(query)
    assert [i.param for i in issues] == [param]
    assert spec == RunSpec.from_mapping({})


def test_a_rule_across_values_drops_the_value_from_the_link():
    spec, issues = parse_query({"hidden": "4,4,4", "activation": "relu,tanh", "classes": "3,3"})
    assert spec.hidden == (4, 4, 4) and spec.activation == ("relu",) and spec.classes == ()
    assert {i.param for i in issues} == {"activation", "classes"}


HOSTILE = ["nan", "inf", "-inf", "1e400", "-1e400", "9" * 5000, "0x10", "1_000", "", " ", ",", ",,,", "1,2,nan",
           "<script>alert(1)</script>", "**bold** [x](javascript:alert(1))", "![i](http://evil/t.png)",
           "`code`", "# head\n\n- list", ":red[x] :material/home:", "$x^2$", "\x00\x1b[31m", "ü" * 300,
           "1," * 2000, "True", "none", "-0", "1e-400", "00012", "+5", "NaN,inf", "🙂", "\u202e"]


def _random_value(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(HOSTILE)
    alphabet = string.printable + "üé🙂\u202e\u2028"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))


def test_fuzz_parse_query_never_raises_and_returns_a_valid_spec():
    rng = random.Random(20261202)
    names = [p.name for p in PARAMS] + ["run", "page", "bogus", ""]
    for _ in range(1500):
        query = {rng.choice(names): _random_value(rng) for _ in range(rng.randint(1, 8))}
        spec, issues = parse_query(query, DATASETS, MODELS)
        assert spec.issues(known_datasets=DATASETS, known_models=MODELS) == []
        spec.to_json(), spec.to_query()  # serialisable, no overflow on the way out
        for issue in issues:
            assert isinstance(issue.message, str) and issue.param in query
            assert len(issue.message) < 400, issue.message  # outside values are quoted shortened
            shown = md_escape(issue.message)
            assert "<" not in shown and "\n" not in shown
            assert not re.search(r"(?<!\\)[*_`\[\]]", shown), shown  # no live Markdown left


def test_messages_are_plain_text_quoting_the_value():
    _, issues = parse_query({"dataset": "<b>**x**</b>"}, DATASETS, MODELS)
    assert "'<b>**x**</b>'" in issues[0].message  # plain: the UI escapes it when it shows it


def test_dropped_values_take_the_fallback_and_say_so():
    opening = RunSpec.from_mapping({"dataset": "circle", "epochs": 30})
    spec, issues = parse_query({"dataset": "imdb", "epochs": "inf", "lr": "0.01"}, DATASETS, MODELS, fallback=opening)
    assert (spec.dataset, spec.epochs, spec.lr) == ("circle", 30, 0.01)
    assert spec.batch_size == RunSpec().batch_size  # not named in the link: the table default (round trip)
    assert all(i.message.endswith(f"using the default {v}.") for i, v in zip(issues, ("30", "circle")))
