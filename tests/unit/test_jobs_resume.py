"""An interrupted real training run resumes from its last finished epoch (issue 11), through the
local runner and ``python -m synaptic_core resume RUN_ID``: the run keeps its id, its events go on
numbered, and the result is one run of all its epochs with one continuous history."""

from __future__ import annotations

import json
import time

import pytest

from synaptic_core.jobs import LocalJobRunner
from synaptic_core.specs import RunSpec
from synaptic_core.store import RunStore

SPEC = RunSpec().replace(dataset="circle", model="mlp", hidden=(8,), n_points=1000, epochs=12, batch_size=5,
                         validation_split=0.0, seed=1)


@pytest.mark.slow
def test_stop_the_server_after_an_epoch_then_resume_from_the_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path))
    monkeypatch.setenv("SYNAPTIC_CHECKPOINT_SECONDS", "0")  # every epoch (the worker inherits it)
    store = RunStore(tmp_path / "runs.db")
    runner = LocalJobRunner(store, max_jobs=1, extra_spares=0)
    run_id = runner.submit(SPEC, owner="o-me")
    latest = store.artifacts_dir(run_id) / "checkpoint" / "latest.json"
    deadline = time.monotonic() + 120
    while not latest.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    runner.shutdown()  # the server stops after at least one finished epoch
    assert store.get_run(run_id)["status"] == "interrupted", runner.events(run_id)[-3:]
    done_before = json.loads(latest.read_text())["epoch"]
    assert 1 <= done_before < SPEC.epochs
    before = store.events(run_id)

    from synaptic_core.cli import main

    assert main(["resume", run_id, "--json", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["run_id"] == run_id and result["epochs_run"] == SPEC.epochs
    assert [h["epoch"] for h in result["history"]] == list(range(SPEC.epochs))
    events = store.events(run_id)
    assert events[:len(before)] == before and [e["seq"] for e in events] == list(range(1, len(events) + 1))
    after = [e["epoch"] for e in events[len(before):] if e["type"] == "epoch"]
    assert after == list(range(done_before, SPEC.epochs))  # it went on; it did not start again
    assert any("Resuming after epoch" in e.get("message", "") for e in events[len(before):])
    row = store.get_run(run_id)
    assert (row["status"], row["error"], row["owner"]) == ("done", None, "o-me")
    assert not latest.exists()  # done: the checkpoint gave way to the model file
    assert main(["resume", run_id]) == 2  # a done run is not resumable
    assert "only an interrupted or failed run" in capsys.readouterr().err
