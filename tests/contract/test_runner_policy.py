"""The shared-server rules (jobs/policy.py) under the runner contract: every runner kind applies them.

Fair turns across owners, the per-person cap, the maximum run time (graceful stop, then a kill),
who may cancel, a model that is too large refused at submit, and resuming an interrupted run.
Each case runs once per kind in conftest.KINDS (local processes, the fake, Ray when installed).
"""

from __future__ import annotations

import time

import pytest

from synaptic_core.jobs import Actor, Limits, ModelTooLarge, NotAllowed, RunRefused, TooManyRuns
from synaptic_core.specs import RunSpec, SpecError
from synaptic_core.store import RunStore

from test_runner_contract import script, stored_status, wait_for

SLOW = dict(steps=400, step_s=0.05)


def test_runs_take_turns_across_owners(make_runner):
    """Six runs of one person do not block the person who queued after them."""
    runner = make_runner(max_jobs=1)
    runner.limits = Limits(max_runs_per_person=0)
    blocker = runner.submit(script("stubborn", **SLOW), owner="zed")
    wait_for(lambda: runner.status(blocker).state == "running")
    greedy = [runner.submit(script(steps=1, step_s=0.0), owner="greedy") for _ in range(3)]
    late = runner.submit(script(steps=1, step_s=0.0), owner="late")
    zed_again = runner.submit(script(steps=1, step_s=0.0), owner="zed")
    # turns: greedy and late never started (greedy queued first), zed started last
    expected = [greedy[0], late, zed_again, greedy[1], greedy[2]]
    assert [r for r, _ in runner.queue()["queued"]] == expected
    assert [runner.status(r).position for r in expected] == [1, 2, 3, 4, 5]
    assert runner.status(late).message == "1 run(s) ahead in the queue"

    runner.cancel(blocker, force=True)
    for run_id in expected:
        assert runner.wait(run_id, timeout=30).state == "done"
    starts = {r: next(e["time"] for e in runner.events(r)) for r in expected}
    assert sorted(expected, key=starts.get) == expected  # they started in the fair order shown


def test_a_person_may_have_only_so_many_runs(make_runner):
    runner = make_runner(max_jobs=1)
    runner.limits = Limits(max_runs_per_person=2)
    first = runner.submit(script("stubborn", **SLOW), owner="ann")
    runner.submit(script(), owner="ann")
    with pytest.raises(TooManyRuns) as refused:
        runner.submit(script(), owner="ann")
    assert "2 runs queued or running" in str(refused.value) and "SYNAPTIC_MAX_RUNS_PER_PERSON" in str(refused.value)
    assert (refused.value.value, refused.value.limit) == (2, 2)
    assert runner.submit(script(), owner="bob")  # someone else is not affected
    assert runner.submit(script(), owner=None)  # owner-less callers (CLI, tests) have no cap
    runner.cancel(first, force=True)
    wait_for(lambda: runner.status(first).finished)
    assert runner.submit(script(), owner="ann")  # a finished run frees a place


def test_the_maximum_run_time_stops_then_kills(make_runner):
    runner = make_runner(max_jobs=2)
    runner.limits = Limits(max_run_s=0.4, stop_grace_s=0.6)
    polite = runner.submit(script("ok", **SLOW), owner="p")
    stubborn = runner.submit(script("stubborn", **SLOW), owner="s")
    status = runner.wait(polite, timeout=20)
    assert status.state == "stopped" and "maximum run time" in status.message
    assert "SYNAPTIC_MAX_RUN_MINUTES" in status.message and runner.result(polite)["stopped"] is True
    assert any("maximum run time" in e.get("message", "") for e in runner.events(polite) if e["type"] == "status")
    status = runner.wait(stubborn, timeout=20)
    assert status.state == "stopped" and status.message.startswith("killed:")
    assert "maximum run time" in status.message and "did not stop within" in status.message
    last = runner.events(stubborn)[-1]
    assert (last["type"], last["kind"]) == ("error", "killed")
    wait_for(lambda: "maximum run time" in (runner.store.get_run(stubborn)["error"] or ""))


