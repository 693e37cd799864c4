"""RunBook on its own (no processes): the state rules, the queue, batched writes, wait on the store."""

from __future__ import annotations

import threading
import time

import pytest

from synaptic_core.jobs import (Actor, Limits, ModelTooLarge, NotAllowed, RunBook, RunRefused, TooManyRuns,
                                TrainingDisabled, follow)
from synaptic_core.jobs.policy import LIMITS
from synaptic_core.jobs.exits import death_reason
from synaptic_core.specs import RunSpec
from synaptic_core.store import RunStore


@pytest.fixture
def book(tmp_path) -> RunBook:
    return RunBook(RunStore(tmp_path / "runs.db"), flush_seconds=0.0)


def test_state_rules(book):
    runs = [book.open(RunSpec(), owner=f"o{i}") for i in range(5)]
    assert [book.position(r) for r in runs] == [1, 2, 3, 4, 5]
    for run in runs:
        assert book.take_next() is run
        book.starting(run)
        book.running(run)
    ok, nan, stopped, killed, died = runs
    book.add_event(ok, {"type": "result", "stopped": False, "run_id": ok.run_id})
    book.ended(ok)
    book.add_event(nan, {"type": "error", "kind": "nan", "message": "loss became NaN"})
    book.add_event(nan, {"type": "result", "stopped": False})
    book.ended(nan)
    book.add_event(stopped, {"type": "result", "stopped": True})
    book.ended(stopped)
    assert book.cancel(killed.run_id) == "stop" and book.cancel(killed.run_id) == "kill"
    book.died(killed, exitcode=-9)
    book.died(died, reason=("crash", "the node running it was lost"))
    states = {r.run_id: (book.status(r.run_id).state, book.status(r.run_id).message) for r in runs}
    assert states == {
        ok.run_id: ("done", ""), nan.run_id: ("failed", "nan: loss became NaN"),
        stopped.run_id: ("stopped", "stopped by the user"),
        killed.run_id: ("stopped", "%s: %s" % death_reason(-9, forced=True)),
        died.run_id: ("failed", "crash: the node running it was lost")}
    assert book.result(nan.run_id) == {"stopped": False}  # a failed run keeps its result
    book.add_event(ok, {"type": "batch"})  # after the end: dropped
    assert [e["type"] for e in book.events(ok.run_id)] == ["result"]
    book.flush()
    assert {r.run_id: book.store.get_run(r.run_id)["status"] for r in runs} == {
        r: s for r, (s, _) in states.items()}


def test_queue_cancel_and_interrupt(book):
    a, b, c = (book.open(RunSpec()) for _ in range(3))
    assert book.cancel(b.run_id) == "dequeued" and book.status(b.run_id).message == "cancelled before it started"
    assert book.position(c) == 2 and book.status(c.run_id).message == "1 run(s) ahead in the queue"
    book.enqueue(c, at=0)
    assert book.take_next() is c and book.cancel(b.run_id) is None and book.cancel("nope") is None
    book.close()
    book.interrupt_all()
    assert book.status(a.run_id).state == book.status(c.run_id).state == "interrupted"
    with pytest.raises(RuntimeError):
        book.open(RunSpec())


def test_wait_on_a_run_only_the_store_knows(book, tmp_path):
    """Another process's run: wait() reads the store until the run is final or the timeout passes."""
    other = RunStore(tmp_path / "runs.db")
    run_id = other.create_run(RunSpec(), status="running")
    t0 = time.monotonic()
    assert book.wait(run_id, timeout=0.3).state == "running" and time.monotonic() - t0 >= 0.29
    other.add_events(run_id, [{"seq": 1, "type": "status"}, {"seq": 2, "type": "batch"}])
    threading.Timer(0.3, lambda: other.set_status(run_id, "done")).start()
    assert [e["seq"] for e in follow(book, run_id, timeout=10)] == [1, 2]
    assert book.wait(run_id, timeout=10).state == "done"
    with pytest.raises(KeyError):
        book.wait("nope", timeout=0)


def test_events_wait_for_the_flush_interval(tmp_path):
    book = RunBook(RunStore(tmp_path / "runs.db"), flush_seconds=60)
    run = book.open(RunSpec())
    book.add_event(run, {"type": "status"})
    book.flush_if_due()
    assert book.store.events(run.run_id) == [] and book.pending()
    book.flush()
    assert [e["seq"] for e in book.store.events(run.run_id)] == [1] and not book.pending()


