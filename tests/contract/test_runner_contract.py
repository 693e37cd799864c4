"""The job-runner contract (docs/ARCHITECTURE.md section 5), one suite for every runner.

Each case runs once per runner kind in conftest.KINDS (local spawned processes, the fake the
AppTests use, and later Ray). Targets are the cheap scripted ones in targets.py; one case
trains for real on a tiny toy spec.
"""

from __future__ import annotations

import time

import pytest

from synaptic_core.cli import CONTRACT_KEYS
from synaptic_core.jobs import FINAL, EventCursor, JobRunner, follow
from synaptic_core.specs import RunSpec
from synaptic_core.store import RunStore


def script(mode: str = "ok", steps: int = 3, step_s: float = 0.01) -> RunSpec:
    """A contract run: the mode, its number of steps and the seconds each step sleeps (see targets.py)."""
    return RunSpec().replace(dataset=mode, epochs=steps, noise=step_s)


def wait_for(predicate, timeout: float = 20.0, every: float = 0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {predicate}")


def has_batch(runner, run_id) -> bool:
    return any(e["type"] == "batch" for e in runner.events(run_id))


def stored_status(runner, run_id) -> str:
    return runner.store.get_run(run_id)["status"]


def test_submit_runs_to_done_with_a_result(runner):
    assert isinstance(runner, JobRunner)
    run_id = runner.submit(script(steps=3), owner="s1")
    status = runner.wait(run_id, timeout=20)
    assert (status.state, status.position, status.owner, status.finished) == ("done", 0, "s1", True)
    result = runner.result(run_id)
    assert result["run_id"] == run_id and result["steps_run"] == 3 and result["stopped"] is False
    assert not {"type", "seq", "time"} & set(result)
    assert {"dataset", "model", "epochs_run", "history", "test", "stopped"} <= set(result)
    workdir = runner.store.artifacts_dir(run_id)
    assert result["workdir"] == str(workdir) and (workdir / "contract.txt").read_text() == "3 steps\n"
    last = runner.events(run_id)[-1]
    assert last["type"] == "result" and {k: v for k, v in last.items() if k not in ("type", "seq", "time")} == result
    wait_for(lambda: stored_status(runner, run_id) == "done")
    row = runner.store.get_run(run_id)
    assert row["result"] == result and row["owner"] == "s1" and row["error"] is None


def test_events_are_numbered_in_order_without_gaps(runner):
    run_id = runner.submit(script(steps=5))
    followed = list(follow(runner, run_id, timeout=20))
    events = runner.events(run_id)
    assert followed == events
    assert [e["type"] for e in events] == ["status"] + ["batch"] * 5 + ["epoch", "result"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    times = [e["time"] for e in events]
    assert times == sorted(times) and times[0] > time.time() - 60
    assert runner.events(run_id, since=3) == events[3:] and runner.events(run_id, since=len(events)) == []
    cursor = EventCursor(run_id, seq=2)
    assert cursor.poll(runner) == events[2:] and cursor.poll(runner) == [] and cursor.seq == len(events)
    wait_for(lambda: runner.store.events(run_id) == events)  # written in batches, all of them


def test_stop_ends_within_one_batch_and_keeps_the_result(runner):
    run_id = runner.submit(script(steps=400, step_s=0.05))
    wait_for(lambda: has_batch(runner, run_id))
    t0 = time.monotonic()
    assert runner.cancel(run_id) is True
    assert runner.status(run_id).message == "stopping after the current batch"
    status = runner.wait(run_id, timeout=10)
    assert time.monotonic() - t0 < 2.0  # one 0.05 s step, plus the end of a process on a busy machine
    assert (status.state, status.message) == ("stopped", "stopped by the user")
    assert [e["type"] for e in runner.events(run_id)][-2:] == ["stopped", "result"]
    assert runner.result(run_id)["stopped"] is True
    assert runner.cancel(run_id) is False  # final: nothing left to cancel
    wait_for(lambda: stored_status(runner, run_id) == "stopped")


def test_force_kill_stops_with_kind_killed(runner):
    run_id = runner.submit(script("stubborn", steps=400, step_s=0.05))
    wait_for(lambda: has_batch(runner, run_id))
    assert runner.cancel(run_id, force=True) is True
    status = runner.wait(run_id, timeout=10)
    assert status.state == "stopped" and status.message.startswith("killed:")
    last = runner.events(run_id)[-1]
    assert (last["type"], last["kind"]) == ("error", "killed")
    assert runner.result(run_id) is None
    wait_for(lambda: stored_status(runner, run_id) == "stopped")
    assert runner.store.get_run(run_id)["error"].startswith("killed:")


def test_a_second_cancel_kills_a_run_that_ignores_stop(runner):
    run_id = runner.submit(script("stubborn", steps=400, step_s=0.05))
    wait_for(lambda: has_batch(runner, run_id))
    runner.cancel(run_id)
    assert runner.wait(run_id, timeout=0.3).state == "running"  # the target ignores should_stop()
    runner.cancel(run_id)
    status = runner.wait(run_id, timeout=10)
    assert status.state == "stopped" and status.message.startswith("killed:")


def test_a_target_that_raises_fails_with_its_reason(runner):
    run_id = runner.submit(script("crash", steps=5))
    status = runner.wait(run_id, timeout=20)
    assert (status.state, status.message) == ("failed", "crash: ValueError: contract failure at step 2")
    last = runner.events(run_id)[-1]
    assert (last["type"], last["kind"], last["message"]) == ("error", "crash", "ValueError: contract failure at step 2")
    assert runner.result(run_id) is None


def test_a_process_that_dies_unasked_fails_with_the_reason(runner, kind):
    run_id = runner.submit(script("stubborn", steps=400, step_s=0.05))
    wait_for(lambda: has_batch(runner, run_id))
    kind.kill_worker(runner, run_id)
    status = runner.wait(run_id, timeout=10)
    last = runner.events(run_id)[-1]
    assert status.state == "failed" and last["type"] == "error"  # failed, not stopped: nobody asked
    assert status.message == f"{last['kind']}: {last['message']}" and "SIGKILL" in last["message"]
    # the kernel did not say "out of memory" (no OOM kill counted), so neither may the run's kind
    assert last["kind"] in ("killed", "crash") and last["kind"] != "oom"


def test_any_error_event_fails_the_run_even_with_a_result(runner):
    nan = runner.submit(script("nan", steps=10))
    empty = runner.submit(script("none"))
    status = runner.wait(nan, timeout=20)
    assert (status.state, status.message) == ("failed", "nan: loss became NaN at epoch 1, batch 2")
    assert runner.result(nan)["steps_run"] == 2
    assert [e["type"] for e in runner.events(nan)][-2:] == ["error", "result"]
    status = runner.wait(empty, timeout=20)
    assert (status.state, status.message) == ("failed", "crash: the training function returned no result")


def test_queue_positions_with_one_slot(make_runner):
    runner = make_runner(max_jobs=1)
    a = runner.submit(script("stubborn", steps=400, step_s=0.05), owner="a")
    b = runner.submit(script(steps=2), owner="b")
    c = runner.submit(script(steps=2), owner="c")
    wait_for(lambda: runner.status(a).state == "running")
    assert (runner.status(b).state, runner.status(b).position) == ("queued", 1)
    assert (runner.status(c).state, runner.status(c).position) == ("queued", 2)
    assert runner.status(c).message == "1 run(s) ahead in the queue"
    assert runner.queue() == {"running": [(a, "a")], "queued": [(b, "b"), (c, "c")], "max_jobs": 1}
    assert runner.events(b) == [] and stored_status(runner, b) == "queued"

    assert runner.cancel(c) is True
    assert (runner.status(c).state, runner.status(c).message) == ("stopped", "cancelled before it started")
    assert runner.queue()["queued"] == [(b, "b")] and runner.events(c) == []
    runner.cancel(a, force=True)
    assert runner.wait(b, timeout=20).state == "done"
    assert runner.queue() == {"running": [], "queued": [], "max_jobs": 1}


def test_wait_returns_at_the_timeout_or_the_end(runner):
    run_id = runner.submit(script(steps=400, step_s=0.05))
    t0 = time.monotonic()
    status = runner.wait(run_id, timeout=0.3)
    assert 0.25 <= time.monotonic() - t0 < 2.0 and not status.finished and status.state not in FINAL
    runner.cancel(run_id)
    assert runner.wait(run_id, timeout=10).state == "stopped"
    t0 = time.monotonic()
    assert runner.wait(run_id, timeout=5).state == "stopped" and time.monotonic() - t0 < 0.5
    assert runner.wait(run_id).state == "stopped"  # no timeout: returns because the run is final
    with pytest.raises(KeyError):
        runner.wait("no-such-run", timeout=0.1)


def test_unknown_runs(runner):
    with pytest.raises(KeyError):
        runner.status("no-such-run")
    assert runner.events("no-such-run") == [] and runner.result("no-such-run") is None
    assert runner.cancel("no-such-run") is False


def test_a_new_runner_marks_runs_left_running_interrupted(make_runner, tmp_path):
    store = RunStore(tmp_path / "shared.db")
    first = make_runner(max_jobs=1, store=store)
    done = first.submit(script(steps=3))
    first.wait(done, timeout=20)
    busy = first.submit(script("stubborn", steps=400, step_s=0.05))
    waiting = first.submit(script())
    wait_for(lambda: stored_status(first, busy) == "running" and store.events(busy, types=["batch"]))
    wait_for(lambda: stored_status(first, done) == "done")
    done_events, done_result = first.events(done), first.result(done)

    # the server died with `busy` running and `waiting` queued; a new one opens the same store
    second = make_runner(max_jobs=1, store=RunStore(tmp_path / "shared.db"))
    assert second.interrupted_at_start == 2
    assert [second.status(r).state for r in (busy, waiting)] == ["interrupted", "interrupted"]
    assert second.status(busy).message
    assert second.status(done).state == "done" and second.result(done) == done_result
    assert second.events(done) == done_events and second.events(done, since=2) == done_events[2:]
    assert second.events(busy)[0]["type"] == "status"  # what it had sent before is kept
    assert second.queue() == {"running": [], "queued": [], "max_jobs": 1}
    assert not second.cancel(done)

    first.shutdown()  # a clean shutdown marks its own unfinished runs interrupted too
    assert [first.status(r).state for r in (busy, waiting)] == ["interrupted", "interrupted"]
    with pytest.raises(RuntimeError):
        first.submit(script())
    first.shutdown()  # idempotent


@pytest.mark.slow
def test_real_training_on_a_tiny_toy_spec(runner, kind):
    if not kind.real_train:
        pytest.skip(f"the {kind.name} runner does not run TensorFlow training")
    spec = RunSpec().replace(dataset="circle", model="mlp", hidden=(4,), n_points=100, epochs=2, batch_size=20)
    run_id = runner.submit(spec, owner="real")
    status = runner.wait(run_id, timeout=120)
    assert status.state == "done", status.message
    result = runner.result(run_id)
    assert set(CONTRACT_KEYS) <= set(result) and result["run_id"] == run_id
    assert result["epochs_run"] == 2 and len(result["history"]) == 2 and result["stopped"] is False
    assert {"loss", "accuracy"} <= set(result["test"])
    events = runner.events(run_id)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert {"data", "model", "batch", "epoch", "result"} <= {e["type"] for e in events}
