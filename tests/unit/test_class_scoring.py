"""A class's finished runs are scored on the hidden split without the board (synaptic_core/classroom/scoring.py):
``Scorer.ensure`` is one cheap query when nothing waits, starts one scoring thread per class, picks up runs
that end while a child runs, and gives every run it could not score a reason, so nothing is retried in a loop.
The child process is replaced here by an in-process fake (the real one is tested in test_classroom.py)."""

from __future__ import annotations

import threading
import time

import pytest

from synaptic_core.classroom import (add_run, class_runs, create_class, has_hidden_split, needs_score,
                                     set_private_score, unscored_runs)
from synaptic_core.classroom.scoring import Scorer
from synaptic_core.presets import layered_spec
from synaptic_core.store import RunStore

TEACHER, ANN = "o-" + "a" * 32, "o-" + "b" * 32
BASE = layered_spec({"dataset": "circle", "model": "mlp"})


@pytest.fixture
def store(tmp_path):
    s = RunStore(tmp_path / "runs.db")
    yield s
    s.close()


@pytest.fixture
def klass(store):
    return create_class(store, TEACHER, "C", BASE)


def _run(store, klass, status="done", model=True):
    run_id = store.create_run(BASE, owner=ANN)
    add_run(store, klass, run_id, ANN)
    if status in ("done", "stopped", "failed"):
        result = {"test": {"accuracy": 0.9}, **({"model_path": f"/x/{run_id}/model.keras"} if model else {})}
        store.set_result(run_id, result, status=status)
    else:
        store.set_status(run_id, status)
    return run_id


class FakeScorer(Scorer):
    """Scores each run 0.5 in-process; records the calls; ``gate`` holds a call until it is set."""

    def __init__(self, store, fail=False):
        super().__init__(store)
        self.calls: list[list[str]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.fail = fail

    def _child(self, class_id, run_ids):
        self.calls.append(list(run_ids))
        assert self.gate.wait(30)
        if self.fail:
            return [], "the scoring process failed (exit 1)"
        return [{"run_id": r, "score": 0.5} for r in run_ids], None


def _idle(scorer, class_id):
    deadline = time.monotonic() + 60
    while scorer.busy(class_id):
        assert time.monotonic() < deadline, "the scoring thread did not finish"
        time.sleep(0.02)


def test_unscored_runs_are_the_finished_runs_with_a_model_and_no_score(store, klass):
    waiting = [_run(store, klass), _run(store, klass, "stopped")]
    _run(store, klass, "running"), _run(store, klass, "failed"), _run(store, klass, model=False)
    scored, noted = _run(store, klass), _run(store, klass)
    set_private_score(store, scored, 0.7)
    set_private_score(store, noted, None, "could not score")
    other = create_class(store, TEACHER, "Other", BASE)
    _run(store, other)
    assert unscored_runs(store, klass.id) == waiting
    assert sorted(unscored_runs(store, klass.id)) == sorted(r["id"] for r in class_runs(store, klass) if needs_score(r))
    assert has_hidden_split(klass) and not has_hidden_split(create_class(store, TEACHER, "M", layered_spec(
        {"dataset": "mnist"})))


def test_ensure_scores_waiting_runs_in_a_thread_and_does_nothing_when_none_waits(store, klass):
    scorer = FakeScorer(store)
    assert not scorer.ensure(klass.id) and scorer.calls == []  # nothing finished: no thread, no child
    running = _run(store, klass, "running")
    done = _run(store, klass)
    assert scorer.ensure(klass.id)
    _idle(scorer, klass.id)
    assert scorer.calls == [[done]]
    scores = {r["id"]: r["private_score"] for r in class_runs(store, klass)}
    assert scores == {done: 0.5, running: None}
    assert not scorer.ensure(klass.id)  # scored: not again


def test_a_run_that_ends_while_a_child_runs_is_scored_by_the_same_thread(store, klass):
    scorer = FakeScorer(store)
    first = _run(store, klass)
    scorer.gate.clear()
    assert scorer.ensure(klass.id)
    deadline = time.monotonic() + 30
    while not scorer.calls:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    second = _run(store, klass)  # ends while the first child runs
    assert not scorer.ensure(klass.id)  # the running thread will find it
    scorer.gate.set()
    _idle(scorer, klass.id)
    assert scorer.calls == [[first], [second]]
    assert unscored_runs(store, klass.id) == []


def test_a_failed_child_leaves_a_reason_and_is_not_retried_in_a_loop(store, klass):
    scorer = FakeScorer(store, fail=True)
    run_id = _run(store, klass)
    assert scorer.ensure(klass.id)
    _idle(scorer, klass.id)
    (run,) = class_runs(store, klass)
    assert run["private_score"] is None and "the scoring process failed (exit 1)" in run["score_error"]
    assert not scorer.ensure(klass.id) and scorer.calls == [[run_id]]


def test_the_child_is_asked_for_the_waiting_runs_by_id(store, klass, monkeypatch):
    import subprocess

    seen = []

    def fake_run(cmd, **kwargs):
        seen.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, stdout='{"run_id": "%s", "score": 0.25}\nnot json\n' % cmd[-1],
                                           stderr="")

    monkeypatch.setattr(subprocess, "run", fake_run)
    run_id = _run(store, klass)
    Scorer(store).request(klass.id, wait=True)
    assert seen[0][-4:] == ["synaptic_core.classroom.scoring", str(store.path), klass.id, run_id]
    assert class_runs(store, klass)[0]["private_score"] == 0.25


def test_the_scoring_child_yields_the_cpu_to_training(tmp_path):
    """The child lowers itself to nice 19 before anything else (in a class its TensorFlow import competed
    with the students' runs for the training core); checked in a real child process."""
    import subprocess
    import sys

    code = ("import os, synaptic_core.classroom.scoring as s; before = os.nice(0); s.yield_to_training(); "
            "print(before, os.nice(0))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    before, after = int(out[0]), int(out[1])
    assert after == 19 or before == 19, (before, after)


def test_main_yields_before_it_loads_anything(monkeypatch, tmp_path):
    from synaptic_core.classroom import scoring

    calls = []
    monkeypatch.setattr(scoring, "yield_to_training", lambda: calls.append("nice"))
    monkeypatch.setattr(scoring, "score_runs", lambda store, class_id, run_ids: calls.append("score") or [])
    assert scoring.main([str(tmp_path / "runs.db"), "c1"]) == 0
    assert calls == ["nice", "score"]
