"""A job runner without processes, for AppTest and the runner contract suite.

``FakeRunner`` keeps its runs in the real ``RunBook`` over a real ``RunStore`` (a temporary
one unless given), so it follows the same state rules, numbering and store rows as every other
runner; only execution is faked. Two ways to use it:

* **scripted** (``target=None``, what the AppTests use): nothing runs. Tests put runs in any
  state with ``add_run`` (events, result, queue position, message are taken as given) and read
  back what the page did (``submitted``, ``cancelled``). A submitted run stays queued; a Stop
  only records the request; a kill (second Stop) ends the run as killed, as a real runner would.
* **threaded** (``target="module:function"``, a ``TargetConfig`` or a callable): each run's target
  runs in a thread of this process, ``max_jobs`` at a time, through the same ``run_target`` the
  worker processes use. A forced cancel cannot kill a thread: the run is reported killed at once
  and whatever the thread emits afterwards is dropped. ``die(run_id)`` simulates a process that
  died without being asked to.

Inject it before the first ``AppTest.run()``::

    at.session_state["synaptic_runner"] = runner
    at.session_state["synaptic_store"] = runner.store
"""

from __future__ import annotations

import itertools
import os
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

from synaptic_core.jobs import FINAL, BookedRunner, Run, RunBook, TargetConfig
from synaptic_core.jobs.target import load, run_target
from synaptic_core.specs import RunSpec
from synaptic_core.store import RunStore

OTHERS = "someone-else"  # owner of the runs that fill a scripted queue ahead of a position


def temp_store() -> RunStore:
    """A fresh store under ``$SYNAPTIC_HOME`` (a per-test-session folder, see tests/conftest.py)."""
    home = os.environ.get("SYNAPTIC_HOME")
    if home:
        Path(home).mkdir(parents=True, exist_ok=True)
    return RunStore(Path(tempfile.mkdtemp(prefix="fake-runner-", dir=home)) / "runs.db")


class _ThreadSink:
    """The ``Sink`` of a threaded run: events go to the book until the run is killed."""

    def __init__(self, runner: "FakeRunner", run: Run):
        self.runner, self.run, self.dead = runner, run, False

    def emit(self, event: dict) -> None:
        if "type" not in event:
            raise ValueError(f"an event needs a 'type': {event!r}")
        with self.runner.book.lock:
            if not self.dead:
                self.runner.book.add_event(self.run, dict(event))
        self.runner.enforce_limits()  # the run-time limit, checked at each event (threads have no pump)
        self.runner.book.flush_if_due()

    def should_stop(self) -> bool:
        return self.dead or self.run.stop_requested


