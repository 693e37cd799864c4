"""The runners the contract suite runs against, and their fixtures.

Every test in this folder takes the ``kind`` fixture and runs once per entry of ``KINDS``.
To put a new runner under the contract, add ONE entry: a ``RunnerKind`` whose ``make(store,
max_jobs, recover)`` returns the runner with the contract target (``CONTRACT_TARGET``), and a
``kill_worker(runner, run_id)`` that ends the run's process/task from outside as the OOM killer
would. For example, the Ray runner of issue 12::

    RunnerKind("ray", make=lambda store, max_jobs, recover=True: RayJobRunner(
                   store, max_jobs=max_jobs, target=CONTRACT_TARGET, recover=recover),
               kill_worker=kill_announced_pid,   # Ray workers are processes too
               skip=lambda: None if importlib.util.find_spec("ray") else "ray is not installed"),

A kind that needs a session-wide service names its session fixtures in ``fixtures`` (the Ray
kind: ``ray_session``, one ``ray.init(num_cpus=2)`` for the whole test session). One runner per
kind is shared by the module (``runner``, two slots); cases that need their own (one slot, a
restart) call ``make_runner``.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

from synaptic_core.jobs import LocalJobRunner, TargetConfig
from synaptic_core.store import RunStore

from targets import CONTRACT_DIR, pid_of

APP_TESTS = str(Path(__file__).resolve().parents[1] / "app")
if APP_TESTS not in sys.path:
    sys.path.insert(0, APP_TESTS)

from fakes import FakeRunner  # noqa: E402

CONTRACT_TARGET = TargetConfig(target="targets:contract", warm=(), probe=None, sys_path=(CONTRACT_DIR,))


def kill_announced_pid(runner: Any, run_id: str) -> None:
    """SIGKILL the process the run announced in its first event (nobody asked the runner to)."""
    os.kill(pid_of(runner.events(run_id)), signal.SIGKILL)


@dataclass(frozen=True)
class RunnerKind:
    """One runner under the contract (see the module docstring)."""

    name: str
    make: Callable[..., Any]  # make(store, max_jobs, recover=True) -> JobRunner with CONTRACT_TARGET
    kill_worker: Callable[[Any, str], None]  # end the run's process/task from outside
    real_train: bool = True  # False: the case with real TensorFlow training is skipped
    skip: Callable[[], str | None] = lambda: None  # a reason to skip this kind here (an extra not installed)
    fixtures: tuple[str, ...] = ()  # session fixtures the kind needs (started only when the kind runs)


def _local(store: RunStore, max_jobs: int, recover: bool = True) -> LocalJobRunner:
    return LocalJobRunner(store, max_jobs=max_jobs, target=CONTRACT_TARGET, extra_spares=1, recover=recover)


def _fake(store: RunStore, max_jobs: int, recover: bool = True) -> FakeRunner:
    return FakeRunner(store=store, max_jobs=max_jobs, target=CONTRACT_TARGET, recover=recover)


def _ray(store: RunStore, max_jobs: int, recover: bool = True) -> Any:
    from synaptic_core.jobs.ray_runner import RayJobRunner  # Ray is an optional extra

    return RayJobRunner(store, max_jobs=max_jobs, target=CONTRACT_TARGET, recover=recover)


KINDS = [
    RunnerKind("local", _local, kill_announced_pid),
    # threads in this process: no process to kill (die() reports the same death) and no TensorFlow here
    RunnerKind("fake", _fake, lambda runner, run_id: runner.die(run_id), real_train=False),
    # a Ray worker is a process on this machine: SIGKILL it as the OOM killer would
    RunnerKind("ray", _ray, kill_announced_pid,
               skip=lambda: None if importlib.util.find_spec("ray") else
               "ray is not installed (optional extra: pip install -r requirements-ray.txt)",
               fixtures=("ray_session",)),
]


@pytest.fixture(scope="session")
def ray_session():
    """One local Ray for the whole test session (starting one costs seconds), stopped at the end.
    Its node has a custom resource, ``contract_node``, for the placement cases (test_ray_runner.py)."""
    import ray

    ray.init(address="local", num_cpus=2, resources={"contract_node": 1}, include_dashboard=False,
             log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module", params=KINDS, ids=[k.name for k in KINDS])
def kind(request) -> RunnerKind:
    reason = request.param.skip()
    if reason:
        pytest.skip(reason)
    for name in request.param.fixtures:
        request.getfixturevalue(name)
    return request.param


@pytest.fixture(scope="module")
def runner(kind: RunnerKind, tmp_path_factory):
    """The kind's shared runner: two slots, its own store."""
    shared = kind.make(RunStore(tmp_path_factory.mktemp(kind.name) / "runs.db"), max_jobs=2)
    yield shared
    shared.shutdown()


@pytest.fixture(autouse=True)
def _leave_no_run_behind(request):
    """After each case, kill what a case left running on the shared runner so slots stay free."""
    yield
    if "runner" not in request.fixturenames:
        return
    shared = request.getfixturevalue("runner")
    view = shared.queue()
    for run_id, _ in view["running"] + view["queued"]:
        shared.cancel(run_id, force=True)
        shared.wait(run_id, timeout=10)


@pytest.fixture
def make_runner(kind: RunnerKind, tmp_path):
    """``make_runner(max_jobs=1, store=None, recover=True)``: a runner of this kind for one case."""
    made = []

    def make(max_jobs: int = 1, store: RunStore | None = None, recover: bool = True):
        runner = kind.make(store or RunStore(tmp_path / "runs.db"), max_jobs=max_jobs, recover=recover)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.shutdown()
