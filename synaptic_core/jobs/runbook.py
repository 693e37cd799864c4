"""Run bookkeeping that every runner shares: ids, queue, events, states, store writes, answers.

Why a separate piece: a runner has two jobs. *Execution* (start a process or a Ray task, pass
it a job, notice that it died, kill it) differs per runner. *Bookkeeping* (number the events,
stamp them, decide what state a run ends in, write to the store in batches, answer
``status``/``events``/``result``/``wait`` for any run, including ones from before a restart)
must be the same everywhere, or the pages would see two runners behave differently. So the
bookkeeping lives here, once, and an executor only reports what happened::

    run = book.open(spec, owner)       # limits checked, store row, queued (submit)
    run = book.reopen(run_id, by)      # an interrupted/failed run queued again (resume)
    run = book.take_next()             # the next run in fair order, if a slot is free
    book.starting(run); book.running(run)
    book.add_event(run, event)         # seq 1, 2, 3... and time added here
    book.ended(run)                    # the target returned: done | failed | stopped
    book.died(run, exitcode=...)       # the process/task is gone without an end
    action = book.cancel(run_id, force, by)  # "dequeued" | "stop" | "kill" | None: the executor acts
    book.expired()                     # [(run_id, force)] past the maximum run time: cancel them
    book.flush_if_due()                # from the executor's loop, at least every FLUSH_SECONDS

The state rules (docs/ARCHITECTURE.md section 5): any ``error`` event makes the run failed
(a NaN run keeps its result); a run whose result says ``stopped`` is stopped; a forced kill
makes it stopped with an ``error`` event of kind "killed"; a death nobody asked for makes it
failed with the reason from :mod:`exits`; a runner that shuts down marks what it had not
finished interrupted, and a book that opens a store marks runs left active there interrupted.
A stop by someone other than the owner (an admin, a teacher, the time limit) says who or why.

The rules of a shared server come from :mod:`policy` (one place for every runner): ``open``
refuses a run over the per-person cap or the model-size limits and every run when the store is
read-only; ``take_next`` takes turns across owners (``policy.fair_order``); ``cancel`` checks
who may stop the run; ``expired`` names runs past the maximum run time.

Threading: every method takes ``lock`` (re-entrant; an executor passes its own lock so its
worker table and the book change together). Store writes other than ``open`` happen in
``flush``, outside the lock, in the order the changes were made; a runner calls ``flush`` from
one thread (its pump), so the store has one writer.

Seam for the queue in the store (issue 9): ``open`` (enqueue), ``take_next`` (pick) and ``_order``
(positions, the queue view) are the only places that know the queue's order.
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

from . import policy
from .base import FINAL, JobStatus
from .exits import death_reason
from .policy import Limits, NotAllowed, RunRefused, TrainingDisabled

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2  # how long events may wait in memory before they are written
FLUSH_EVENTS = 1000  # ...or how many
SHUTDOWN_MESSAGE = "the server shut down before this run finished"
STORE_POLL_SECONDS = 0.2  # wait() on a run this book does not hold reads the store this often
RESUMABLE = frozenset({"interrupted", "failed"})  # a stopped run was stopped on purpose; a done one is done


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
    started: float | None = None  # time.monotonic() when the target was called (the run-time limit)
    stop_reason: str = ""  # the final message when someone else stopped it ("stopped by an admin", the time limit)
    kill_reason: str = ""  # the "killed" error's message when they had to kill it
    limit_hit: float | None = None  # time.monotonic() when the time limit asked it to stop
    pin: int | None = None  # a fixed place in the queue (``enqueue(at=...)``), else its fair turn

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
    limits: the class limits (``policy.Limits``; default from the ``SYNAPTIC_*`` variables). A
        runner may replace ``book.limits`` at any time; new submits and running runs follow it.
    """

    def __init__(self, store: Any, keep_finished: int = 32, recover: bool = True,
                 lock: Any = None, flush_seconds: float = FLUSH_SECONDS, limits: Limits | None = None):
        self.store = store
        self.limits = limits if limits is not None else Limits.from_env()
        self.keep_finished = keep_finished
        self.flush_seconds = flush_seconds
        self.lock = lock if lock is not None else threading.RLock()
        self._changed = threading.Condition(self.lock)
        self._runs: dict[str, Run] = {}
        self._queue: list[Run] = []  # in submission order; ``_order`` says the order they start in
        self._last_start: dict[str | None, int] = {}  # owner -> number of the start that was theirs last
        self._starts = 0
        self._reserved: dict[str | None, int] = {}  # runs being opened, counted against the cap
        self._finished: deque[Run] = deque()
        self._dirty: dict[str, Run] = {}  # runs with events not yet written
        self._ops: list[Callable[[], None]] = []  # store writes other than events, in order
        self._last_flush = time.monotonic()
        self._flush_lock = threading.Lock()  # one flush at a time keeps the store's writes in order
        self.closed = False
        self.read_only = bool(getattr(store, "read_only", False))
        self.interrupted_at_start = store.mark_interrupted() if recover and not self.read_only else 0

    # -- runs and the queue -----------------------------------------------------
    def open(self, spec: Any, owner: str | None = None, run_id: str | None = None) -> Run:
        """Check the limits, create the run in the store (state queued) and queue it.

        Raises ``policy.TrainingDisabled`` (read-only store), ``policy.ModelTooLarge`` (also a
        SpecError) or ``policy.TooManyRuns``, each with a message meant for the person.
        """
        if self.closed:
            raise RuntimeError("this job runner has been shut down")
        self._check_writable()
        spec_json = spec_to_json(spec)
        self._check_size(spec_json)
        self._reserve(owner)
        try:
            run_id = self.store.create_run(spec_json, owner=owner, run_id=run_id)
        finally:
            self._unreserve(owner)
        run = Run(run_id, owner, spec_json, self.store.artifacts_dir(run_id))
        with self.lock:
            if self.closed:  # shut down while we were writing the row
                self.store.set_status(run_id, "interrupted", error=SHUTDOWN_MESSAGE)
                raise RuntimeError("this job runner has been shut down")
            self._runs[run_id] = run
            self._queue.append(run)
        return run

    def reopen(self, run_id: str, by: Any = None) -> Run:
        """Queue an interrupted (or failed) run again, in its own folder, to continue where it stopped.

        The run keeps its id, owner, spec and events (new ones continue its ``seq``); training
        finds the run's checkpoint in its folder and goes on from the last finished epoch.
        KeyError for an unknown run; ``policy.NotAllowed`` when ``by`` may not control it;
        ``policy.RunRefused`` when it is not resumable; the same limits as ``open`` otherwise.
        """
        if self.closed:
            raise RuntimeError("this job runner has been shut down")
        self._check_writable()
        self.flush()  # the run's last state change is in the store before it changes again
        with self.lock:
            held = self._runs.get(run_id)
            if held is not None and not held.finished:
                raise RunRefused(f"Run {run_id} is already {held.state}.", "resumable")
        row = self.store.get_run(run_id)
        if row is None:
            raise KeyError(run_id)
        if not policy.may_control(row["owner"], by):
            raise NotAllowed(f"Only the owner of run {run_id} (or an admin) may resume it.")
        if row["status"] not in RESUMABLE:
            raise RunRefused(f"Run {run_id} is {row['status']}: only an interrupted or failed run can be resumed.",
                             "resumable")
        self._check_size(spec_to_json(row["spec"]))
        self._reserve(row["owner"])
        try:
            events = self.store.events(run_id)
            self.store.reopen_run(run_id)
        finally:
            self._unreserve(row["owner"])
        run = Run(run_id, row["owner"], spec_to_json(row["spec"]), self.store.artifacts_dir(run_id), events=events)
        with self.lock:
            self._runs[run_id] = run
            self._queue.append(run)
            self.add_event(run, {"type": "status", "stage": "starting",
                                 "message": "Resumed: it continues from its last finished epoch."})
        return run

    def _check_writable(self) -> None:
        if self.read_only:
            raise TrainingDisabled(getattr(self.store, "notice", None) or
                                   "The run history is read-only, so training is switched off.", "read_only")

    def _check_size(self, spec_json: str) -> None:
        """The model-size check a page can show before any process starts (``policy.ModelTooLarge``)."""
        from synaptic_core.specs import RunSpec, SpecError

        try:
            spec = RunSpec.from_json(spec_json)
        except SpecError:
            return  # the worker reports a broken spec as the run's error, as before
        try:
            policy.check_model_size(spec, self.limits)
        except RunRefused:
            raise
        except Exception:  # noqa: BLE001 - an estimate that fails must not block training; the worker checks
            log.exception("could not estimate the model size of %s", spec_json)

    def _reserve(self, owner: str | None) -> None:
        """Count a run being opened against its owner's cap (so two quick submits cannot both pass)."""
        with self.lock:
            cap = self.limits.max_runs_per_person
            if owner is not None and cap:
                count = self._reserved.get(owner, 0) + sum(
                    1 for r in self._runs.values() if r.owner == owner and not r.finished)
                if count >= cap:
                    raise policy.too_many_runs(count, self.limits)
            self._reserved[owner] = self._reserved.get(owner, 0) + 1

    def _unreserve(self, owner: str | None) -> None:
        with self.lock:
            self._reserved[owner] -= 1

    def get(self, run_id: str) -> Run | None:
        """The run if this book holds it in memory (active, or finished recently)."""
        with self.lock:
            return self._runs.get(run_id)

    def runs(self) -> list[Run]:
        """The runs held in memory, in the order they were opened."""
        with self.lock:
            return list(self._runs.values())

    def _order(self) -> list[Run]:
        """The queued runs in the order they will start: fair turns (``policy.fair_order``), with
        pinned runs (``enqueue(at=...)``) at their places."""
        free = [r for r in self._queue if r.pin is None]
        order = policy.fair_order(free, lambda r: r.owner, self._last_start)
        for run in sorted((r for r in self._queue if r.pin is not None), key=lambda r: r.pin):
            order.insert(min(run.pin, len(order)), run)
        return order

    def take_next(self) -> Run | None:
        """Remove and return the run that should start next (its owner's turn), or None."""
        with self.lock:
            order = self._order()
            if not order:
                return None
            run = order[0]
            self._remove(run, order)
            self._starts += 1
            self._last_start[run.owner] = self._starts
            return run

    def take(self, run: Run) -> bool:
        """Remove this run from the queue (cancelled, or a scheduler that starts runs in its own order);
        False if absent."""
        with self.lock:
            if run in self._queue:
                self._remove(run, self._order())
                return True
            return False

    def _remove(self, run: Run, order: list[Run]) -> None:
        """Take ``run`` out; pinned runs behind it move up one place."""
        place = order.index(run)
        self._queue.remove(run)
        run.pin = None
        for other in self._queue:
            if other.pin is not None and other.pin > place:
                other.pin -= 1

    def enqueue(self, run: Run, at: int | None = None) -> None:
        """Put a run (back) into the queue: in its fair turn, or pinned at index ``at`` (0: next to start)."""
        with self.lock:
            if run in self._queue:
                self._remove(run, self._order())
            run.state = "queued"
            run.pin = None if at is None else max(0, at)
            self._queue.append(run)

    def position(self, run: Run) -> int:
        """1-based place in the queue (in the order runs will start), 0 when not queued."""
        with self.lock:
            if run.state != "queued" or run not in self._queue:
                return 0
            return self._order().index(run) + 1

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
            run.started = time.monotonic()
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
                self.finish(run, "stopped", run.stop_reason or "stopped by the user")
            else:
                self.finish(run, "done")

    def cancelled_before_start(self, run: Run) -> None:
        """The executor dropped the run before calling the target (its stop flag was already set)."""
        with self.lock:
            if not run.finished:
                self.finish(run, "stopped", _before_start(run.stop_reason))

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
                message = run.kill_reason or message
            elif reason is not None:
                kind, message = reason
            else:
                kind, message = death_reason(exitcode, forced=False)
            self.add_event(run, {"type": "error", "kind": kind, "message": message})
            self.finish(run, "stopped" if run.kill_requested else "failed", f"{kind}: {message}")

    def cancel(self, run_id: str, force: bool = False, by: Any = None) -> str | None:
        """Record a cancel and say what the executor must do.

        "dequeued": a queued run left the queue and is stopped (nothing to do);
        "stop": set the run's stop flag (graceful, within one batch);
        "kill": kill its process/task (``force``, or a second cancel), then report ``died``;
        None: nothing to cancel (unknown here, or already final).

        ``by``: who asks (``policy.Actor``, an owner id, or None for the trusted local caller);
        ``policy.NotAllowed`` when they may not control the run (``policy.may_control``). A stop
        by someone else than the owner says who stopped it in the run's message and events.
        """
        with self.lock:
            run = self._runs.get(run_id)
            if run is None or run.finished:
                return None
            if not policy.may_control(run.owner, by):
                raise NotAllowed(f"Only the owner of run {run_id} (or an admin or their teacher) may stop it.")
            if policy.stranger(run.owner, by) and not run.stop_reason:
                label = policy.as_actor(by).label
                run.stop_reason = f"stopped by {label}"
                run.kill_reason = f"the run was stopped by force by {label}, so it has no result"
                if run.state != "queued":
                    self.add_event(run, {"type": "status", "stage": "training", "message": run.stop_reason})
            if run.state == "queued":
                self.take(run)
                self.finish(run, "stopped", _before_start(run.stop_reason))
                return "dequeued"
            if force or run.stop_requested:
                run.kill_requested = True
                run.message = "killing the job's process"
                return "kill"
            run.stop_requested = True
            run.message = "stopping after the current batch"
            return "stop"

    def expired(self, now: float | None = None) -> list[tuple[str, bool]]:
        """Runs past the maximum run time, as ``(run_id, force)`` for the executor to cancel with
        ``by=policy.LIMITS``: first a graceful stop (with a message saying why), then, if the run
        is still going ``stop_grace_s`` later, a kill. Call it from the executor's loop."""
        limit = self.limits.max_run_s
        if not limit:
            return []
        now = time.monotonic() if now is None else now
        out: list[tuple[str, bool]] = []
        with self.lock:
            for run in self._runs.values():
                if run.state != "running" or run.started is None or run.kill_requested:
                    continue
                if run.limit_hit is None and now - run.started >= limit:
                    run.limit_hit = now
                    why = f"the run reached the maximum run time of {policy.minutes(limit)} ({policy.ENV_MAX_MINUTES})"
                    run.stop_reason = f"stopped: {why}"
                    run.kill_reason = (f"{why} and did not stop within {policy.minutes(self.limits.stop_grace_s)}, "
                                       "so it was killed and has no result")
                    self.add_event(run, {"type": "status", "stage": "training", "message": run.stop_reason})
                    out.append((run.run_id, run.stop_requested))  # already asked to stop: this is the kill
                elif run.limit_hit is not None and now - run.limit_hit >= self.limits.stop_grace_s:
                    out.append((run.run_id, True))
        return out

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
        """``{"running": [(run_id, owner)], "queued": [(run_id, owner)], "max_jobs": n}``; queued in the
        order the runs will start."""
        with self.lock:
            running = [(r.run_id, r.owner) for r in self._runs.values() if r.state in ("starting", "running")]
            queued = [(r.run_id, r.owner) for r in self._order()]
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
                old = self._finished.popleft()
                if self._runs.get(old.run_id) is old:  # not a resumed run that took its place
                    del self._runs[old.run_id]


