"""What every page that trains shares through the one controller (ui/controller.py, ui/page_state.py):
outside text shown as text, Train without a tooltip, callbacks that do nothing while a link
re-seeds the widgets."""

from __future__ import annotations

import types
from urllib.parse import parse_qsl

import pytest

from shown import texts
from synaptic_core.presets import layered_spec
from synaptic_core.specs import RunSpec
from ui import page_state
from ui.page_state import TrainPage

PAGES = ["app_pages/playground.py", "app_pages/sentiment.py", "app_pages/text_generation.py",
         "app_pages/time_series.py"]
HOSTILE = "<b>**x**</b>[a](http://e.x)"


@pytest.mark.parametrize("page", PAGES)
def test_link_text_in_messages_is_shown_as_text(open_app, page):
    at = open_app(page, dataset=HOSTILE, model=HOSTILE, epochs="inf", run=HOSTILE)
    assert not at.exception
    raw = "\n".join(e.value for e in at.error)
    assert "<b>" not in raw and "**x**" not in raw and "](" not in raw  # no live HTML or Markdown
    assert "'<b>**x**</b>[a](http://e.x)'" in texts(at.error)  # the reader sees the value itself
    assert "epochs = 'inf' is not a finite number" in texts(at.error)
    assert at.button(key="train").disabled is False  # bad link values fell back; the page is usable


@pytest.mark.parametrize("page", PAGES)
def test_train_button_has_no_tooltip(open_app, page):
    at = open_app(page)
    assert not at.exception
    assert not at.button(key="train").help  # a tooltip makes Streamlit draw the button twice


@pytest.mark.parametrize("page, dataset, run_key", [("app_pages/playground.py", "circle", "pg_run"),
                                                    ("app_pages/time_series.py", "sine", "ts_run")])
def test_recent_run_link_reopens_the_run_with_its_spec(open_app, runner, page, dataset, run_key):
    spec = RunSpec.from_mapping({"dataset": dataset, "model": "mlp" if dataset == "circle" else "rnn",
                                 "epochs": 3})
    runner.add_run("old", "done", [], result={"test": {"accuracy": 0.5}}, spec=spec)
    at = open_app(page)
    link = next(p for p in at.get("page_link") if "old" in p.proto.label)
    at.query_params.clear()
    at.query_params.update(dict(parse_qsl(link.proto.query_string)))  # what following the link sends
    at.run()
    assert not at.exception
    assert at.session_state[run_key] == "old" and at.query_params["dataset"] == dataset


def _fake_session(monkeypatch) -> dict:
    fake = types.SimpleNamespace(session_state={})
    monkeypatch.setattr(page_state, "st", fake)
    return fake.session_state


def test_callbacks_do_nothing_while_a_link_reseeds_the_widgets(monkeypatch):
    state = _fake_session(monkeypatch)
    page = TrainPage("pg", "app_pages/playground.py", tasks=("image", "toy", "tabular"), widget_prefix="w_")
    page_state.dataset_changed(page)  # no spec yet (the page is being opened from a link)
    page_state.model_changed(page)
    assert state == {}
    state["pg_spec"] = RunSpec().replace(lr=0.03, classes=(1, 2)).as_dict()  # spec loaded, widget keys cleared
    page_state.dataset_changed(page)
    page_state.model_changed(page)
    assert RunSpec.from_mapping(state["pg_spec"]).lr == 0.03
    state["w_dataset"] = "circle"  # a real pick: circle opens with its own settings, as `train --dataset circle`
    page_state.dataset_changed(page)
    spec = RunSpec.from_mapping(state["pg_spec"])
    assert spec == layered_spec({"dataset": "circle"}) and spec.classes == ()
    state["pg_spec"] = spec.replace(noise=0.3).as_dict()
    state["w_model"] = "logreg"  # a model pick: `train --dataset circle --model logreg`, data settings kept
    page_state.model_changed(page)
    spec = RunSpec.from_mapping(state["pg_spec"])
    assert spec == layered_spec({"dataset": "circle", "model": "logreg"}).replace(noise=0.3)


def test_picking_a_dataset_the_model_cannot_take_switches_to_a_model_it_can(monkeypatch):
    state = _fake_session(monkeypatch)
    page = TrainPage("pg", "app_pages/playground.py", tasks=("image", "toy", "tabular"), widget_prefix="w_")
    state["pg_spec"] = RunSpec().replace(model="cnn").as_dict()
    state["w_dataset"] = "xor"  # a CNN cannot take 2-D points: xor opens with its own model
    page_state.dataset_changed(page)
    assert RunSpec.from_mapping(state["pg_spec"]).model == layered_spec({"dataset": "xor"}).model == "mlp"


def test_a_model_over_the_size_limit_is_refused_before_train_with_the_number(open_app):
    """Sixteen 4,096-unit layers (255 M parameters) trained once and filled gigabytes: now Train is off."""
    at = open_app("app_pages/playground.py", hidden=",".join(["4096"] * 16))
    assert not at.exception
    text = texts(at.error)
    assert "254,976,010 parameters" in text and "limit" in text
    assert at.button(key="train").disabled


def test_a_read_only_store_disables_train_and_says_why(open_app, runner, monkeypatch):
    monkeypatch.setattr(runner.store, "read_only", True, raising=False)
    monkeypatch.setattr(runner.store, "notice", "The run history is read-only: training is off.", raising=False)
    at = open_app("app_pages/playground.py")
    assert not at.exception
    assert "read-only" in texts(at.warning)
    assert at.button(key="train").disabled