# -- the shared-server rules (policy.py) as the book applies them ------------------------------------
def started(book, n):
    """Take the next ``n`` runs as a free slot would, returning them in the order taken."""
    out = []
    for _ in range(n):
        run = book.take_next()
        book.starting(run)
        book.running(run)
        out.append(run)
    return out


def test_fair_turns_and_positions(tmp_path):
    book = RunBook(RunStore(tmp_path / "runs.db"), flush_seconds=0.0, limits=Limits(max_runs_per_person=0))
    six = [book.open(RunSpec(), owner="six") for _ in range(6)]
    late = book.open(RunSpec(), owner="late")
    anon = [book.open(RunSpec()) for _ in range(2)]  # owner-less runs share one turn, in FIFO order
    # nobody has started: turns go by each owner's oldest queued run
    order = [six[0], late, anon[0], six[1], anon[1], six[2], six[3], six[4], six[5]]
    assert [book.position(r) for r in order] == list(range(1, 10))
    assert [r for r, _ in book.queue_view(1)["queued"]] == [r.run_id for r in order]
    assert started(book, 2) == [six[0], late]
    # "six" started longest ago now, then the anonymous owner, and "late" has nothing left
    assert [book.position(r) for r in (anon[0], six[1], anon[1])] == [1, 2, 3]
    again = book.open(RunSpec(), owner="late")  # late queues again: its turn comes after six's, anon's
    assert started(book, 4) == [anon[0], six[1], again, anon[1]]


def test_pinned_places_hold_and_move_up(book):
    a, b, c = (book.open(RunSpec(), owner=o) for o in "abc")
    book.enqueue(c, at=0)
    assert [book.position(r) for r in (c, a, b)] == [1, 2, 3]
    book.enqueue(a, at=2)
    assert [book.position(r) for r in (c, b, a)] == [1, 2, 3]
    assert book.take_next() is c and book.position(a) == 2  # a run ahead left: the pin moves up with it
    assert book.cancel(b.run_id) == "dequeued" and book.position(a) == 1


def test_the_per_person_cap(tmp_path):
    book = RunBook(RunStore(tmp_path / "runs.db"), flush_seconds=0.0, limits=Limits(max_runs_per_person=2))
    first, _ = book.open(RunSpec(), owner="ann"), book.open(RunSpec(), owner="ann")
    with pytest.raises(TooManyRuns, match=r"2 runs queued or running; the limit is 2 per person "
                                          r"\(SYNAPTIC_MAX_RUNS_PER_PERSON\)"):
        book.open(RunSpec(), owner="ann")
    assert len(book.store.list_runs(owner="ann")) == 2  # nothing was written for the refused one
    book.open(RunSpec(), owner="bob")
    book.open(RunSpec())
    started(book, 1)
    book.add_event(first, {"type": "result", "stopped": False})
    book.ended(first)
    book.open(RunSpec(), owner="ann")  # its first run is done: a place is free


def test_who_may_cancel_and_what_the_run_says(book):
    mine, queued = book.open(RunSpec(), owner="o-me"), book.open(RunSpec(), owner="o-me")
    started(book, 1)
    for stranger in ("o-you", Actor(owner="o-you"), Actor(), Actor(controls=frozenset({"o-else"}))):
        with pytest.raises(NotAllowed):
            book.cancel(mine.run_id, by=stranger)
    assert not mine.stop_requested
    assert book.cancel(queued.run_id, by=Actor(controls=frozenset({"o-me"}), label="the teacher")) == "dequeued"
    assert book.status(queued.run_id).message == "cancelled before it started (stopped by the teacher)"
    assert book.cancel(mine.run_id, by=Actor(admin=True)) == "stop"
    assert book.events(mine.run_id)[-1]["message"] == "stopped by an admin"
    book.add_event(mine, {"type": "result", "stopped": True})
    book.ended(mine)
    assert book.status(mine.run_id).message == "stopped by an admin"
    own = book.open(RunSpec(), owner="o-me")
    started(book, 1)
    assert book.cancel(own.run_id, by="o-me") == "stop" and book.cancel(own.run_id, by="o-me") == "kill"
    book.died(own, exitcode=-9)
    assert book.status(own.run_id).message.startswith("killed: the run was stopped by force")
    legacy = book.open(RunSpec())  # an owner-less run (CLI): only the trusted caller or an admin
    with pytest.raises(NotAllowed):
        book.cancel(legacy.run_id, by="o-me")
    assert book.cancel(legacy.run_id) == "dequeued"


