"""Playground widgets <-> RunSpec <-> URL, validation, and the Train button."""

from __future__ import annotations

from shown import texts
from synaptic_core.presets import layered_spec
from synaptic_core.specs import RunSpec

PAGE = "app_pages/playground.py"


def _errors(at) -> str:
    return texts(at.error)


def test_renders_with_defaults(open_app):
    at = open_app(PAGE)
    assert not at.exception
    assert not at.error
    assert at.selectbox(key="w_dataset").value == "mnist"
    assert at.selectbox(key="w_model").value == "mlp"
    opening = layered_spec({"dataset": "mnist"})  # what `train --dataset mnist` trains
    assert at.select_slider(key="w_lr").value == opening.lr
    assert at.number_input(key="w_epochs").value == opening.epochs
    assert at.button(key="train").disabled is False
    assert "bundled sample" in "\n".join(c.value for c in at.caption)
    assert {k: v for k, v in at.query_params.items() if k != "run"} == opening.to_query()  # the link reproduces it
    keys = " ".join(c.proto.id for c in at.get("plotly_chart"))
    assert "data_preview" in keys and "live_curves_chart" in keys  # empty curves: Plotly's JS loads early


def test_widget_changes_go_to_the_url(open_app):
    at = open_app(PAGE)
    at.selectbox(key="w_optimizer").set_value("sgd").run()
    at.select_slider(key="w_lr").set_value(0.01).run()
    at.number_input(key="w_epochs").set_value(3).run()
    at.text_input(key="w_hidden").input("64, 32").run()
    assert not at.exception
    assert at.query_params["optimizer"] == "sgd"
    assert at.query_params["lr"] == "0.01"
    assert at.query_params["epochs"] == "3"
    assert at.query_params["hidden"] == "64,32"
    # one activation select box per hidden layer now
    assert at.selectbox(key="w_act_1").value == "relu"
    at.selectbox(key="w_act_1").set_value("tanh").run()
    assert at.query_params["activation"] == "relu,tanh"


def test_query_params_set_the_widgets(open_app):
    at = open_app(PAGE, dataset="circle", model="mlp", lr="0.03", noise="0.2", hidden="8,4")
    assert not at.exception and not at.error
    assert at.selectbox(key="w_dataset").value == "circle"
    assert at.select_slider(key="w_lr").value == 0.03
    assert at.slider(key="w_noise").value == 0.2
    assert at.text_input(key="w_hidden").value == "8, 4"
    # a toy set offers only the models that take 2-D points, and its generator's sliders
    assert set(at.selectbox(key="w_model").options) == {"Logistic regression", "Dense network"}
    assert at.slider(key="w_n_points").value == 600
    assert at.query_params["dataset"] == "circle" and at.query_params["lr"] == "0.03"


def test_bad_query_values_show_an_error_and_fall_back_to_defaults(open_app):
    at = open_app(PAGE, lr="fast", epochs="5000", optimizer="magic", dataset="nope", batch_size="64")
    assert not at.exception
    text = _errors(at)
    assert "lr" in text and "allowed 1e-06 to 10" in text
    assert "epochs = 5000 is out of range: allowed 1 to 1000" in text
    assert "optimizer" in text and "adam" in text
    assert "dataset 'nope' is unknown" in text
    opening = layered_spec({"dataset": "mnist"})  # bad values fall back to the page's opening values
    assert at.select_slider(key="w_lr").value == opening.lr
    assert at.number_input(key="w_epochs").value == opening.epochs
    assert at.selectbox(key="w_optimizer").value == opening.optimizer
    assert at.selectbox(key="w_dataset").value == "mnist"
    assert at.number_input(key="w_batch_size").value == 64  # the good value is kept
    assert dict(at.query_params)["batch_size"] == "64" and "lr" not in at.query_params
    assert at.button(key="train").disabled is False


def test_invalid_hyperparameter_disables_train(open_app):
    at = open_app(PAGE)
    at.number_input(key="w_batch_size").set_value(0).run()
    assert "batch_size = 0 is out of range: allowed 1 to 8192." in _errors(at)
    assert at.button(key="train").disabled is True
    at.number_input(key="w_batch_size").set_value(32).run()
    assert not at.error and at.button(key="train").disabled is False


def test_unparsable_layer_list_disables_train(open_app):
    at = open_app(PAGE)
    at.text_input(key="w_hidden").input("64, lots").run()
    assert "hidden" in _errors(at)
    assert at.button(key="train").disabled is True


def test_picking_a_model_applies_its_preset(open_app):
    at = open_app(PAGE)
    at.selectbox(key="w_model").set_value("cnn").run()
    assert not at.exception
    assert at.text_input(key="w_filters").value == "32, 64"
    assert at.slider(key="w_dropout").value == 0.25
    assert at.query_params["model"] == "cnn" and at.query_params["dropout"] == "0.25"


def test_changing_dataset_forgets_classes(open_app):
    at = open_app(PAGE, classes="3,5")
    assert at.multiselect(key="w_classes").value == [3, 5]
    at.selectbox(key="w_dataset").set_value("sonar").run()
    assert not at.exception and not at.error
    assert "classes" not in at.query_params


def test_train_submits_the_spec_and_puts_the_run_in_the_url(open_app, runner):
    at = open_app(PAGE, dataset="xor", lr="0.03", epochs="7")
    at.button(key="train").click().run()
    assert not at.exception
    assert len(runner.submitted) == 1
    spec, owner = runner.submitted[0]
    assert owner == "me"
    assert spec == RunSpec().replace(dataset="xor", lr=0.03, epochs=7)
    assert at.query_params["run"] == "fake1"
    assert at.query_params["dataset"] == "xor"
    assert at.session_state["pg_run"] == "fake1"
    # the queued run is shown live, with its place in the queue, and Train waits for it
    assert any("position 1" in i.value for i in at.info)
    assert at.button(key="train").disabled is True


def test_model_summary_on_request(open_app):
    at = open_app(PAGE, dataset="circle", hidden="8")
    at.button(key="show_summary").click().run(timeout=120)
    assert not at.exception and not at.error
    frames = at.dataframe
    table = frames[-1].value
    assert list(table["Layer"])[-1] == "predictions"
    assert int(table["Parameters"].sum()) == 2 * 8 + 8 + 8 * 2 + 2


def test_a_failed_submit_is_reported(open_app, runner, monkeypatch):
    def refuse(spec, owner=None):
        raise RuntimeError("this job runner has been shut down")

    monkeypatch.setattr(runner, "submit", refuse)
    at = open_app(PAGE)
    at.button(key="train").click().run()
    assert not at.exception
    assert "Could not start the run: this job runner has been shut down" in _errors(at)
    assert "run" not in at.query_params


def test_a_link_opened_later_in_the_session_wins(open_app, runner):
    runner.add_run("r2", "running", [], spec=RunSpec().replace(lr=0.01))
    at = open_app(PAGE, epochs="3")
    assert at.number_input(key="w_epochs").value == 3
    at.query_params.clear()
    at.query_params.update({"run": "r2", "lr": "0.01"})  # what a "Recent runs" link navigates to
    at.run()
    assert at.select_slider(key="w_lr").value == 0.01
    assert at.number_input(key="w_epochs").value == 5
    assert at.session_state["pg_run"] == "r2"
    assert dict(at.query_params) == {"lr": "0.01", "run": "r2"}
