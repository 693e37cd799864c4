"""LocalJobRunner: jobs in spawned processes on this machine, a concurrency limit, a FIFO queue.

Shape of the thing:

* ``max_jobs`` worker processes are kept alive. Each is spawned as a *spare* that warms
  up (imports TensorFlow for the real target) before any job exists, takes exactly one
  job, and exits; its slot is refilled with a new spare at once. So a submitted job
  normally lands on a warm process and its first metric is not 3-5 s of imports away.
* Jobs beyond the free workers wait in a FIFO queue.
* One *pump* thread in the parent waits on every worker's Pipe and process sentinel.
  It numbers events (``seq`` 1, 2, 3... per run) and stamps ``time``, keeps them in
  memory for ``events()``, and is the only thread that writes to the store: events in
  batches (one transaction every ~0.2 s), status changes in the order they happened.
* A process that dies without a result (a forced cancel, the OOM killer, a segfault)
  is noticed through its sentinel; its run fails (or stops, when forced) with the reason.

Runs that are no longer in memory (finished long ago, or from before a restart) are
answered from the store, so ``status``/``events``/``result`` work for any run id.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import multiprocessing as mp
import os
import sys
import threading
import time
import types
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, Callable, Iterator

from synaptic_core.store import RunStore
from synaptic_core.store.runstore import spec_to_json

from .base import FINAL, JobStatus
from .exits import death_reason
from .target import TargetConfig
from . import worker as _worker_module

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2  # how long events may wait in memory before they are written
FLUSH_EVENTS = 1000  # ...or how many
IDLE_WAIT = 1.0  # pump wake-up when nothing is pending (respawn back-off checks)
SHUTDOWN_MESSAGE = "the server shut down before this run finished"


def resolve_max_jobs(max_jobs: int | None = None) -> int:
    """``max_jobs``, else ``$SYNAPTIC_MAX_JOBS``, else half the logical cores (at least 1)."""
    if max_jobs is None:
        env = os.environ.get("SYNAPTIC_MAX_JOBS", "").strip()
        if env:
            try:
                max_jobs = int(env)
            except ValueError:
                raise ValueError(f"SYNAPTIC_MAX_JOBS must be a whole number, not {env!r}") from None
        else:
            max_jobs = max(1, (os.cpu_count() or 1) // 2)
    if max_jobs < 1:
        raise ValueError(f"max_jobs must be at least 1, not {max_jobs}")
    return max_jobs


@dataclass(eq=False)
class _Job:
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
    worker: "_Worker | None" = None
    stop_requested: bool = False
    killed: bool = False
    final_written: bool = False


@dataclass(eq=False)
class _Worker:
    proc: Any  # multiprocessing Process
    conn: Any  # parent end of the duplex Pipe
    stop: Any  # multiprocessing Event read by the job's should_stop()
    job: _Job | None = None
    ready: bool = False
    retired: bool = False  # sent "done"/"cancelled": exiting, its slot already refilled
    conn_open: bool = True


class LocalJobRunner:
    """Runs training jobs in spawned worker processes; see the module docstring.

    store: the RunStore (default: ``RunStore()`` at ``$SYNAPTIC_HOME``).
    max_jobs: concurrent jobs (default ``$SYNAPTIC_MAX_JOBS`` or half the cores).
    target: ``"module:function"`` or a :class:`TargetConfig` (default: the real ``train``).
    keep_finished: finished runs whose events stay in memory (older ones are read from the store).
    """

    def __init__(self, store: RunStore | None = None, max_jobs: int | None = None,
                 target: str | TargetConfig | None = None, keep_finished: int = 32,
                 extra_spares: int = 1, recover: bool = True):
        self.store = store if store is not None else RunStore()
        self.max_jobs = resolve_max_jobs(max_jobs)
        self.extra_spares = max(0, extra_spares)
        self.config = TargetConfig.of(target)
        self.threads_per_job = max(1, (os.cpu_count() or 1) // self.max_jobs)
        self.keep_finished = keep_finished
        # recover=False for short-lived runners (the CLI) that share the store with a running server
        self.interrupted_at_start = self.store.mark_interrupted() if recover else 0
        self._ctx = mp.get_context("spawn")
        self._lock = threading.Lock()
        self._jobs: dict[str, _Job] = {}
        self._queue: deque[_Job] = deque()
        self._workers: list[_Worker] = []
        self._finished: deque[_Job] = deque()
        self._dirty: dict[str, _Job] = {}  # jobs with events not yet written
        self._ops: list[Callable[[], None]] = []  # store writes other than events, in order
        self._device: dict | None = None
        self._warm_failures = 0
        self._respawn_at = 0.0
        self._last_flush = time.monotonic()
        self._closed = False
        self._wake_r, self._wake_w = self._ctx.Pipe(duplex=False)
        self._wake_lock = threading.Lock()
        with self._lock:
            self._top_up_spares()
        self._thread = threading.Thread(target=self._pump, name="synaptic-job-pump", daemon=True)
        self._thread.start()
        atexit.register(self.shutdown)

    # -- public API (any thread) ----------------------------------------------
    def submit(self, spec: Any, owner: str | None = None) -> str:
        """Queue a run of ``spec`` (RunSpec, mapping or JSON) and return its id at once."""
        if self._closed:
            raise RuntimeError("this job runner has been shut down")
        spec_json = spec_to_json(spec)
        run_id = self.store.create_run(spec_json, owner=owner)
        job = _Job(run_id, owner, spec_json, self.store.artifacts_dir(run_id))
        with self._lock:
            if self._closed:  # shut down while we were writing the row
                self.store.set_status(run_id, "interrupted", error=SHUTDOWN_MESSAGE)
                raise RuntimeError("this job runner has been shut down")
            self._jobs[run_id] = job
            self._queue.append(job)
            self._dispatch()
        self._wake()
        return run_id

    def status(self, run_id: str) -> JobStatus:
        """Where a run stands; raises KeyError for an id neither in memory nor in the store."""
        with self._lock:
            job = self._jobs.get(run_id)
            if job is not None:
                position = self._queue.index(job) + 1 if job.state == "queued" else 0
                message = job.message or (f"{position - 1} run(s) ahead in the queue" if position else "")
                return JobStatus(run_id, job.state, position, message, job.owner)
        row = self.store.get_run(run_id)
        if row is None:
            raise KeyError(run_id)
        return JobStatus(run_id, row["status"], 0, row["error"] or "", row["owner"])

    def events(self, run_id: str, since: int = 0) -> list[dict]:
        """The run's events with ``seq > since``, in order (from memory, else from the store)."""
        since = max(0, int(since))
        with self._lock:
            job = self._jobs.get(run_id)
            if job is not None:
                return [dict(e) for e in job.events[since:]]
        return self.store.events(run_id, since)

    def result(self, run_id: str) -> dict | None:
        """The result dict (with ``run_id``), or None while running / when the run has none."""
        with self._lock:
            job = self._jobs.get(run_id)
            if job is not None:
                return dict(job.result) if job.result is not None else None
        row = self.store.get_run(run_id)
        return row["result"] if row else None

    def cancel(self, run_id: str, force: bool = False) -> bool:
        """Stop a run: a queued one leaves the queue; a running one stops gracefully
        (its target sees ``should_stop()``); ``force`` or a second call kills its process.
        Returns False when there was nothing to cancel."""
        with self._lock:
            job = self._jobs.get(run_id)
            if job is None or job.state in FINAL:
                return False
            if job.state == "queued":
                self._queue.remove(job)
                self._finish(job, "stopped", "cancelled before it started")
            elif force or job.stop_requested:
                job.killed = True
                job.message = "killing the job's process"
                job.worker.proc.kill()
            else:
                job.stop_requested = True
                job.message = "stopping after the current batch"
                job.worker.stop.set()
        self._wake()
        return True

    def queue(self) -> dict:
        """``{"running": [(run_id, owner)], "queued": [(run_id, owner)], "max_jobs": n}``."""
        with self._lock:
            running = [(w.job.run_id, w.job.owner) for w in self._workers
                       if w.job is not None and w.job.state in ("starting", "running")]
            queued = [(j.run_id, j.owner) for j in self._queue]
        return {"running": running, "queued": queued, "max_jobs": self.max_jobs}

    def device(self) -> dict | None:
        """The device dict the latest warm worker reported (None before one has)."""
        with self._lock:
            return dict(self._device) if self._device is not None else None

    def workers(self) -> list[int]:
        """Process ids of the live worker processes (for tests and diagnostics)."""
        with self._lock:
            return [w.proc.pid for w in self._workers if w.proc.pid is not None]

    def idle_warm(self) -> int:
        """Workers that have finished warming up and wait for a job (benchmarks wait on this,
        so a spare importing TensorFlow does not compete with what they measure)."""
        with self._lock:
            return sum(1 for w in self._workers if w.ready and w.job is None and not w.retired)

    def shutdown(self) -> None:
        """Kill every worker, reap it, mark unfinished runs interrupted, stop the pump. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._wake()
        self._thread.join(timeout=10)
        with self._lock:
            workers, self._workers = list(self._workers), []
        for w in workers:
            if w.proc.is_alive():
                w.proc.kill()
        for w in workers:
            w.proc.join(timeout=5)
            self._read(w, limit=None)  # a job that finished just before the kill keeps its result
            w.conn.close()
            _release(w.proc)
        with self._lock:
            for job in list(self._jobs.values()):
                if job.state not in FINAL:
                    self._finish(job, "interrupted", SHUTDOWN_MESSAGE)
            self._queue.clear()
        self._flush()
        self._wake_r.close()
        self._wake_w.close()
        atexit.unregister(self.shutdown)

    # -- worker processes (called with self._lock held) -----------------------
    def _child_env(self) -> dict[str, str]:
        n = str(self.threads_per_job)
        return {"TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
                "TF_NUM_INTRAOP_THREADS": n, "OMP_NUM_THREADS": n}

    def _top_up_spares(self) -> None:
        """Keep ``max_jobs + extra_spares`` workers that are not on their way out.

        The extra spare is warm while every slot is busy, so the next job (a user's second
        run, the next queued job) starts at once instead of after a 3-10 s TensorFlow import.
        Backs off if spares keep dying.
        """
        if self._closed or time.monotonic() < self._respawn_at:
            return
        while sum(not w.retired for w in self._workers) < self.max_jobs + self.extra_spares:
            parent_conn, child_conn = self._ctx.Pipe()
            stop = self._ctx.Event()
            # looked up at each spawn: if a dev server's file watcher reloaded the module, pickling
            # the stale function object for the child would fail ("not the same object")
            worker_main = importlib.import_module(_worker_module.__name__).worker_main
            proc = self._ctx.Process(target=worker_main, name="synaptic-worker",
                                     args=(child_conn, stop, self.config, self._child_env()))
            with _main_module_hidden():
                proc.start()
            child_conn.close()  # the child holds its own copy; ours would hide its EOF
            self._workers.append(_Worker(proc, parent_conn, stop))

    def _dispatch(self) -> None:
        """Hand queued jobs to free workers, warm ones first (a warming one gets it when ready)."""
        while self._queue:
            busy = sum(1 for w in self._workers if w.job is not None and not w.retired)
            if busy >= self.max_jobs:
                return
            free = [w for w in self._workers if w.job is None and not w.retired and w.conn_open]
            if not free:
                return
            worker = max(free, key=lambda w: w.ready)
            job = self._queue.popleft()
            try:
                worker.conn.send(("job", job.run_id, job.spec_json, str(job.workdir)))
            except OSError:  # died under us: its sentinel will reap it
                worker.conn_open = False
                self._queue.appendleft(job)
                continue
            worker.job, job.worker = job, worker
            job.state = "starting"
            job.message = "" if worker.ready else "starting a worker process"
            self._ops.append(lambda r=job.run_id: self.store.set_status(r, "starting"))

    def _finish(self, job: _Job, state: str, message: str = "") -> None:
        job.state, job.message = state, message
        result = dict(job.result) if job.result is not None else None

        def write() -> None:
            if result is not None:
                self.store.set_result(job.run_id, result, status=state, error=message or None)
            else:
                self.store.set_status(job.run_id, state, error=message or None)
            job.final_written = True

        self._ops.append(write)
        self._finished.append(job)

    def _add_event(self, job: _Job, event: dict) -> None:
        event["seq"] = len(job.events) + 1
        event["time"] = time.time()
        job.events.append(event)
        job.unsaved.append(event)
        self._dirty[job.run_id] = job
        if event["type"] == "error" and job.error is None:
            job.error = f"{event.get('kind', 'crash')}: {event.get('message', '')}"
        elif event["type"] == "result":
            job.result = {k: v for k, v in event.items() if k not in ("type", "seq", "time")}

    # -- the pump thread ------------------------------------------------------
    def _pump(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    break
                conns = {w.conn: w for w in self._workers if w.conn_open}
                sentinels = {w.proc.sentinel: w for w in self._workers}
                pending = bool(self._ops or self._dirty)
            try:
                ready = wait([self._wake_r, *conns, *sentinels], timeout=FLUSH_SECONDS if pending else IDLE_WAIT)
                for obj in ready:
                    if obj is self._wake_r:
                        while self._wake_r.poll():
                            self._wake_r.recv_bytes()
                    elif obj in conns:
                        self._read(conns[obj])
                for obj in ready:
                    if isinstance(obj, int) and obj in sentinels:
                        self._reap(sentinels[obj])
                with self._lock:
                    self._top_up_spares()
                    self._dispatch()
                self._flush_if_due()
            except Exception:  # noqa: BLE001 - the pump must outlive any one bad message or write
                log.exception("job pump error")
                time.sleep(0.1)

    def _wake(self) -> None:
        with self._wake_lock:
            try:
                self._wake_w.send_bytes(b"!")
            except OSError:  # closed by shutdown
                pass

    def _read(self, worker: _Worker, limit: int | None = 500) -> None:
        """Take the messages waiting on a worker's Pipe (at most ``limit``, so one chatty
        worker cannot starve the others; the rest are read on the next round)."""
        while worker.conn_open and (limit is None or limit > 0):
            if limit is not None:
                limit -= 1
            try:
                if not worker.conn.poll():
                    return
                message = worker.conn.recv()
            except Exception:  # noqa: BLE001 - EOF, or a message cut short by a kill
                worker.conn_open = False
                return
            with self._lock:
                self._handle(worker, message)

    def _handle(self, worker: _Worker, message: tuple) -> None:
        kind, job = message[0], worker.job
        if kind == "ready":
            worker.ready = True
            self._warm_failures = 0
            if message[1] is not None:
                self._device = message[1]
            if job is not None and job.state == "starting" and job.message == "starting a worker process":
                job.message = ""
        elif job is None:
            log.warning("worker %s sent %r without a job", worker.proc.pid, kind)
        elif kind == "started":
            job.state = "running"
            self._ops.append(lambda r=job.run_id: self.store.set_status(r, "running"))
        elif kind == "event":
            self._add_event(job, dict(message[1]))
        elif kind in ("done", "cancelled"):
            worker.retired = True
            if kind == "cancelled":
                self._finish(job, "stopped", "cancelled before it started")
            elif job.error is not None:
                self._finish(job, "failed", job.error)
            elif job.result is None:
                self._finish(job, "failed", "crash: the job ended without a result")
            elif job.result.get("stopped"):
                self._finish(job, "stopped", "stopped by the user")
            else:
                self._finish(job, "done")
            self._top_up_spares()
            self._dispatch()

    def _reap(self, worker: _Worker) -> None:
        """A worker process has ended: read what it left, join it, settle its job."""
        self._read(worker, limit=None)
        worker.proc.join(timeout=5)
        worker.conn.close()
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
            job = worker.job
            if job is not None and job.state not in FINAL:
                kind, message = death_reason(worker.proc.exitcode, forced=job.killed)
                self._add_event(job, {"type": "error", "kind": kind, "message": message})
                self._finish(job, "stopped" if job.killed else "failed", f"{kind}: {message}")
            elif job is None and not worker.ready and not self._closed:
                self._warm_failures += 1  # a spare died warming up: do not respawn in a tight loop
                delay = min(60.0, 0.5 * 2 ** self._warm_failures) if self._warm_failures > 1 else 0.0
                self._respawn_at = time.monotonic() + delay
                log.warning("a spare worker died while warming up (exit code %s)", worker.proc.exitcode)
        _release(worker.proc)

    # -- store writes (pump thread, or shutdown after the pump stopped) -------
    def _flush_if_due(self) -> None:
        with self._lock:
            unsaved = sum(len(j.unsaved) for j in self._dirty.values())
            due = bool(self._ops) or (unsaved and (unsaved >= FLUSH_EVENTS
                                                   or time.monotonic() - self._last_flush >= FLUSH_SECONDS))
        if due:
            self._flush()

    def _flush(self) -> None:
        """Write pending events (one transaction per run), then status changes in order."""
        with self._lock:
            batches = [(j.run_id, j.unsaved) for j in self._dirty.values()]
            for job in self._dirty.values():
                job.unsaved = []
            self._dirty.clear()
            ops, self._ops = self._ops, []
            self._last_flush = time.monotonic()
        for run_id, events in batches:
            try:
                self.store.add_events(run_id, events)
            except Exception:  # noqa: BLE001 - keep the job alive; memory still has the events
                log.exception("could not store %d events of run %s", len(events), run_id)
        for op in ops:
            try:
                op()
            except Exception:  # noqa: BLE001
                log.exception("could not store a status change")
        with self._lock:
            while len(self._finished) > self.keep_finished and self._finished[0].final_written:
                self._jobs.pop(self._finished.popleft().run_id, None)


_MAIN_LOCK = threading.Lock()


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start a spawned child without making it re-run the parent's main module.

    multiprocessing's spawn re-imports ``__main__`` in the child. Under Streamlit that is the
    user's app script (Streamlit runs app.py as ``__main__``), so every worker would run the
    whole app in bare mode: st.* calls without a session, a second runner, imports of every
    page. The worker needs none of it (its target is imported by module name), so the
    preparation data is taken while ``__main__`` is a bare module.
    """
    with _MAIN_LOCK:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if main is not None:
                sys.modules["__main__"] = main


def _release(proc: Any) -> None:
    """Free a joined process's file descriptors now rather than whenever it is garbage-collected."""
    try:
        proc.close()
    except ValueError:  # still running (join timed out): leave it to the garbage collector
        pass