def _before_start(stop_reason: str) -> str:
    """The message of a run cancelled before it started: "cancelled before it started (stopped by an admin)"."""
    return f"cancelled before it started ({stop_reason})" if stop_reason else "cancelled before it started"


class BookedRunner:
    """The half of a ``JobRunner`` that only reads the book; a runner inherits it and adds
    ``submit``, ``cancel``, ``device`` and ``shutdown`` (its execution). Needs ``self.book``
    and ``self.max_jobs``; ``resume`` needs ``_dispatch()`` (or an override of ``_kick``), and
    the executor's loop calls ``enforce_limits()`` at least once a second while runs are active."""

    book: RunBook
    max_jobs: int

    def resume(self, run_id: str, by: Any = None) -> str:
        """Queue an interrupted or failed run again; it continues from its last finished epoch
        (see ``RunBook.reopen``). Returns the run id (the same one)."""
        self.book.reopen(run_id, by)
        self._kick()
        return run_id

    def _kick(self) -> None:
        """Start what the queue holds now (after ``resume``)."""
        self.book.flush()
        self._dispatch()  # type: ignore[attr-defined]

    def enforce_limits(self) -> None:
        """Stop (then kill) runs past the maximum run time, through this runner's own ``cancel``."""
        for run_id, force in self.book.expired():
            try:
                self.cancel(run_id, force=force, by=policy.LIMITS)  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - one run that cannot be stopped must not stop the loop
                log.exception("could not stop run %s at the time limit", run_id)

    @property
    def limits(self) -> Limits:
        """The limits this runner applies (``policy.Limits``); assign to change them."""
        return self.book.limits

    @limits.setter
    def limits(self, value: Limits) -> None:
        self.book.limits = value

    @property
    def read_only(self) -> bool:
        """True when the store cannot take runs: submit raises ``policy.TrainingDisabled``."""
        return self.book.read_only

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
