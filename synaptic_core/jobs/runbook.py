"""Run bookkeeping that every runner shares: ids, queue, events, states, store writes, answers.

Why a separate piece: a runner has two jobs. *Execution* (start a process or a Ray task, pass
it a job, notice that it died, kill it) differs per runner. *Bookkeeping* (number the events,
stamp them, decide what state a run ends in, write to the store in batches, answer
``status``/``events``/``result``/``wait`` for any run, including ones from before a restart)
must be the same everywhere, or the pages would see two runners behave differently. So the
bookkeeping lives here, once, and an executor only reports what happened::

    run = book.open(spec, owner)       # store row + FIFO queue          (submit)
    run = book.take_next()             # the next queued run, if a slot is free
    book.starting(run); book.running(run)
    book.add_event(run, event)         # seq 1, 2, 3... and time added here
    book.ended(run)                    # the target returned: done | failed | stopped
    book.died(run, exitcode=...)       # the process/task is gone without an end
    action = book.cancel(run_id, force)  # "dequeued" | "stop" | "kill" | None: the executor acts
    book.flush_if_due()                # from the executor's loop, at least every FLUSH_SECONDS

The state rules (docs/ARCHITECTURE.md section 5): any ``error`` event makes the run failed
(a NaN run keeps its result); a run whose result says ``stopped`` is stopped; a forced kill
makes it stopped with an ``error`` event of kind "killed"; a death nobody asked for makes it
failed with the reason from :mod:`exits`; a runner that shuts down marks what it had not
finished interrupted, and a book that opens a store marks runs left active there interrupted.

Threading: every method takes ``lock`` (re-entrant; an executor passes its own lock so its
worker table and the book change together). Store writes other than ``open`` happen in
``flush``, outside the lock, in the order the changes were made; a runner calls ``flush`` from
one thread (its pump), so the store has one writer.

Seam for the queue in the store and fair scheduling (issues 9/11): ``open`` (enqueue),
``take_next`` (pick) and ``position`` are the only places that know the queue's order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from synaptic_core.store.runstore import spec_to_json

from .base import FINAL, JobStatus
from .exits import death_reason

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2  # how long events may wait in memory before they are written
FLUSH_EVENTS = 1000  # ...or how many
SHUTDOWN_MESSAGE = "the server shut down before this run finished"
STORE_POLL_SECONDS = 0.2  # wait() on a run this book does not hold reads the store this often


@dataclass(eq=False)
class Run:
    """One run as a book holds it in memory. ``handle`` is the executor's (a worker, a task ref)."""

    run_id: str
    owner: str | None
    spec_json: str
    workdir: Path
    state: str = "queued"
    message: str = ""
    events: list[dict] = field(default_factory=list)  # events[i]["seq"] == i + 1
    unsaved: list[dict] = field(default_factory=list)
    result: dict | None = None
    error: str | None = None  # "kind: message" of the first error event
    stop_requested: bool = False
    kill_requested: bool = False
    final_written: bool = False
    handle: Any = None

    @property
    def finished(self) -> bool:
        return self.state in FINAL


