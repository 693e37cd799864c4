"""What only the local runner does: warm spares, worker processes, exit codes, env, shutdown.

The behaviour every runner shares (events, states, stop, kill, queue, wait, restart) is the
contract suite's (tests/contract/); these cases use the fake targets in tests/unit/jobfakes.py.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import types
import time

import pytest

import jobfakes
from jobfakes import FAKES_DIR
from synaptic_core.jobs import LocalJobRunner, TargetConfig
from synaptic_core.specs import RunSpec
from synaptic_core.store import RunStore


def fake_config(**changes) -> TargetConfig:
    options = {"target": "jobfakes:scripted", "warm": (), "probe": None, "sys_path": (FAKES_DIR,)}
    options.update(changes)
    return TargetConfig(**options)


def spec(mode: str = "ok", steps: int = 3, step_s: float = 0.02) -> RunSpec:
    """The fake reads its script from the spec: mode, number of steps, seconds per step."""
    return RunSpec().replace(dataset=mode, epochs=steps, noise=step_s)


def wait_for(predicate, timeout: float = 15.0, every: float = 0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {predicate}")


def wait_finished(runner, run_id, timeout: float = 15.0):
    return wait_for(lambda: (s := runner.status(run_id)).finished and s, timeout)


def has_batch(runner, run_id) -> bool:
    return any(e["type"] == "batch" for e in runner.events(run_id))


def alive(pid: int) -> bool:
    """True while the process exists, zombie included (a reaped child is gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def job_pid(runner, run_id) -> int:
    """The fake's first event says its pid."""
    return int(runner.events(run_id)[0]["message"].rsplit(" ", 1)[1])


@pytest.fixture
def make_runner(tmp_path):
    runners = []

    def make(max_jobs: int = 2, target=None, store=None, **kw) -> LocalJobRunner:
        kw.setdefault("extra_spares", 0)  # most tests count processes per slot; the spare has its own test
        runner = LocalJobRunner(store or RunStore(tmp_path / "runs.db"), max_jobs=max_jobs,
                                target=target or fake_config(), **kw)
        runners.append(runner)
        return runner

    yield make
    for runner in runners:
        runner.shutdown()


def test_warm_spare_takes_a_job_at_once(make_runner):
    runner = make_runner(max_jobs=1, target=fake_config(warm=("jobfakes_slowwarm",), probe="jobfakes:fake_device"))
    assert runner.device() is None
    assert wait_for(runner.device) == jobfakes.fake_device()  # the spare has warmed up (a 1 s import)
    t0 = time.monotonic()
    run_id = runner.submit(spec(steps=2, step_s=0.0))
    wait_for(lambda: runner.events(run_id), timeout=5, every=0.002)
    assert time.monotonic() - t0 < 0.5, "the first event should not wait for a warm-up"
    assert wait_finished(runner, run_id).state == "done"


def test_extra_spare_is_warm_for_the_job_after_a_busy_slot(make_runner):
    runner = make_runner(max_jobs=1, extra_spares=1,
                         target=fake_config(warm=("jobfakes_slowwarm",), probe="jobfakes:fake_device"))
    wait_for(lambda: len(runner.workers()) == 2 and runner.device() is not None)
    first = runner.submit(spec(steps=6, step_s=0.2))
    second = runner.submit(spec(steps=2, step_s=0.0))
    assert runner.status(second).position == 1  # the spare does not break the concurrency limit
    wait_for(lambda: runner.status(first).finished, timeout=30)
    t0 = time.monotonic()
    wait_for(lambda: runner.events(second), timeout=5, every=0.002)
    assert time.monotonic() - t0 < 0.5, "the queued job should land on the already-warm spare"
    assert wait_finished(runner, second).state == "done"


def test_cancel_while_the_worker_still_warms_up(make_runner):
    runner = make_runner(max_jobs=1, target=fake_config(warm=("jobfakes_slowwarm",)))
    run_id = runner.submit(spec())
    status = runner.status(run_id)
    assert (status.state, status.position, status.message) == ("starting", 0, "starting a worker process")
    assert runner.queue()["running"] == [(run_id, None)]
    assert runner.cancel(run_id)
    status = wait_finished(runner, run_id)
    assert (status.state, status.message) == ("stopped", "cancelled before it started")
    assert runner.events(run_id) == [] and runner.result(run_id) is None


def test_queue_positions_and_fifo_with_one_slot(make_runner):
    runner = make_runner(max_jobs=1)
    a = runner.submit(spec(steps=200, step_s=0.05), owner="a")
    b = runner.submit(spec(steps=200, step_s=0.05), owner="b")
    c = runner.submit(spec(steps=2), owner="c")
    wait_for(lambda: runner.status(a).state == "running")
    assert (runner.status(b).state, runner.status(b).position) == ("queued", 1)
    assert (runner.status(c).state, runner.status(c).position) == ("queued", 2)
    assert runner.status(c).message == "1 run(s) ahead in the queue"
    assert runner.queue() == {"running": [(a, "a")], "queued": [(b, "b"), (c, "c")], "max_jobs": 1}
    assert runner.events(b) == [] and runner.store.get_run(b)["status"] == "queued"

    runner.cancel(a)
    wait_for(lambda: runner.status(b).state == "running")
    assert (runner.status(c).state, runner.status(c).position) == ("queued", 1)
    assert runner.queue()["running"] == [(b, "b")]
    runner.cancel(b)
    assert wait_finished(runner, c).state == "done"
    assert [runner.status(r).state for r in (a, b)] == ["stopped", "stopped"]
    first_event = {r: runner.events(r)[0]["time"] for r in (a, b, c)}
    assert first_event[a] < first_event[b] < first_event[c]


def test_force_cancel_and_second_cancel_kill_the_process(make_runner):
    runner = make_runner(max_jobs=2)
    a = runner.submit(spec("stubborn", steps=300, step_s=0.05))
    b = runner.submit(spec("stubborn", steps=300, step_s=0.05))
    wait_for(lambda: has_batch(runner, a) and has_batch(runner, b))
    pid_a, pid_b = job_pid(runner, a), job_pid(runner, b)

    assert runner.cancel(a, force=True)
    status = wait_finished(runner, a, timeout=5)
    assert status.state == "stopped" and status.message.startswith("killed:")
    assert runner.events(a)[-1]["type"] == "error" and runner.events(a)[-1]["kind"] == "killed"
    wait_for(lambda: not alive(pid_a), timeout=5)
    assert runner.status(b).state == "running"  # the other job carries on

    runner.cancel(b)  # the stubborn fake ignores should_stop()...
    time.sleep(0.3)
    assert runner.status(b).state == "running"
    runner.cancel(b)  # ...so the second press kills it
    assert wait_finished(runner, b, timeout=5).message.startswith("killed:")
    wait_for(lambda: not alive(pid_b), timeout=5)
    wait_for(lambda: runner.store.get_run(b)["status"] == "stopped")
    assert runner.store.get_run(b)["error"].startswith("killed:")


def test_crashes_fail_with_a_reason_while_another_job_completes(make_runner):
    runner = make_runner(max_jobs=3)
    ok = runner.submit(spec("ok", steps=40, step_s=0.05))
    crash = runner.submit(spec("crash"))
    hard = runner.submit(spec("exit137"))

    status = wait_finished(runner, crash)
    assert (status.state, status.message) == ("failed", "crash: ValueError: fake failure in step 2")
    last = runner.events(crash)[-1]
    assert (last["type"], last["kind"], last["message"]) == ("error", "crash", "ValueError: fake failure in step 2")
    status = wait_finished(runner, hard)
    assert status.state == "failed" and status.message.startswith("killed:") and "SIGKILL" in status.message
    assert "possibly out of memory" in status.message  # the cgroup counted no OOM kill: no claim of one
    assert runner.events(hard)[-1]["kind"] == "killed"
    assert runner.status(ok).state in ("starting", "running")  # its worker may still be starting on a busy machine

    killed = runner.submit(spec("sigkill"))
    segv = runner.submit(spec("segv"))
    assert wait_finished(runner, killed).message.startswith("killed: the job's process was killed by signal 9")
    status = wait_finished(runner, segv)
    assert status.state == "failed" and status.message == "crash: the job's process died from SIGSEGV"

    status = wait_finished(runner, ok)
    assert status.state == "done" and runner.result(ok)["steps_run"] == 40
    for run_id in (crash, hard, killed, segv):
        wait_for(lambda: runner.store.get_run(run_id)["status"] == "failed")
    wait_for(lambda: len(runner.workers()) == 3)  # every dead worker was replaced by a spare
    assert all(alive(pid) for pid in runner.workers())


def test_warm_up_failure_fails_the_job_with_the_import_error(make_runner):
    runner = make_runner(max_jobs=1, target=fake_config(warm=("no_such_module_xyz",)))
    status = wait_finished(runner, runner.submit(spec()))
    assert status.state == "failed"
    assert status.message == "crash: could not prepare the worker: ModuleNotFoundError: No module named 'no_such_module_xyz'"


def test_child_env_threads_and_device_probe(make_runner, monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.syspath_prepend(FAKES_DIR)  # a bare target path relies on the parent's sys.path
    runner = make_runner(max_jobs=2, target="jobfakes:scripted")  # no warm-up, CPU-only probe
    n = str(max(1, len(os.sched_getaffinity(0)) // 2))
    status = wait_finished(runner, run_id := runner.submit(spec("env")))
    assert status.state == "done"
    assert runner.result(run_id)["env"] == {"TF_NUM_INTRAOP_THREADS": n, "OMP_NUM_THREADS": n,
                                            "TF_CPP_MIN_LOG_LEVEL": "2"}
    device = wait_for(runner.device)
    assert device["cores"] == os.cpu_count() and device["model"]


def test_threads_and_slots_follow_the_cpu_affinity_not_the_machine(make_runner, monkeypatch):
    """A server pinned to one core (taskset, a cpuset) gives each run one TensorFlow thread, not one per core
    of the machine (two threads took turns on the one core: runs ~16% slower)."""
    from synaptic_core.jobs import local

    monkeypatch.delenv("SYNAPTIC_MAX_JOBS", raising=False)
    monkeypatch.setattr(local.os, "cpu_count", lambda: 8)
    monkeypatch.setattr(local.os, "sched_getaffinity", lambda pid: {0})
    assert local.usable_cores() == 1 and local.resolve_max_jobs() == 1
    assert make_runner(max_jobs=1).threads_per_job == 1
    monkeypatch.setattr(local.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert local.usable_cores() == 4 and local.resolve_max_jobs() == 2
    assert make_runner(max_jobs=2).threads_per_job == 2


def test_a_new_runner_reads_old_runs_from_the_store(make_runner, tmp_path):
    first = make_runner(max_jobs=1)
    done = first.submit(spec(steps=3))
    wait_finished(first, done)
    busy = first.submit(spec("stubborn", steps=300, step_s=0.05))
    waiting = first.submit(spec())
    wait_for(lambda: has_batch(first, busy))
    done_events, done_result = first.events(done), first.result(done)
    pids = first.workers()
    first.shutdown()
    assert all(not alive(pid) for pid in pids)
    assert [first.status(r).state for r in (busy, waiting)] == ["interrupted", "interrupted"]
    first.shutdown()  # idempotent
    with pytest.raises(RuntimeError):
        first.submit(spec())

    second = make_runner(max_jobs=1, store=RunStore(tmp_path / "runs.db"))
    assert second.interrupted_at_start == 0  # the first runner marked its own on shutdown
    assert second.status(done).state == "done"
    assert second.events(done) == done_events and second.events(done, since=5) == done_events[5:]
    assert second.result(done) == done_result
    status = second.status(busy)
    assert (status.state, status.message) == ("interrupted", "the server shut down before this run finished")
    assert second.events(busy)[0]["type"] == "status"  # its events up to the shutdown were kept
    assert second.status(waiting).state == "interrupted"
    assert second.queue() == {"running": [], "queued": [], "max_jobs": 1}
    with pytest.raises(KeyError):
        second.status("no-such-run")
    assert second.result("no-such-run") is None and second.events("no-such-run") == []
    assert not second.cancel(done)


def test_runs_left_active_by_a_dead_server_are_marked_interrupted(make_runner, tmp_path):
    store = RunStore(tmp_path / "runs.db")
    left = [store.create_run(spec(), status=s) for s in ("queued", "running")]
    finished = store.create_run(spec(), status="done")
    runner = make_runner(max_jobs=1, store=store)
    assert runner.interrupted_at_start == 2
    assert [runner.status(r).state for r in left] == ["interrupted", "interrupted"]
    assert runner.status(finished).state == "done"


def test_finished_runs_leave_memory_but_not_the_store(make_runner):
    runner = make_runner(max_jobs=1, keep_finished=0)
    run_id = runner.submit(spec(steps=3))
    wait_finished(runner, run_id)
    in_memory = runner.events(run_id)
    wait_for(lambda: runner.book.get(run_id) is None)
    assert runner.events(run_id) == in_memory
    assert runner.status(run_id).state == "done" and runner.result(run_id)["steps_run"] == 3


def test_shutdown_leaves_no_processes(make_runner):
    runner = make_runner(max_jobs=2)
    run_id = runner.submit(spec("stubborn", steps=300, step_s=0.05))
    wait_for(lambda: has_batch(runner, run_id))
    pids = runner.workers()
    assert len(pids) == 2
    runner.shutdown()
    assert all(not alive(pid) for pid in pids)
    assert not [p for p in multiprocessing.active_children() if p.pid in pids]
    assert runner.workers() == []
    assert runner.store.get_run(run_id)["status"] == "interrupted"


def test_workers_do_not_rerun_the_parents_main_script(make_runner, tmp_path, monkeypatch):
    """Under Streamlit, __main__ is app.py: a spawned worker must not execute it again."""
    marker = tmp_path / "main-ran"
    script = tmp_path / "app_like.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    runner = make_runner(max_jobs=1, target=fake_config(probe="jobfakes:fake_device"))
    run_id = runner.submit(spec(steps=1, step_s=0.0))
    assert wait_finished(runner, run_id).state == "done"
    assert not marker.exists()
    assert sys.modules["__main__"] is fake_main


# -- a worker serves several runs (synaptic_core/jobs/recycle.py) --------------------------------

def test_a_worker_serves_runs_one_after_another_until_recycle_after(make_runner):
    runner = make_runner(max_jobs=1, recycle_after=2)
    pids = []
    for _ in range(3):
        run_id = runner.submit(spec(steps=2, step_s=0.0))
        assert wait_finished(runner, run_id).state == "done"
        pids.append(runner.result(run_id)["pid"])
    assert pids[0] == pids[1], "the second run should reuse the first run's warm process"
    assert pids[2] != pids[1], "after recycle_after runs the worker is replaced"
    wait_for(lambda: not alive(pids[0]), timeout=10)  # the retired worker exits
    assert len(runner.workers()) == 1


def test_recycle_after_one_is_a_process_per_run(make_runner):
    runner = make_runner(max_jobs=1, recycle_after=1)
    first, second = (runner.submit(spec(steps=1, step_s=0.0)) for _ in range(2))
    assert wait_finished(runner, second).state == "done"
    assert runner.result(first)["pid"] != runner.result(second)["pid"]


def test_a_stop_for_one_run_does_not_reach_the_next_run_on_the_same_worker(make_runner):
    runner = make_runner(max_jobs=1)
    stopped = runner.submit(spec(steps=300, step_s=0.05))
    after = runner.submit(spec(steps=5, step_s=0.01))
    wait_for(lambda: has_batch(runner, stopped))
    runner.cancel(stopped)
    assert wait_finished(runner, stopped).state == "stopped"
    status = wait_finished(runner, after)
    assert status.state == "done" and runner.result(after)["steps_run"] == 5
    assert runner.result(after)["pid"] == runner.result(stopped)["pid"]  # the same process took it


def test_a_failed_run_or_a_big_one_retires_its_worker(make_runner, monkeypatch):
    runner = make_runner(max_jobs=1)
    failed = runner.submit(spec("crash"))
    assert wait_finished(runner, failed).state == "failed"
    pid = job_pid(runner, failed)
    wait_for(lambda: not alive(pid), timeout=10)  # a failed run's process is not trusted with another

    from synaptic_core.jobs import recycle
    monkeypatch.setattr(recycle, "RECYCLE_RSS_MB", 0.0)  # every run now counts as one that took much memory
    big = runner.submit(spec(steps=1, step_s=0.0))
    assert wait_finished(runner, big).state == "done"
    wait_for(lambda: not alive(runner.result(big)["pid"]), timeout=10)


def test_may_serve_again_rules():
    from synaptic_core.jobs.recycle import RECYCLE_RSS_MB, may_serve_again
    assert may_serve_again(1, 100.0, {"gpus": []})
    assert not may_serve_again(16, 100.0, None)  # RECYCLE_AFTER runs served
    assert not may_serve_again(1, RECYCLE_RSS_MB + 1, None)
    assert not may_serve_again(1, 100.0, jobfakes.fake_device())  # a GPU's memory goes only with its process


def test_a_workers_peak_memory_is_its_own_not_its_big_parents():
    """Linux keeps ru_maxrss across execve: a worker spawned by a 2 GB test session reported 2 GB and was
    retired after every run. peak_rss_mb reads this process image's own peak (VmHWM)."""
    import subprocess

    if not os.path.exists("/proc/self/status"):
        pytest.skip("no /proc: ru_maxrss is all there is")
    parent = ("import subprocess, sys; big = bytearray(400 * 2**20); big[::4096] = b'x' * len(big[::4096]); "
              "print(subprocess.run([sys.executable, '-c', 'from synaptic_core.jobs.recycle import peak_rss_mb; "
              "print(peak_rss_mb())'], capture_output=True, text=True, check=True).stdout)")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", parent], capture_output=True, text=True, check=True, cwd=root)
    assert float(out.stdout.strip()) < 300, out.stdout  # the child's own peak, not the parent's 400+ MB