def test_only_the_owner_or_an_admin_may_cancel(make_runner):
    runner = make_runner(max_jobs=1)
    mine = runner.submit(script("stubborn", **SLOW), owner="o-me")
    queued = runner.submit(script(), owner="o-me")
    wait_for(lambda: runner.status(mine).state == "running")
    with pytest.raises(NotAllowed):
        runner.cancel(mine, by="o-someone-else")
    with pytest.raises(NotAllowed):
        runner.cancel(queued, force=True, by=Actor(owner="o-someone-else"))
    assert runner.status(mine).state == "running" and runner.status(queued).state == "queued"
    teacher = Actor(owner="o-teacher", controls=frozenset({"o-me"}), label="the teacher")
    assert runner.cancel(queued, by=teacher) is True
    assert runner.status(queued).message == "cancelled before it started (stopped by the teacher)"
    assert runner.cancel(mine, force=True, by=Actor(admin=True)) is True
    status = runner.wait(mine, timeout=10)
    assert status.state == "stopped" and "by force by an admin" in status.message
    assert runner.cancel(mine, by="o-someone-else") is False  # final: nothing to cancel, nothing revealed
    other = runner.submit(script(steps=2), owner="o-me")
    assert runner.cancel(other, by="o-me") is True  # the owner, by their id
    assert runner.cancel(runner.submit(script(steps=2), owner="o-me")) is True  # None: the trusted caller


def test_a_model_over_the_limits_is_refused_at_submit(make_runner):
    runner = make_runner(max_jobs=1)
    blocker = runner.submit(script("stubborn", **SLOW))  # holds the one slot: nothing below starts
    huge = RunSpec().replace(dataset="mnist", model="mlp", hidden=(4096,) * 16)
    t0 = time.monotonic()
    with pytest.raises(ModelTooLarge) as refused:
        runner.submit(huge, owner="big")
    assert time.monotonic() - t0 < 1.0  # arithmetic, not a 1 GB allocation
    message = str(refused.value)
    assert "254,976,010 parameters" in message and "20,000,000" in message and "SYNAPTIC_MAX_PARAMS" in message
    assert isinstance(refused.value, SpecError) and refused.value.issues[0].param == "hidden"
    assert runner.queue()["queued"] == [] and runner.store.list_runs(owner="big") == []
    cnn = RunSpec().replace(dataset="mnist", model="cnn", filters=(32, 64), hidden=(128,), epochs=1)
    run_id = runner.submit(cnn, owner="small")  # passes the check (it is queued, not refused)
    assert runner.status(run_id).state == "queued"
    runner.limits = Limits(max_params=100_000)
    with pytest.raises(ModelTooLarge, match="more than the limit of 100,000"):
        runner.submit(cnn, owner="small")
    runner.limits = Limits(max_model_mb=5)
    with pytest.raises(ModelTooLarge, match="SYNAPTIC_MAX_MODEL_MB") as refused:
        runner.submit(cnn.replace(batch_size=4096), owner="small")
    assert refused.value.param == "batch_size"  # activations of a big batch are what is too large
    for r in (run_id, blocker):
        runner.cancel(r, force=True)


def test_an_interrupted_run_resumes_where_it_stopped(make_runner, tmp_path):
    store = RunStore(tmp_path / "resume.db")
    first = make_runner(max_jobs=1, store=store)
    run_id = first.submit(script("resumable", steps=40, step_s=0.05), owner="o-me")
    wait_for(lambda: sum(e["type"] == "batch" for e in first.events(run_id)) >= 3)
    first.shutdown()  # the server stops: the run is interrupted after a few steps
    assert first.status(run_id).state == "interrupted"
    before = store.events(run_id)

    second = make_runner(max_jobs=1, store=RunStore(tmp_path / "resume.db"))
    with pytest.raises(NotAllowed):
        second.resume(run_id, by="o-someone-else")
    assert second.resume(run_id, by="o-me") == run_id
    assert second.wait(run_id, timeout=30).state == "done"
    events = second.events(run_id)
    assert events[:len(before)] == before  # what it had is kept...
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))  # ...and numbering goes on
    seen = [e["batch"] for e in before if e["type"] == "batch"]
    resumed = [e["batch"] for e in events[len(before):] if e["type"] == "batch"]
    # it continued after its last saved step (a step saved whose event was still on its way when the
    # server stopped is not repeated: Ray sends events in small batches), and did not start over
    assert seen[0] == 1 and 1 < resumed[0] <= seen[-1] + 5 and resumed == list(range(resumed[0], 41))
    assert second.result(run_id)["steps_run"] == 40
    wait_for(lambda: stored_status(second, run_id) == "done")
    assert second.store.get_run(run_id)["error"] is None
    with pytest.raises(RunRefused, match="only an interrupted or failed run"):
        second.resume(run_id)
    with pytest.raises(KeyError):
        second.resume("no-such-run")
