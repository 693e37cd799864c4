"""RunBook on its own (no processes): the state rules, the queue, batched writes, wait on the store."""

from __future__ import annotations

import threading
import time

import pytest

from synaptic_core.jobs import RunBook, follow
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