class RunBook:
    """The bookkeeping of one runner; see the module docstring.

    store: a ``RunStore`` (the only thing written to).
    keep_finished: finished runs kept in memory (older ones are answered from the store).
    recover: mark runs the store has as queued/starting/running interrupted (a previous server
        died with them); False for short-lived runners (the CLI) sharing a store with a server.
    lock: the executor's lock, if it wants its own state and the book's to change together.
    """

    def __init__(self, store: Any, keep_finished: int = 32, recover: bool = True,
                 lock: Any = None, flush_seconds: float = FLUSH_SECONDS):
        self.store = store
        self.keep_finished = keep_finished
        self.flush_seconds = flush_seconds
        self.lock = lock if lock is not None else threading.RLock()
        self._changed = threading.Condition(self.lock)
        self._runs: dict[str, Run] = {}
        self._queue: deque[Run] = deque()
        self._finished: deque[Run] = deque()
        self._dirty: dict[str, Run] = {}  # runs with events not yet written
        self._ops: list[Callable[[], None]] = []  # store writes other than events, in order
        self._last_flush = time.monotonic()
        self._flush_lock = threading.Lock()  # one flush at a time keeps the store's writes in order
        self.closed = False
        self.interrupted_at_start = store.mark_interrupted() if recover else 0

    # -- runs and the queue -----------------------------------------------------
    def open(self, spec: Any, owner: str | None = None, run_id: str | None = None) -> Run:
        """Create the run in the store (state queued) and put it at the end of the queue."""
        if self.closed:
            raise RuntimeError("this job runner has been shut down")
        spec_json = spec_to_json(spec)
        run_id = self.store.create_run(spec_json, owner=owner, run_id=run_id)
        run = Run(run_id, owner, spec_json, self.store.artifacts_dir(run_id))
        with self.lock:
            if self.closed:  # shut down while we were writing the row
                self.store.set_status(run_id, "interrupted", error=SHUTDOWN_MESSAGE)
                raise RuntimeError("this job runner has been shut down")
            self._runs[run_id] = run
            self._queue.append(run)
        return run

    def get(self, run_id: str) -> Run | None:
        """The run if this book holds it in memory (active, or finished recently)."""
        with self.lock:
            return self._runs.get(run_id)

    def runs(self) -> list[Run]:
        """The runs held in memory, in the order they were opened."""
        with self.lock:
            return list(self._runs.values())

    def take_next(self) -> Run | None:
        """Remove and return the run that should start next (FIFO), or None."""
        with self.lock:
            return self._queue.popleft() if self._queue else None

    def take(self, run: Run) -> bool:
        """Remove this run from the queue (a scheduler that starts runs in its own order); False if absent."""
        with self.lock:
            if run in self._queue:
                self._queue.remove(run)
                return True
            return False

    def enqueue(self, run: Run, at: int | None = None) -> None:
        """Put a run (back) into the queue: at the end, or at index ``at`` (0: next to start)."""
        with self.lock:
            if run in self._queue:
                self._queue.remove(run)
            run.state = "queued"
            if at is None:
                self._queue.append(run)
            else:
                self._queue.insert(max(0, at), run)

    def position(self, run: Run) -> int:
        """1-based place in the queue, 0 when not queued."""
        with self.lock:
            return self._queue.index(run) + 1 if run.state == "queued" and run in self._queue else 0

    # -- what the executor reports ------------------------------------------------
    def starting(self, run: Run, message: str = "") -> None:
        """The run was handed to a process/task that has not yet started the target."""
        with self.lock:
            run.state, run.message = "starting", message
            self._ops.append(lambda r=run.run_id: self.store.set_status(r, "starting"))

    def running(self, run: Run) -> None:
        """The target has been called."""
        with self.lock:
            if run.finished:
                return
            run.state = "running"
            self._ops.append(lambda r=run.run_id: self.store.set_status(r, "running"))

    def say(self, run: Run, message: str) -> None:
        """Change what ``status().message`` says about an active run."""
        with self.lock:
            run.message = message

    def add_event(self, run: Run, event: dict) -> dict | None:
        """Number (``seq``), stamp (``time``) and keep an event; note errors and the result.

        Events that arrive after the run is final (a message cut short by a kill) are dropped.
        """
        with self.lock:
            if run.finished:
                return None
            event["seq"] = len(run.events) + 1
            event["time"] = time.time()
            run.events.append(event)
            run.unsaved.append(event)
            self._dirty[run.run_id] = run
            if event["type"] == "error" and run.error is None:
                run.error = f"{event.get('kind', 'crash')}: {event.get('message', '')}"
            elif event["type"] == "result":
                run.result = {k: v for k, v in event.items() if k not in ("type", "seq", "time")}
            return event

    def ended(self, run: Run) -> None:
        """The target returned (or raised, already turned into an error event): settle the state."""
        with self.lock:
            if run.finished:
                return
            if run.error is not None:
                self.finish(run, "failed", run.error)
            elif run.result is None:
                self.finish(run, "failed", "crash: the job ended without a result")
            elif run.result.get("stopped"):
                self.finish(run, "stopped", "stopped by the user")
            else:
                self.finish(run, "done")

    def cancelled_before_start(self, run: Run) -> None:
        """The executor dropped the run before calling the target (its stop flag was already set)."""
        with self.lock:
            if not run.finished:
                self.finish(run, "stopped", "cancelled before it started")

    def died(self, run: Run, exitcode: int | None = None, reason: tuple[str, str] | None = None) -> None:
        """The process or task running ``run`` is gone without ending it.

        A kill that was asked for makes the run stopped (kind "killed"); otherwise it failed,
        with ``reason`` (``(kind, message)``) when the executor knows better than the exit code.
        """
        with self.lock:
            if run.finished:
                return
            if run.kill_requested:
                kind, message = death_reason(exitcode, forced=True)
            elif reason is not None:
                kind, message = reason
            else:
                kind, message = death_reason(exitcode, forced=False)
            self.add_event(run, {"type": "error", "kind": kind, "message": message})
            self.finish(run, "stopped" if run.kill_requested else "failed", f"{kind}: {message}")

    def cancel(self, run_id: str, force: bool = False) -> str | None:
        """Record a cancel and say what the executor must do.

        "dequeued": a queued run left the queue and is stopped (nothing to do);
        "stop": set the run's stop flag (graceful, within one batch);
        "kill": kill its process/task (``force``, or a second cancel), then report ``died``;
        None: nothing to cancel (unknown here, or already final).
        """
        with self.lock:
            run = self._runs.get(run_id)
            if run is None or run.finished:
                return None
            if run.state == "queued":
                self.take(run)
                self.finish(run, "stopped", "cancelled before it started")
                return "dequeued"
            if force or run.stop_requested:
                run.kill_requested = True
                run.message = "killing the job's process"
                return "kill"
            run.stop_requested = True
            run.message = "stopping after the current batch"
            return "stop"

    def finish(self, run: Run, state: str, message: str = "") -> None:
        """Make ``run`` final (the store write is queued for the next flush) and wake waiters."""
        with self.lock:
            run.state, run.message = state, message
            self.take(run)
            result = dict(run.result) if run.result is not None else None

            def write() -> None:
                if result is not None:
                    self.store.set_result(run.run_id, result, status=state, error=message or None)
                else:
                    self.store.set_status(run.run_id, state, error=message or None)
                run.final_written = True

            self._ops.append(write)
            self._finished.append(run)
            self._changed.notify_all()

    def close(self) -> None:
        """No more ``open``: the runner is shutting down."""
        with self.lock:
            self.closed = True

    def interrupt_all(self, message: str = SHUTDOWN_MESSAGE) -> None:
        """Mark every run this book has not finished interrupted (the runner is shutting down)."""
        with self.lock:
            for run in list(self._runs.values()):
                if not run.finished:
                    self.finish(run, "interrupted", message)
            self._queue.clear()

    # -- answers (any thread) ---------------------------------------------------------
    def status(self, run_id: str) -> JobStatus:
        """Where a run stands; raises KeyError for an id neither in memory nor in the store."""
        with self.lock:
            run = self._runs.get(run_id)
            if run is not None:
                position = self.position(run)
                message = run.message or (f"{position - 1} run(s) ahead in the queue" if position else "")
                return JobStatus(run_id, run.state, position, message, run.owner)
        row = self.store.get_run(run_id)
        if row is None:
            raise KeyError(run_id)
        return JobStatus(run_id, row["status"], 0, row["error"] or "", row["owner"])

    def events(self, run_id: str, since: int = 0) -> list[dict]:
        """The run's events with ``seq > since``, in order (from memory, else from the store)."""
        since = max(0, int(since))
        with self.lock:
            run = self._runs.get(run_id)
            if run is not None:
                return [dict(e) for e in run.events[since:]]
        return self.store.events(run_id, since)

    def result(self, run_id: str) -> dict | None:
        """The result dict (with ``run_id``), or None while running / when the run has none."""
        with self.lock:
            run = self._runs.get(run_id)
            if run is not None:
                return dict(run.result) if run.result is not None else None
        row = self.store.get_run(run_id)
        return row["result"] if row else None

    def wait(self, run_id: str, timeout: float | None = None) -> JobStatus:
        """Block until the run is final or ``timeout`` seconds have passed; return its status.

        A run held in memory wakes the caller the moment it ends; any other run (another
        process's) is re-read from the store every ``STORE_POLL_SECONDS``. KeyError if unknown.
        """
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        with self._changed:
            run = self._runs.get(run_id)
            if run is not None:
                self._changed.wait_for(lambda: run.finished, timeout=None if deadline is None
                                       else max(0.0, deadline - time.monotonic()))
                return self.status(run_id)
        status = self.status(run_id)
        while not status.finished:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            time.sleep(STORE_POLL_SECONDS if left is None else min(STORE_POLL_SECONDS, left))
            status = self.status(run_id)
        return status

    def queue_view(self, max_jobs: int) -> dict:
        """``{"running": [(run_id, owner)], "queued": [(run_id, owner)], "max_jobs": n}``."""
        with self.lock:
            running = [(r.run_id, r.owner) for r in self._runs.values() if r.state in ("starting", "running")]
            queued = [(r.run_id, r.owner) for r in self._queue]
        return {"running": running, "queued": queued, "max_jobs": max_jobs}

    # -- store writes (one thread: the runner's pump, or shutdown) ---------------------
    def pending(self) -> bool:
        """True while something waits to be written."""
        with self.lock:
            return bool(self._ops or self._dirty)

    def flush_if_due(self) -> None:
        """Write when a status change waits, or events have waited ``flush_seconds`` (or are many)."""
        with self.lock:
            unsaved = sum(len(r.unsaved) for r in self._dirty.values())
            due = bool(self._ops) or (unsaved and (unsaved >= FLUSH_EVENTS
                                                   or time.monotonic() - self._last_flush >= self.flush_seconds))
        if due:
            self.flush()

    def flush(self) -> None:
        """Write pending events (one transaction per run), then status changes in order;
        then forget the oldest finished runs beyond ``keep_finished`` (the store has them).
        Safe from several threads: flushes do not overlap, so writes keep the order of the changes."""
        with self._flush_lock:
            self._flush()

    def _flush(self) -> None:
        with self.lock:
            batches = [(r.run_id, r.unsaved) for r in self._dirty.values()]
            for run in self._dirty.values():
                run.unsaved = []
            self._dirty.clear()
            ops, self._ops = self._ops, []
            self._last_flush = time.monotonic()
        for run_id, events in batches:
            try:
                self.store.add_events(run_id, events)
            except Exception:  # noqa: BLE001 - keep the run alive; memory still has the events
                log.exception("could not store %d events of run %s", len(events), run_id)
        for op in ops:
            try:
                op()
            except Exception:  # noqa: BLE001
                log.exception("could not store a status change")
        with self.lock:
            while len(self._finished) > self.keep_finished and self._finished[0].final_written:
                self._runs.pop(self._finished.popleft().run_id, None)


class BookedRunner:
    """The half of a ``JobRunner`` that only reads the book; a runner inherits it and adds
    ``submit``, ``cancel``, ``device`` and ``shutdown`` (its execution). Needs ``self.book``
    and ``self.max_jobs``."""

    book: RunBook
    max_jobs: int

    @property
    def store(self) -> Any:
        return self.book.store

    @property
    def interrupted_at_start(self) -> int:
        return self.book.interrupted_at_start

    def status(self, run_id: str) -> JobStatus:
        """Where a run stands; raises KeyError for an unknown id."""
        return self.book.status(run_id)

    def events(self, run_id: str, since: int = 0) -> list[dict]:
        """The run's events with ``seq > since``, in order."""
        return self.book.events(run_id, since)

    def result(self, run_id: str) -> dict | None:
        """The result dict, or None while running / when the run has none."""
        return self.book.result(run_id)

    def wait(self, run_id: str, timeout: float | None = None) -> JobStatus:
        """Block until the run is final or ``timeout`` passes; its status either way."""
        return self.book.wait(run_id, timeout)

    def queue(self) -> dict:
        """``{"running": [(run_id, owner)], "queued": [(run_id, owner)], "max_jobs": n}``."""
        return self.book.queue_view(self.max_jobs)
