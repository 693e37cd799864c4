"""Opening defaults: what a page opens a dataset with is what ``train --dataset NAME`` trains.

Issue 14 ("Defaults that teach within a minute"). A dataset's opening configuration is
``presets.layered_spec({"dataset": name})`` -- spec defaults < the model's preset < the dataset
row's ``defaults`` < explicit values -- and the CLI builds its spec with the same function, so
the two cannot drift apart. These tests pin that layering, that every opening is valid and
trains a model of its task that the dataset's page offers, and the values measured in
docs/BENCHMARKS.md ("Opening defaults"): change those only with new measurements there.
Nothing here trains (the timed figures are in the benchmark, not in tests).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from synaptic_core.cli import build_parser, spec_from_args
from synaptic_core.data import dataset_names, list_datasets
from synaptic_core.data.registry import find_entry
from synaptic_core.models import MODELS, model_names
from synaptic_core.presets import layered_spec, model_preset
from synaptic_core.tasks import get_task

REPO = Path(__file__).resolve().parents[2]
INFOS = {i.name: i for i in list_datasets()}


def opening(name: str):
    return layered_spec({"dataset": name})


def cli_spec(*argv: str):
    return spec_from_args(build_parser().parse_args(["train", *argv]))


def page_models(page: str) -> tuple[str, ...]:
    """The models a page file offers: the ``models=`` of its ``TrainPage(...)`` (absent: every model).

    Read from the page's source (a page imports Streamlit, so it is not imported here).
    """
    tree = ast.parse((REPO / page).read_text(encoding="utf-8"))
    assigned = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)}
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
             and getattr(n.func, "id", getattr(n.func, "attr", None)) == "TrainPage"]
    assert calls, f"{page}: no TrainPage(...) found; update page_models() to how the page lists its models"
    kw = next((k.value for k in calls[0].keywords if k.arg == "models"), None)
    if kw is None:
        return tuple(MODELS)
    if isinstance(kw, ast.Name):
        kw = assigned[kw.id]
    return tuple(ast.literal_eval(kw))


# -- every dataset ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", dataset_names())
def test_every_opening_spec_validates_and_trains_a_model_of_its_task(name):
    spec = opening(name)
    assert spec.errors(known_datasets=dataset_names(), known_models=model_names()) == []
    task = get_task(INFOS[name].task)
    assert task.models_for in MODELS[spec.model].tasks, (name, spec.model)


@pytest.mark.parametrize("name", dataset_names())
def test_the_cli_with_only_the_dataset_trains_the_opening_spec(name):
    assert cli_spec("--dataset", name).as_dict() == opening(name).as_dict()


@pytest.mark.parametrize("name", dataset_names())
def test_the_opening_model_is_one_the_datasets_page_offers(name):
    """``--dataset shakespeare`` must not fall back to the image ``mlp``: the page could not show that run."""
    assert opening(name).model in page_models(INFOS[name].page)


@pytest.mark.parametrize("name", dataset_names())
def test_a_dataset_with_its_own_opening_names_the_model_it_was_tuned_for(name):
    defaults = find_entry(name).defaults
    if defaults:  # learning rates, batch sizes and epochs mean something only for the model they were measured on
        assert "model" in defaults and defaults["model"] in MODELS


# -- the layering --------------------------------------------------------------------------------------------
def test_dataset_defaults_beat_the_model_preset_and_explicit_values_beat_both():
    spec = opening("spiral")
    assert (spec.hidden, spec.dropout, spec.lr, spec.epochs) == ((32, 32, 32), 0.0, 0.01, 40)  # not the mlp preset
    assert model_preset("mlp")["dropout"] == 0.2 and model_preset("mlp")["hidden"] == (256, 128)
    assert layered_spec({"dataset": "spiral", "epochs": 5, "lr": 0.1}).epochs == 5
    assert cli_spec("--dataset", "spiral", "--epochs", "5").epochs == 5
    assert layered_spec({"dataset": "spiral", "epochs": None}).epochs == 40  # None means "not given"


def test_an_explicit_model_replaces_the_datasets_model_and_takes_its_preset_where_the_dataset_is_silent():
    spec = layered_spec({"dataset": "imdb", "model": "conv1d"})
    assert spec.model == "conv1d"
    assert spec.kernel == model_preset("conv1d")["kernel"]  # imdb says nothing about kernels
    assert spec.units == 32 and spec.seq_len == 200  # imdb's own values still apply
    assert layered_spec({"dataset": "shakespeare", "model": "lstm"}).units == 128
    assert cli_spec("--dataset", "shakespeare", "--model", "lstm").as_dict() == \
        layered_spec({"dataset": "shakespeare", "model": "lstm"}).as_dict()


def test_no_preset_keeps_the_plain_spec_defaults():
    args = build_parser().parse_args(["train", "--dataset", "spiral", "--no-preset"])
    spec = spec_from_args(args)
    assert (spec.model, spec.epochs, spec.lr, spec.hidden) == ("mlp", 5, 0.001, (128,))


# -- the measured openings (docs/BENCHMARKS.md, "Opening defaults") -----------------------------------------------
def test_toy_sets_open_with_a_small_relu_network_and_a_fast_optimizer():
    for name in ("circle", "xor", "gauss", "spiral"):
        spec = opening(name)
        assert (spec.model, spec.activation, spec.dropout, spec.optimizer, spec.lr, spec.batch_size) == \
            ("mlp", ("relu",), 0.0, "adam", 0.01, 16), name
    for name in ("circle", "xor", "gauss"):
        assert (opening(name).hidden, opening(name).epochs) == ((16, 16), 20)
    assert (opening("spiral").hidden, opening("spiral").epochs) == ((32, 32, 32), 40)


def test_sentiment_opens_with_a_small_transformer_on_all_bundled_reviews():
    spec = opening("imdb")
    assert (spec.model, spec.vocab_size, spec.seq_len, spec.embed_dim, spec.units, spec.dropout) == \
        ("transformer", 10000, 200, 32, 32, 0.1)
    assert (spec.lr, spec.batch_size, spec.epochs, spec.early_stopping, spec.validation_split) == \
        (0.002, 32, 5, 1, 0.1)
    assert spec.subset == 4000  # all 4,000 training reviews of the bundled sample; 4,000 of 25,000 with the full set


def test_text_generation_opens_with_short_windows_over_the_whole_text():
    spec = opening("shakespeare")
    assert (spec.model, spec.embed_dim, spec.units, spec.dropout) == ("gru", 32, 128, 0.0)
    assert (spec.seq_len, spec.stride, spec.subset) == (24, 24, 0)
    assert (spec.lr, spec.batch_size, spec.epochs, spec.validation_split) == (0.01, 128, 2, 0.1)
    assert INFOS["shakespeare"].input_shape == (spec.seq_len,)


def test_time_series_open_with_the_pages_former_defaults():
    air, sine = opening("airline-passengers"), opening("sine")
    assert (air.model, air.units, air.look_back, air.epochs, air.batch_size, air.train_ratio, air.horizon) == \
        ("lstm", 4, 1, 100, 1, 0.67, 24)
    assert (sine.model, sine.units, sine.look_back, sine.epochs, sine.batch_size, sine.horizon, sine.cycle) == \
        ("rnn", 16, 20, 20, 16, 100, 50.0)
    assert air.validation_split == sine.validation_split == 0.0