def test_the_time_limit_asks_then_kills(tmp_path):
    book = RunBook(RunStore(tmp_path / "runs.db"), flush_seconds=0.0, limits=Limits(max_run_s=60, stop_grace_s=30))
    run, other = book.open(RunSpec(), owner="a"), book.open(RunSpec(), owner="b")
    started(book, 2)
    t0 = run.started
    assert book.expired(now=t0 + 59) == []
    assert sorted(book.expired(now=t0 + 61)) == sorted([(run.run_id, False), (other.run_id, False)])
    assert book.expired(now=t0 + 62) == []  # asked once
    assert book.events(run.run_id)[-1]["message"] == ("stopped: the run reached the maximum run time of "
                                                      "1 minute (SYNAPTIC_MAX_RUN_MINUTES)")
    book.cancel(run.run_id, by=LIMITS)
    book.add_event(run, {"type": "result", "stopped": True})
    book.ended(run)  # it stopped within the grace period
    assert book.status(run.run_id).message.startswith("stopped: the run reached the maximum run time")
    assert book.expired(now=t0 + 95) == [(other.run_id, True)]  # the other one did not: kill it
    book.cancel(other.run_id, force=True, by=LIMITS)
    book.died(other, exitcode=-9)
    assert book.status(other.run_id).message == (
        "killed: the run reached the maximum run time of 1 minute (SYNAPTIC_MAX_RUN_MINUTES) and did not stop "
        "within 30 seconds, so it was killed and has no result")
    book.limits = Limits(max_run_s=0)
    late = book.open(RunSpec())
    started(book, 1)
    assert book.expired(now=late.started + 10**6) == []  # 0: no limit


def test_reopen_continues_a_run(book):
    run = book.open(RunSpec(), owner="o-me")
    started(book, 1)
    book.add_event(run, {"type": "batch", "batch": 1})
    book.finish(run, "interrupted", "the server shut down")
    book.flush()
    with pytest.raises(NotAllowed):
        book.reopen(run.run_id, by="o-you")
    again = book.reopen(run.run_id, by="o-me")
    assert again.run_id == run.run_id and again is not run and book.get(run.run_id) is again
    assert book.status(run.run_id).state == "queued" and book.position(again) == 1
    assert [e["seq"] for e in book.events(run.run_id)] == [1, 2]
    assert book.events(run.run_id)[-1]["message"].startswith("Resumed")
    book.flush()
    row = book.store.get_run(run.run_id)
    assert (row["status"], row["error"], row["result"]) == ("queued", None, None)
    with pytest.raises(RunRefused, match="already queued"):
        book.reopen(run.run_id)
    started(book, 1)
    book.add_event(again, {"type": "result", "stopped": False})
    book.ended(again)
    with pytest.raises(RunRefused, match="is done: only an interrupted or failed run"):
        book.reopen(run.run_id)
    with pytest.raises(KeyError):
        book.reopen("no-such-run")


def test_a_huge_model_is_refused_before_anything_is_written(book):
    t0 = time.monotonic()
    with pytest.raises(ModelTooLarge) as refused:
        book.open(RunSpec().replace(dataset="mnist", model="mlp", hidden=(4096,) * 16), owner="o-big")
    assert time.monotonic() - t0 < 0.5
    assert "254,976,010 parameters" in str(refused.value) and "20,000,000 (SYNAPTIC_MAX_PARAMS)" in str(refused.value)
    assert book.store.list_runs() == [] and book.queue_view(1)["queued"] == []
    book.open(RunSpec().replace(dataset="mnist", model="cnn"), owner="o-small")  # a normal CNN passes
    book.open({"dataset": "ok", "epochs": 3})  # what the table does not know is left to the worker


def test_a_read_only_store_takes_no_runs(tmp_path):
    RunStore(tmp_path / "runs.db").create_run(RunSpec(), status="running")
    book = RunBook(RunStore(tmp_path / "runs.db", read_only=True))
    assert book.read_only and book.interrupted_at_start == 0  # it cannot mark anything
    with pytest.raises(TrainingDisabled, match="read-only"):
        book.open(RunSpec())
