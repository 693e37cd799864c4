"""AppTest of the activation, loss and from-scratch pages (FakeRunner from tests/app/fakes.py).

AppTest does not run fragment timers: a fragment's body is drawn once per script run, so a
test scripts the fake runs' events and reruns the page to see them drawn.
"""

from __future__ import annotations

import base64
import json
import time

import numpy as np
import pytest

ACT, LOSS, SCRATCH = "app_pages/activations.py", "app_pages/losses.py", "app_pages/scratch.py"


def _arr(v) -> np.ndarray:
    """A figure JSON array: Plotly sends numpy arrays as {"dtype", "bdata"} (base64)."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v)


def _chart(at, key: str) -> dict:
    return next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if key in c.proto.id)


def test_activation_page_plots_functions_and_derivatives(open_app):
    at = open_app(ACT)
    assert not at.exception
    fig = _chart(at, "act_chart")
    names = [t["name"] for t in fig["data"]]
    assert {"relu", "relu'", "sigmoid", "sigmoid'", "tanh", "gelu'"} <= set(names)
    at.multiselect(key="act_pick").set_value(["selu", "mish"])
    at.slider(key="act_range").set_value((-3.0, 2.0))
    at.run()
    assert not at.exception
    fig = _chart(at, "act_chart")
    assert [t["name"] for t in fig["data"]] == ["selu", "selu'", "mish", "mish'"]
    assert _arr(fig["data"][0]["x"]).min() == -3.0 and _arr(fig["data"][0]["x"]).max() == 2.0
    table = at.dataframe[0].value
    assert list(table["activation"]) == ["selu", "mish"]
    assert all(float(v) < 1e-4 for v in table["autodiff vs finite difference"])


def test_vanishing_gradients_and_dead_units(open_app):
    at = open_app(ACT)
    fig = _chart(at, "vg_chart")
    assert [t["name"] for t in fig["data"]] == ["sigmoid", "tanh", "relu"]
    assert len(_arr(fig["data"][0]["y"])) == 11  # 10 hidden layers + output
    at.multiselect(key="vg_pick").set_value(["relu", "leaky_relu"])
    at.slider(key="vg_depth").set_value(3)
    at.button(key="vg_dead").click()
    at.run()
    assert not at.exception
    dead = _chart(at, "vg_dead_chart")
    bars = [t for t in dead["data"] if t["type"] == "bar"]
    assert [b["name"] for b in bars] == ["relu after training", "leaky_relu after training"]
    assert np.all(_arr(bars[1]["y"]) == 0)  # leaky ReLU's slope is never zero
    assert any("train accuracy" in c.value for c in at.caption)


def _batches(n: int, loss: float) -> list[dict]:
    return [{"type": "batch", "epoch": 0, "batch": b, "steps": n, "loss": loss / b, "batch_loss": loss / b,
             "accuracy": 0.1 * b, "batch_accuracy": 0.1 * b} for b in range(1, n + 1)]


def test_race_submits_one_job_per_activation_and_overlays_their_curves(open_app, runner):
    at = open_app(ACT)
    at.multiselect(key="race_pick").set_value(["relu", "tanh"])
    at.button(key="race_start").click()
    at.run()
    assert not at.exception
    specs = [s for s, _ in runner.submitted]
    assert [s.activation for s in specs] == [("relu",), ("tanh",)]
    assert all(s.model == "mlp" and s.dataset == "mnist" for s in specs)
    assert len({json.dumps({**s.as_dict(), "activation": None}) for s in specs}) == 1  # same net, same data
    assert all(owner == "me" for _, owner in runner.submitted)
    for (run_id, run), loss in zip(runner.runs.items(), (2.0, 3.0)):
        kept = run["events"]  # the page already read these (seq 1..): new events follow them
        runner.add_run(run_id, "running", events=kept + _batches(5, loss), spec=run["spec"])
    at.run()
    fig = _chart(at, "race_chart")
    lines = [t for t in fig["data"] if t.get("mode") == "lines"]
    assert {t["name"] for t in lines} == {"relu", "tanh"} and all(len(_arr(t["x"])) == 5 for t in lines)
    at.button(key="race_stop").click()
    at.run()
    assert {r for r, _ in runner.cancelled} == set(runner.runs)


def test_race_says_the_runs_take_turns_when_the_server_has_fewer_slots(open_app, runner):
    at = open_app(ACT)
    at.multiselect(key="race_pick").set_value(["relu", "tanh", "elu"])
    at.run()
    slots = runner.queue()["max_jobs"]
    text = " ".join(m.value for m in at.markdown)
    assert ("take turns" in text) == (slots < 3) and "side by side" not in text


def test_race_needs_two_activations(open_app, runner):
    at = open_app(ACT)
    at.multiselect(key="race_pick").set_value(["relu"])
    at.run()
    assert at.button(key="race_start").disabled


def test_loss_page_curves_outliers_and_focal(open_app):
    at = open_app(LOSS)
    assert not at.exception
    fig = _chart(at, "loss_chart")
    assert {t["name"] for t in fig["data"]} >= {"MSE", "MAE", "Huber", "log-cosh", "MSE gradient"}
    at.radio(key="loss_kind").set_value("probability")
    at.run()
    assert not at.exception
    names = {t["name"] for t in _chart(at, "loss_chart")["data"]}
    assert {"Binary cross-entropy", "KL divergence gradient"} <= names
    # t = 1 by default: the three cross-entropy curves coincide, and the page says so
    assert any("lie exactly on top of each other" in i.value for i in at.info)
    at.slider(key="loss_target_prob").set_value(0.8)
    at.run()
    assert not any("on top of each other" in i.value for i in at.info)
    outliers = at.dataframe[0].value
    assert list(outliers["loss"]) == ["MSE", "MAE", "Huber", "log-cosh"]
    assert abs(outliers["slope"][0] - 0.5) > abs(outliers["slope"][1] - 0.5)  # MSE is dragged the most
    at.slider(key="focal_gamma").set_value(0.0)
    at.run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "Share of the batch's loss carried by the hard minority" in labels
    share = next(m for m in at.metric if m.label.startswith("Share"))
    ce, focal = share.delta.split("%")[0], share.value.split("%")[0]
    assert float(ce) == pytest.approx(float(focal))  # gamma 0: focal is cross-entropy


def test_scratch_page_shows_code_and_trains_beside_a_keras_job(open_app, runner):
    at = open_app(SCRATCH)
    assert not at.exception
    code = "\n".join(c.value for c in at.code)
    for fn in ("def softmax", "def forward", "def cross_entropy", "def gradients", "def sgd_step"):
        assert fn in code
    assert len(at.latex) >= 5
    # the size slider offers what the source has (the bundled sample: 10,000), never 60,000 it cannot use
    sizes = at.select_slider(key="scratch_subset").options
    assert sizes[-1] == "10,000" and "60,000" not in sizes and at.select_slider(key="scratch_subset").value == 10000
    assert not any("tests/" in c.value for c in at.caption) and "seed notebook" not in at.markdown[0].value
    at.select_slider(key="scratch_subset").set_value(1000)
    at.slider(key="scratch_epochs").set_value(2)
    at.button(key="scratch_train").click()
    at.run()
    assert not at.exception
    (spec, owner), = runner.submitted
    assert (spec.model, spec.optimizer, spec.lr, spec.batch_size, spec.epochs, spec.subset) == \
        ("logreg", "sgd", 0.1, 100, 2, 1000)
    assert spec.validation_split == 0.0 and owner == "me"
    run = at.session_state["scratch_run"]
    deadline = time.time() + 30
    while run.running and time.time() < deadline:
        time.sleep(0.05)
    run_id = next(iter(runner.runs))
    runner.add_run(run_id, "done", spec=spec, events=runner.runs[run_id]["events"] + [
        {"type": "epoch", "epoch": 0, "accuracy": 0.8}, {"type": "epoch", "epoch": 1, "accuracy": 0.85},
        {"type": "result", "test": {"accuracy": 0.86, "loss": 0.5}, "epochs_run": 2, "train_seconds": 1.0}])
    at.run()
    assert not at.exception
    fig = _chart(at, "scratch_chart")
    assert [t["name"] for t in fig["data"]] == ["NumPy: train", "NumPy: test", "Keras: train (epoch mean)",
                                                "Keras: test (end)"]
    test_acc = _arr(fig["data"][1]["y"])
    assert len(test_acc) == 2 and test_acc[-1] > 0.7
    assert len([t for t in _chart(at, "scratch_templates")["data"] if t["type"] == "heatmap"]) == 10
    assert any("86.00%" in c.value for c in at.caption)