class FakeRunner(BookedRunner):
    """A ``JobRunner`` whose bookkeeping is real and whose execution is scripted or a thread."""

    def __init__(self, max_jobs: int = 2, device: dict | None = None, store: RunStore | None = None,
                 target: str | TargetConfig | Callable[..., Any] | None = None, recover: bool = True):
        self.max_jobs = max_jobs
        self.device_info = device
        self.submitted: list[tuple[Any, str | None]] = []
        self.cancelled: list[tuple[str, bool]] = []
        self.book = RunBook(store if store is not None else temp_store(), keep_finished=10**6,
                            recover=recover, flush_seconds=0.0)
        self._target = None if target is None else target if callable(target) else load(TargetConfig.of(target))
        self._specs: dict[str, Any] = {}
        self._created: dict[str, float] = {}
        self._others: list[str] = []  # other people's queued runs (extra_queue, queue fillers)
        self._busy: set[str] = set()
        self._ids = itertools.count(1)
        self._closed = False

    # -- scripting ----------------------------------------------------------------------
    def add_run(self, run_id: str, state: str, events: list[dict] | None = None, result: dict | None = None,
                spec: RunSpec | None = None, owner: str | None = "me", position: int = 0,
                message: str = "") -> None:
        """A run in ``state`` with these events (``seq`` 1..n added) and result; a queued run is put
        at ``position`` (other people's runs fill the places ahead). Adding an id again rescripts it."""
        spec = spec if spec is not None else self._specs.get(run_id, RunSpec())
        run = self.book.get(run_id) or self._open(spec, owner, run_id)
        self._specs[run_id] = spec
        with self.book.lock:
            self.book.take(run)
            run.owner, run.message, run.error = owner, message, None
            run.events[:] = [{**e, "seq": i + 1, "time": float(i)} for i, e in enumerate(events or [])]
            run.unsaved = []
            run.result = dict(result) if result is not None else None
            run.state = state
        if state == "queued":
            ahead = len(self.book.queue_view(self.max_jobs)["queued"])
            for _ in range(max(0, position - 1 - ahead)):
                self._other_run(f"other{next(self._ids)}", OTHERS)
            self.book.enqueue(run, at=position - 1 if position else None)
        self.store.add_events(run_id, run.events)
        if state in FINAL:
            self.book.finish(run, state, message)
        else:
            self.store.set_status(run_id, state, error=message or None)
        self.book.flush()

    @property
    def extra_queue(self) -> list[tuple[str, str | None]]:
        """Other people's queued runs, ``[(run_id, owner)]``; setting it queues them."""
        return [(r, self.book.get(r).owner) for r in self._others]

    @extra_queue.setter
    def extra_queue(self, runs: list[tuple[str, str | None]]) -> None:
        for run_id, owner in runs:
            self._other_run(run_id, owner)

    @property
    def runs(self) -> dict[str, dict[str, Any]]:
        """This test's runs (not other people's): state, events (the live list), result, spec, ..."""
        out = {}
        for run in self.book.runs():
            if run.run_id in self._others:
                continue
            out[run.run_id] = {"state": run.state, "events": run.events, "result": run.result,
                               "spec": self._spec(run), "owner": run.owner, "position": self.book.position(run),
                               "message": run.message, "created": self._created[run.run_id]}
        return out

    def die(self, run_id: str, exitcode: int | None = -9, reason: tuple[str, str] | None = None) -> None:
        """The run's (pretend) process is gone without ending the run: same rules as a real death."""
        run = self.book.get(run_id)
        with self.book.lock:
            if isinstance(run.handle, _ThreadSink):
                run.handle.dead = True
            self._busy.discard(run_id)
            self.book.died(run, exitcode=exitcode, reason=reason)
        self.book.flush()
        self._dispatch()

    # -- JobRunner (status, events, result, wait, queue: BookedRunner) --------------------
    def submit(self, spec: Any, owner: str | None = None) -> str:
        if self._closed:
            raise RuntimeError("this job runner has been shut down")
        self.submitted.append((spec, owner))
        run = self._open(spec, owner, f"fake{next(self._ids)}")
        if self._target is None:
            self.book.add_event(run, {"type": "status", "stage": "starting", "message": "queued"})
        self.book.flush()
        self._dispatch()
        return run.run_id

    def cancel(self, run_id: str, force: bool = False, by: Any = None) -> bool:
        self.cancelled.append((run_id, force))
        action = self.book.cancel(run_id, force, by)
        if action == "kill":
            self.die(run_id, exitcode=None)
        self.book.flush()
        self._dispatch()
        return action is not None

    def device(self) -> dict | None:
        return self.device_info

    def shutdown(self) -> None:
        with self.book.lock:
            if self._closed:
                return
            self._closed = True
            self.book.close()
            for run in self.book.runs():
                if isinstance(run.handle, _ThreadSink):
                    run.handle.dead = True
            self.book.interrupt_all()
        self.book.flush()

    # -- execution (threaded mode) ----------------------------------------------------------
    def _dispatch(self) -> None:
        if self._target is None:
            return
        with self.book.lock:
            while len(self._busy) < self.max_jobs and not self._closed:
                run = self.book.take_next()
                if run is None:
                    break
                self._busy.add(run.run_id)
                self.book.starting(run)
                run.handle = sink = _ThreadSink(self, run)
                threading.Thread(target=self._execute, args=(run, sink), name=f"fake-run-{run.run_id}",
                                 daemon=True).start()

    def _execute(self, run: Run, sink: _ThreadSink) -> None:
        self.book.running(run)
        run_target(self._target, run.run_id, run.spec_json, run.workdir, sink)
        with self.book.lock:
            if not sink.dead:
                sink.dead = True
                self._busy.discard(run.run_id)
                self.book.ended(run)
        self.book.flush()
        self._dispatch()

    # -- helpers ----------------------------------------------------------------------------
    def _open(self, spec: Any, owner: str | None, run_id: str) -> Run:
        run = self.book.open(spec, owner, run_id=run_id)
        self._specs[run_id] = spec
        self._created[run_id] = self.store.get_run(run_id)["created"]
        return run

    def _other_run(self, run_id: str, owner: str | None) -> None:
        self._open(RunSpec(), owner, run_id)
        self._others.append(run_id)

    def _spec(self, run: Run) -> RunSpec:
        spec = self._specs.get(run.run_id)
        return spec if isinstance(spec, RunSpec) else RunSpec.from_json(run.spec_json)
