"""The Resume button: an interrupted run with a checkpoint continues through the runner's ``resume``
(the ``resume`` CLI's path), from the Playground's results and from the Runs page; only for the run's
owner, only with a checkpoint, and a refusal is explained."""

from __future__ import annotations

import json

from shown import texts
from synaptic_core.jobs.policy import RunRefused
from synaptic_core.presets import layered_spec

PLAYGROUND = "app_pages/playground.py"
RUNS = "app_pages/runs.py"


def _epochs(n: int) -> list[dict]:
    return [{"type": "epoch", "epoch": i, "epochs": 5, "loss": 0.6 - 0.1 * i, "accuracy": 0.6 + 0.1 * i,
             "val_loss": None, "val_accuracy": None} for i in range(n)]


def _interrupted(runner, run_id: str = "r1", owner: str = "me", checkpoint: int | None = 2) -> None:
    spec = layered_spec({"dataset": "circle", "model": "mlp", "epochs": 5})
    runner.add_run(run_id, "interrupted", _epochs(2), spec=spec, owner=owner,
                   message="the server was stopped (SIGTERM) while the run was training")
    if checkpoint is not None:
        folder = runner.store.artifacts_dir(run_id) / "checkpoint"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "latest.json").write_text(json.dumps({"epoch": checkpoint, "history": []}))


def _button(at, key: str):
    return next((b for b in at.button if b.key == key), None)


def test_playground_resumes_an_interrupted_run_from_its_checkpoint(open_app, runner):
    _interrupted(runner)
    at = open_app(PLAYGROUND, run="r1")
    assert not at.exception
    assert "interrupted" in texts(at.warning)
    button = _button(at, "results_resume")
    assert button is not None and button.label == "Resume from epoch 3"
    button.click().run()
    assert not at.exception and not at.error
    assert runner.runs["r1"]["state"] == "queued"  # the same run, queued again by runner.resume
    assert any(e.get("message", "").startswith("Resumed") for e in runner.runs["r1"]["events"])
    assert _button(at, "results_resume") is None  # the page now follows the run live
    assert "Queued" in texts(at.info)


def test_no_resume_without_a_checkpoint_or_for_someone_else(open_app, runner):
    _interrupted(runner, "bare", checkpoint=None)
    _interrupted(runner, "theirs", owner="someone-else")
    at = open_app(PLAYGROUND, run="bare")
    assert not at.exception and _button(at, "results_resume") is None
    at = open_app(PLAYGROUND, run="theirs")
    assert not at.exception and _button(at, "results_resume") is None


def test_runs_page_resumes_and_links_to_the_run(open_app, runner):
    _interrupted(runner)
    at = open_app(RUNS)
    at.session_state["runs_selected"] = ["r1"]
    at.run()
    button = _button(at, "runs_one_resume")
    assert button is not None and button.label == "Resume from epoch 3"
    button.click().run()
    assert not at.exception
    assert runner.runs["r1"]["state"] == "queued"
    assert "queued again" in texts(at.success)
    assert any(link.label == "Watch it train" for link in at.get("page_link"))


def test_a_refused_resume_says_why(open_app, runner):
    _interrupted(runner)

    def refuse(run_id, by=None):
        raise RunRefused("You already have 4 runs queued or running; the limit is 4 per person.", "per_person")

    runner.resume = refuse
    at = open_app(PLAYGROUND, run="r1")
    _button(at, "results_resume").click().run()
    assert not at.exception
    assert "the limit is 4 per person" in texts(at.error)
    assert runner.runs["r1"]["state"] == "interrupted"
