"""Stopping the server marks its runs interrupted, not failed; a worker's own death is judged on what
is known (issue 11): SIGTERM and Ctrl-C to the server's process group, a service manager that signals
every process at once, a SIGTERM for the worker alone, and SIGKILL with or without the kernel's
out-of-memory count.

The server here is a small script (a LocalJobRunner with the fake targets) started in its own
session, so its process group can be signalled as a terminal or ``kill -TERM -PGID`` would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from jobfakes import FAKES_DIR
from synaptic_core.jobs import LocalJobRunner, TargetConfig
from synaptic_core.specs import RunSpec
from synaptic_core.store import RunStore

REPO = str(Path(__file__).resolve().parents[2])
CONFIG = TargetConfig(target="jobfakes:scripted", warm=(), probe=None, sys_path=(FAKES_DIR,))
SLOW = RunSpec().replace(dataset="stubborn", epochs=2000, noise=0.05)

SERVER = textwrap.dedent("""
    import sys, time
    from synaptic_core.jobs import LocalJobRunner, TargetConfig
    from synaptic_core.specs import RunSpec
    from synaptic_core.store import RunStore

    config = TargetConfig(target="jobfakes:scripted", warm=(), probe=None, sys_path=({fakes!r},))
    runner = LocalJobRunner(RunStore({db!r}), max_jobs=1, extra_spares=0, target=config)
    run_id = runner.submit(RunSpec().replace(dataset="stubborn", epochs=2000, noise=0.05), owner="o-me")
    while not any(e["type"] == "batch" for e in runner.events(run_id)):
        time.sleep(0.02)
    pid = int(runner.events(run_id)[0]["message"].rsplit(" ", 1)[1])
    print(run_id, pid, flush=True)
    while True:
        time.sleep(0.05)
""")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(predicate, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {predicate}")


def start_server(tmp_path):
    db = str(tmp_path / "runs.db")
    script = tmp_path / "server.py"
    script.write_text(SERVER.format(fakes=FAKES_DIR, db=db))
    env = {**os.environ, "PYTHONPATH": REPO}
    proc = subprocess.Popen([sys.executable, str(script)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    line = proc.stdout.readline().split()
    assert line, proc.stderr.read()
    return proc, db, line[0], int(line[1])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_the_servers_process_group_interrupts_its_runs(tmp_path, sig):
    proc, db, run_id, worker = start_server(tmp_path)
    os.killpg(proc.pid, sig)  # what Ctrl-C in a terminal, or kill -TERM -PGID, does
    proc.wait(timeout=60)  # generous: a loaded CI machine; the 5 s target is measured by tests/load
    row = RunStore(db).get_run(run_id)
    assert row["status"] == "interrupted", row
    assert row["error"] == f"the server was stopped ({sig.name}) before this run finished"
    assert RunStore(db).events(run_id)[-1]["type"] != "error"  # no death reported for a shutdown
    wait_for(lambda: not alive(worker))  # the server ended its worker itself


def test_a_signal_to_every_process_at_once_still_interrupts(tmp_path):
    """A service manager (systemd, a container runtime) signals the worker and the server together:
    the worker dies first, yet its run is interrupted, not failed."""
    proc, db, run_id, worker = start_server(tmp_path)
    os.kill(worker, signal.SIGTERM)
    time.sleep(0.2)  # the server has seen the worker die before its own signal arrives
    os.kill(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)
    row = RunStore(db).get_run(run_id)
    assert (row["status"], row["error"]) == ("interrupted", "the server was stopped (SIGTERM) before this run finished")


@pytest.fixture
def runner(tmp_path):
    made = LocalJobRunner(RunStore(tmp_path / "runs.db"), max_jobs=1, extra_spares=0, target=CONFIG)
    yield made
    made.shutdown()


def job_pid(runner, run_id) -> int:
    wait_for(lambda: any(e["type"] == "batch" for e in runner.events(run_id)))
    return int(runner.events(run_id)[0]["message"].rsplit(" ", 1)[1])


def test_a_sigterm_for_the_worker_alone_fails_its_run(runner):
    run_id = runner.submit(SLOW)
    os.kill(job_pid(runner, run_id), signal.SIGTERM)
    time.sleep(0.5)
    assert runner.status(run_id).state == "running"  # judged after the grace, in case the server stops too
    status = runner.wait(run_id, timeout=10)
    assert (status.state, status.message) == ("failed", "crash: the job's process died from SIGTERM")


def test_sigkill_is_out_of_memory_only_when_the_kernel_counted_one(runner, monkeypatch):
    import synaptic_core.jobs.local as local

    counter = iter(range(100))
    monkeypatch.setattr(local, "oom_kills", lambda: next(counter))  # the cgroup counts one kill per read
    run_id = runner.submit(SLOW)
    os.kill(job_pid(runner, run_id), signal.SIGKILL)
    status = runner.wait(run_id, timeout=10)
    assert status.state == "failed" and status.message.startswith("oom: the job's process was killed by the "
                                                                  "kernel's out-of-memory killer")
    monkeypatch.setattr(local, "oom_kills", lambda: 4)  # the count did not move: no claim
    run_id = runner.submit(SLOW)
    os.kill(job_pid(runner, run_id), signal.SIGKILL)
    status = runner.wait(run_id, timeout=10)
    assert status.message.startswith("killed: the job's process was killed by signal 9 (SIGKILL) without a cancel")
    assert "possibly out of memory" in status.message


def test_workers_lead_their_own_process_group(runner):
    pid = job_pid(runner, runner.submit(SLOW))
    assert os.getpgid(pid) == pid != os.getpgid(0)
