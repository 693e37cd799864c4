"""The "Recurrent layers (stacked)" widget: drawn from the parameter table for the recurrent models only
(``ModelInfo.reads``), on every sequence page, and what it holds is what Train submits."""

from __future__ import annotations

import pytest

from shown import texts
from synaptic_core.specs import PARAMS

PAGES = {"gen": ("app_pages/text_generation.py", {"dataset": "shakespeare"}),
         "sent": ("app_pages/sentiment.py", {"dataset": "sentences"}),
         "ts": ("app_pages/time_series.py", {"dataset": "sine"})}


def test_every_model_parameter_has_a_place_among_the_architecture_widgets():
    from ui.param_widgets import ARCH_ROWS

    placed = {name for row in ARCH_ROWS for name in row}
    assert {p.name for p in PARAMS if p.section == "model" and p.name != "model"} <= placed


@pytest.mark.parametrize("prefix, model", [("gen", "char-rnn"), ("sent", "bigru"), ("ts", "gru")])
def test_recurrent_models_show_the_widget_and_train_with_its_value(open_app, runner, prefix, model):
    page, query = PAGES[prefix]
    at = open_app(page, **query, model=model, rnn_layers="2")
    assert not at.exception and not at.error
    box = at.number_input(key=f"{prefix}_w_rnn_layers")
    assert box.value == 2 and box.label == "Recurrent layers (stacked)"
    box.set_value(3).run()
    assert at.query_params["rnn_layers"] == "3"
    at.button(key="train").click().run()
    spec = runner.submitted[-1][0]
    assert (spec.model, spec.rnn_layers) == (model, 3)


def test_out_of_range_layers_are_reported_and_train_is_disabled(open_app):
    at = open_app("app_pages/text_generation.py", dataset="shakespeare", model="gru")
    at.number_input(key="gen_w_rnn_layers").set_value(5).run()
    assert not at.exception
    assert "rnn_layers = 5 is out of range: allowed 1 to 4" in texts(at.error)
    assert at.button(key="train").disabled


@pytest.mark.parametrize("prefix, model", [("gen", "transformer"), ("sent", "conv1d"), ("ts", "mlp")])
def test_other_models_do_not_show_it(open_app, prefix, model):
    page, query = PAGES[prefix]
    at = open_app(page, **query, model=model)
    assert not at.exception
    assert f"{prefix}_w_rnn_layers" not in {w.key for w in at.number_input}
