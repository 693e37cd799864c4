"""Stop is graceful; a quick second press never kills; a run killed on purpose keeps its curves.

Issue 14: two quick Stop clicks killed the run (the runner takes any second cancel as a kill),
wiped its curves, and the message read "killed: killed: ...".
"""

from __future__ import annotations

import json
import time

from page_text import page_texts
from shown import texts
from synaptic_core.specs import RunSpec

PLAYGROUND, GENERATION = "app_pages/playground.py", "app_pages/text_generation.py"
STOP_AT_KEY = "pg_stop_at"  # ui.live.STOP_AT_KEY: when Stop was pressed
KILL_AFTER_S = 8.0  # ui.live.KILL_AFTER_S


def _events(epochs: int = 2) -> list[dict]:
    events = [{"type": "status", "stage": "training", "message": "Training…"}]
    for epoch in range(epochs):
        events += [{"type": "batch", "epoch": epoch, "batch": b, "steps": 4, "epochs": 5, "loss": 1.0 / (b + epoch),
                    "batch_loss": 1.0 / (b + epoch), "accuracy": 0.5, "batch_accuracy": 0.5, "seen": 32 * b,
                    "t": 0.1 * b} for b in range(1, 5)]
        events.append({"type": "epoch", "epoch": epoch, "epochs": 5, "loss": 0.5, "accuracy": 0.8, "val_loss": 0.6,
                       "val_accuracy": 0.7, "lr": 0.001, "t": 0.4 * (epoch + 1)})
    return events


def _chart_ids(at) -> str:
    return " ".join(c.proto.id for c in at.get("plotly_chart"))


def test_a_quick_second_stop_does_not_kill(open_app, runner):
    runner.add_run("live", "running", _events())
    at = open_app(PLAYGROUND, run="live")
    at.button(key="stop").click().run()
    assert runner.cancelled == [("live", False)]
    stop = at.button(key="stop")
    assert stop.label == "Stopping…" and stop.disabled
    assert any("Stopping after the current batch" in c.value for c in at.caption)
    # The second click of a double click left the browser while it still showed the live Stop button
    # (before this redraw greyed it out): the same widget, clicked as if enabled.
    stop.proto.disabled = False
    stop.click().run()
    assert runner.cancelled == [("live", False)]
    assert runner.runs["live"]["state"] == "running"


def test_kill_is_offered_after_the_graceful_stop_had_time_and_keeps_the_curves(open_app, runner):
    runner.add_run("live", "running", _events())
    at = open_app(PLAYGROUND, run="live")
    at.button(key="stop").click().run()
    at.session_state[STOP_AT_KEY] = time.time() - KILL_AFTER_S - 1  # the run is still going 9 s later
    at.run()
    kill = at.button(key="stop")
    assert kill.label == "Kill now" and not kill.disabled
    kill.click().run()
    assert runner.cancelled == [("live", False), ("live", True)]
    assert runner.runs["live"]["state"] == "stopped"
    assert not at.exception
    shown = "\n".join(page_texts(at))
    assert "stopped by force" in texts(at.warning)
    assert "killed: killed" not in shown and "killed: killed" not in runner.status("live").message
    assert runner.status("live").message.count("killed") == 1
    assert "final_curves_chart" in _chart_ids(at)  # the curves it drew before it was killed
    assert len(runner.store.events("live")) > len(_events())  # its events are kept in the store


def test_a_killed_sequence_run_shows_its_curves(open_app, runner):
    runner.add_run("k1", "stopped", _events(1) + [
        {"type": "error", "kind": "killed", "message": "the run was stopped by force, so it has no result"}],
        spec=RunSpec.from_mapping({"dataset": "shakespeare", "model": "lstm"}))
    at = open_app(GENERATION, run="k1", dataset="shakespeare")
    assert not at.exception
    assert "stopped by force" in texts(at.warning)
    assert "final_curves_chart" in _chart_ids(at)
    spec = json.loads(next(c for c in at.get("plotly_chart") if "final_curves_chart" in c.proto.id).proto.spec)
    assert any(trace.get("y") for trace in spec["data"])
