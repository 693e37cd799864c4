"""A run killed on purpose says so once ("killed: ...", never "killed: killed: ...") and keeps its events.

Issue 14: ``exits.death_reason`` wrote its message with the kind already in front, and the run
book puts ``"<kind>: "`` before every failure message, so the run read "killed: killed: the run
was stopped by force". The events the run emitted before it died stay in the store, so its
page can still draw the curves.
"""

from __future__ import annotations

from synaptic_core.jobs import RunBook
from synaptic_core.jobs.exits import death_reason
from synaptic_core.specs import RunSpec
from synaptic_core.store import RunStore


def test_a_forced_kill_message_is_prefixed_once_and_the_events_stay(tmp_path):
    book = RunBook(RunStore(tmp_path / "runs.db"), flush_seconds=0.0)
    run = book.open(RunSpec(), owner="me")
    assert book.take_next() is run
    book.starting(run)
    book.running(run)
    for b in range(1, 4):
        book.add_event(run, {"type": "batch", "epoch": 0, "batch": b, "loss": 1.0 / b})
    assert book.cancel(run.run_id) == "stop" and book.cancel(run.run_id, force=True) == "kill"
    book.died(run, exitcode=-9)
    book.flush()
    status = book.status(run.run_id)
    assert status.state == "stopped"
    assert status.message.startswith("killed: ") and status.message.count("killed:") == 1
    error = [e for e in book.events(run.run_id) if e["type"] == "error"][-1]
    assert error["kind"] == "killed" and not error["message"].startswith("killed")
    row = book.store.get_run(run.run_id)
    assert "killed: killed" not in str(row)
    stored = book.store.events(run.run_id)
    assert [e["batch"] for e in stored if e["type"] == "batch"] == [1, 2, 3]


def test_death_reasons_leave_the_kind_to_the_book():
    for forced, exitcode in ((True, -9), (True, None), (False, -9), (False, -11), (False, 3)):
        kind, message = death_reason(exitcode, forced=forced)
        assert not message.startswith(f"{kind}:"), (kind, message)
