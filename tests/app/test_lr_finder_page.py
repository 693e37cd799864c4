"""The learning-rate finder on the Playground (ui/lr_finder_view.py): the button queues a sweep of the
current spec through the page's runner; a finished sweep shows loss against rate (log axis) with the
suggestion marked and "Use this rate" sets the learning-rate widget; a sweep never reaches Train, and
the Runs page lists and compares sweeps without crashing."""

from __future__ import annotations

import json

import numpy as np

from shown import shown, texts
from synaptic_core.presets import layered_spec
from synaptic_core.training.lr_find import LO, HI, smooth, suggest_lr, sweep_rates

PAGE = "app_pages/playground.py"
XOR = {"dataset": "xor", "model": "mlp"}


def _sweep() -> tuple[list[float], list[float], dict]:
    """A loss curve that falls, bottoms out near lr 0.1 and blows up (what a real sweep looks like)."""
    lrs = [float(x) for x in sweep_rates(120)]
    x = np.log10(np.asarray(lrs))
    losses = [float(v) for v in 0.7 - 0.5 / (1 + np.exp(-3 * (x + 3))) + np.where(x > -1, (x + 1) ** 2 * 2, 0)]
    return lrs, losses, suggest_lr(lrs, losses)


def _sweep_run(runner, run_id: str = "s1", state: str = "done", stopped: bool = False) -> dict:
    lrs, losses, tips = _sweep()
    spec = layered_spec(XOR).replace(lr_find=200)
    events = [{"type": "lr_find", "batch": i + 1, "batches": 200, "lr": lr, "loss": loss}
              for i, (lr, loss) in enumerate(zip(lrs, losses)) if (i + 1) % 5 == 0]
    result = {"kind": "lr_find", "dataset": "xor", "model": "mlp", "params": 50, "epochs_run": 0, "history": [],
              "task": "toy", "stopped": stopped, "class_names": [], "spec": spec.as_dict(), "train_seconds": 1.5,
              "lr_find": {"lrs": lrs, "losses": losses, "smoothed": smooth(losses), "lo": LO, "hi": HI,
                          "batches": len(lrs), "diverged": True, **tips}}
    runner.add_run(run_id, state, events, result=result, spec=spec)
    return tips


def _charts(at) -> dict[str, dict]:
    return {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def _chart(at, key: str) -> dict | None:
    return next((spec for cid, spec in _charts(at).items() if key in cid), None)


def test_find_a_learning_rate_queues_a_sweep_of_the_current_spec(open_app, runner):
    open_app(PAGE, **XOR, lr="0.03").button(key="train").click().run()
    trained = runner.submitted[-1][0]  # what Train queues for this page
    assert trained.lr == 0.03 and trained.lr_find == 0
    at = open_app(PAGE, **XOR, lr="0.03")
    assert not at.exception
    button = at.button(key="lr_find")
    assert button.label == "Find a learning rate" and not button.disabled
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    spec, owner = runner.submitted[-1]
    assert owner == "me" and spec.lr_find == 200
    assert spec.replace(lr_find=0) == trained  # the page's spec, only swept
    assert at.query_params["run"] == "fake2"  # the sweep is the run the page shows now
    assert "lr_find" not in at.query_params  # the page's own spec stays a training spec
    assert at.button(key="lr_find").disabled and at.button(key="train").disabled  # while the sweep runs


def test_a_finished_sweep_plots_loss_against_rate_and_use_this_rate_sets_the_widget(open_app, runner):
    tips = _sweep_run(runner)
    at = open_app(PAGE, **XOR, run="s1")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.metric  # no test metrics: a sweep trains no model to test
    fig = _chart(at, "lr_find_chart")
    assert fig is not None
    assert fig["layout"]["xaxis"]["type"] == "log"
    names = [t.get("name") for t in fig["data"]]
    assert names == ["batch loss", "smoothed"]
    vlines = [s for s in fig["layout"].get("shapes", []) if s.get("x0") == s.get("x1")]
    assert len(vlines) == 1 and abs(vlines[0]["x0"] - tips["suggested"]) < 1e-12
    rate = float(f"{tips['suggested']:.2g}")
    assert 1e-4 < rate < 1e-1
    assert f"Suggested learning rate: {rate:g}" in " ".join(shown(m.value) for m in at.markdown)
    assert not any("model_download" in d.proto.id for d in at.get("download_button"))
    assert at.select_slider(key="w_lr").value != rate
    at.button(key="lr_find_use").click().run()
    assert not at.exception
    assert at.select_slider(key="w_lr").value == rate
    assert float(at.query_params["lr"]) == rate
    at.button(key="train").click().run()
    assert runner.submitted[-1][0].lr == rate and runner.submitted[-1][0].lr_find == 0


def test_a_stopped_sweep_says_so_and_still_plots(open_app, runner):
    _sweep_run(runner, "s2", state="stopped", stopped=True)
    at = open_app(PAGE, **XOR, run="s2")
    assert not at.exception
    assert "Stopped after 120 batches" in texts(at.warning)
    assert _chart(at, "lr_find_chart") is not None


def test_a_failed_sweep_says_why_without_a_crash(open_app, runner):
    spec = layered_spec(XOR).replace(lr_find=200)
    runner.add_run("s3", "failed", [{"type": "lr_find", "batch": 5, "batches": 200, "lr": 1e-6, "loss": 0.7},
                                    {"type": "error", "message": "out of [memory]"}], spec=spec, message="boom")
    at = open_app(PAGE, **XOR, run="s3")
    assert not at.exception
    assert "The run failed: out of [memory]" in texts(at.error)
    assert not at.get("button") or all(b.key != "lr_find_use" for b in at.button)


def test_a_running_sweep_draws_its_curve_live(open_app, runner):
    spec = layered_spec(XOR).replace(lr_find=200)
    events = [{"type": "lr_find", "batch": 5 * (i + 1), "batches": 200, "lr": 1e-6 * 1.5 ** i, "loss": 0.7}
              for i in range(6)]
    runner.add_run("s4", "running", events, spec=spec)
    at = open_app(PAGE, **XOR, run="s4")
    assert not at.exception
    fig = _chart(at, "lr_find_live_chart")
    assert fig is not None and fig["layout"]["xaxis"]["type"] == "log"
    assert "batch 30/200" in " ".join(c.value for c in at.caption)


def test_a_link_to_a_sweep_never_makes_train_sweep(open_app, runner):
    at = open_app(PAGE, **XOR, lr_find="200")
    assert not at.exception
    assert "lr_find" not in at.query_params
    at.button(key="train").click().run()
    assert runner.submitted[-1][0].lr_find == 0


def test_the_runs_page_lists_and_compares_a_sweep(open_app, runner):
    _sweep_run(runner, "s1")
    base = layered_spec(XOR)
    hist = [{"epoch": 0, "epochs": 1, "loss": 0.5, "accuracy": 0.8, "val_loss": 0.6, "val_accuracy": 0.7}]
    runner.add_run("t1", "done", [], result={"test": {"accuracy": 0.8, "loss": 0.4}, "history": hist,
                                             "epochs_run": 1, "train_seconds": 1.0}, spec=base)
    at = open_app("app_pages/runs.py")
    assert not at.exception, [e.value for e in at.exception]
    at.multiselect(key="runs_selected").select("s1").select("t1").run()
    assert not at.exception, [e.value for e in at.exception]
    at.multiselect(key="runs_selected").set_value(["s1"]).run()
    assert not at.exception, [e.value for e in at.exception]
    at = open_app("app_pages/runs.py", run="s1")  # the sweep's share link
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
