"""LocalJobRunner: jobs in spawned processes on this machine, with a concurrency limit.

This file is execution only; what happens to a run (queue, event numbering, states, store
writes, answers for old runs) is the :class:`~synaptic_core.jobs.runbook.RunBook`'s.

* ``max_jobs`` worker processes are kept alive. Each is spawned as a *spare* that warms
  up (imports TensorFlow for the real target) before any job exists, then takes jobs one at
  a time; after ``recycle_after`` runs, a run that took much memory, or any run on a GPU
  (:mod:`recycle`) it is retired and its slot refilled with a new spare at once. So a
  submitted job normally lands on a warm process and its first metric is not 3-5 s of
  imports away, and a class's thirty toy runs do not pay thirty TensorFlow imports.
* One *pump* thread waits on every worker's Pipe and process sentinel, reports what it
  reads to the book (``started``, each event, ``done``), and flushes the book to the store,
  so the store has one writer.
* A process that dies without ending its job (a forced cancel, the OOM killer, a segfault)
  is noticed through its sentinel and reported to the book with its exit code, and with the
  memory cgroup's OOM-kill counter read before and after (:mod:`exits`), so "out of memory"
  is said only when the kernel says so.
* Stopping the server marks its runs *interrupted*, never failed. Workers live in their own
  process groups, so Ctrl-C in a terminal or SIGTERM to the server's process group reaches only
  the server: in the main thread the runner handles SIGTERM/SIGINT itself (shutdown, then the
  previous handler); under Streamlit, Streamlit's handler ends the process and ``atexit`` runs
  ``shutdown``. Where a service manager signals every process at once (a cgroup-wide SIGTERM),
  a worker killed by SIGTERM/SIGINT/SIGHUP is judged ``SIGNAL_GRACE`` seconds later: if the server
  is shutting down by then, the run is interrupted; otherwise the worker died (failed).
* Every loop of the pump also applies the run-time limit (``enforce_limits``).
"""

from __future__ import annotations

import atexit
import importlib
import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
import types
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Iterator

from synaptic_core.store import RunStore

from .exits import SHUTDOWN_SIGNALS, death_reason, oom_kills, signal_name, signal_of
from .policy import Limits
from .recycle import RECYCLE_AFTER, may_serve_again
from .runbook import FLUSH_SECONDS, SHUTDOWN_MESSAGE, BookedRunner, Run, RunBook
from .target import TargetConfig
from . import worker as _worker_module

log = logging.getLogger(__name__)

IDLE_WAIT = 1.0  # pump wake-up when nothing is pending (respawn back-off checks)
WARMING = "starting a worker process"
SIGNAL_GRACE = 2.0  # seconds a worker's death by SIGTERM/SIGINT/SIGHUP waits for the server's own shutdown


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity (``taskset``, a cpuset), not the machine's count.

    A server pinned to one core of two used to give each run two TensorFlow threads on that one core;
    they took turns, and a class's toy runs were ~16% slower than with one thread (8 runs, 30.9 s -> 26.1 s).
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def resolve_max_jobs(max_jobs: int | None = None) -> int:
    """``max_jobs``, else ``$SYNAPTIC_MAX_JOBS``, else half the usable cores (at least 1)."""
    if max_jobs is None:
        env = os.environ.get("SYNAPTIC_MAX_JOBS", "").strip()
        if env:
            try:
                max_jobs = int(env)
            except ValueError:
                raise ValueError(f"SYNAPTIC_MAX_JOBS must be a whole number, not {env!r}") from None
        else:
            max_jobs = max(1, usable_cores() // 2)
    if max_jobs < 1:
        raise ValueError(f"max_jobs must be at least 1, not {max_jobs}")
    return max_jobs


@dataclass(eq=False)
class _Worker:
    proc: Any  # multiprocessing Process
    conn: Any  # parent end of the duplex Pipe
    stop: Any  # multiprocessing Event read by the job's should_stop()
    job: Run | None = None
    ready: bool = False
    retired: bool = False  # sent "done"/"cancelled": exiting, its slot already refilled
    conn_open: bool = True
    oom_at_start: int | None = None  # the cgroup's OOM-kill counter when the job was handed over
    runs_served: int = 0


class LocalJobRunner(BookedRunner):
    """Runs training jobs in spawned worker processes; see the module docstring.

    store: the RunStore (default: ``RunStore()`` at ``$SYNAPTIC_HOME``).
    max_jobs: concurrent jobs (default ``$SYNAPTIC_MAX_JOBS`` or half the cores).
    target: ``"module:function"`` or a :class:`TargetConfig` (default: the real ``train``).
    keep_finished: finished runs whose events stay in memory (older ones are read from the store).
    extra_spares: warm processes kept beyond the busy slots.
    recover: mark the store's active runs interrupted (False for short-lived runners: the CLI).
    limits: the class limits (``policy.Limits``; default from the ``SYNAPTIC_*`` variables).
    handle_signals: when created in the main thread, shut down on SIGTERM/SIGINT (then call the
        handler that was there before), so a stopped server marks its runs interrupted.
    recycle_after: runs a worker process serves before a fresh one replaces it (1: a process per run).
    """

    def __init__(self, store: RunStore | None = None, max_jobs: int | None = None,
                 target: str | TargetConfig | None = None, keep_finished: int = 32,
                 extra_spares: int = 1, recover: bool = True, limits: Limits | None = None,
                 handle_signals: bool = True, recycle_after: int = RECYCLE_AFTER):
        self.max_jobs = resolve_max_jobs(max_jobs)
        self.recycle_after = max(1, recycle_after)
        self.extra_spares = max(0, extra_spares)
        self.config = TargetConfig.of(target)
        self.threads_per_job = max(1, usable_cores() // self.max_jobs)
        self._lock = threading.RLock()
        self.book = RunBook(store if store is not None else RunStore(), keep_finished=keep_finished,
                            recover=recover, lock=self._lock, limits=limits)
        self._doomed: list[tuple[_Worker, float]] = []  # died by a shutdown signal: judged after SIGNAL_GRACE
        self._stopping_signal: int | None = None  # the signal that is shutting this runner down
        self._handlers: dict[int, Any] = {}
        self._ctx = mp.get_context("spawn")
        self._workers: list[_Worker] = []
        self._device: dict | None = None
        self._warm_failures = 0
        self._respawn_at = 0.0
        self._closed = False
        self._wake_r, self._wake_w = self._ctx.Pipe(duplex=False)
        self._wake_lock = threading.Lock()
        with self._lock:
            self._top_up_spares()
        self._thread = threading.Thread(target=self._pump, name="synaptic-job-pump", daemon=True)
        self._thread.start()
        atexit.register(self.shutdown)
        if handle_signals:
            self._install_signal_handlers()

    # -- public API (any thread); status/events/result/wait/queue come from BookedRunner --
    def submit(self, spec: Any, owner: str | None = None) -> str:
        """Queue a run of ``spec`` (RunSpec, mapping or JSON) and return its id at once."""
        run = self.book.open(spec, owner)
        with self._lock:
            self._dispatch()
        self._wake()
        return run.run_id

    def cancel(self, run_id: str, force: bool = False, by: Any = None) -> bool:
        """Stop a run: a queued one leaves the queue; a running one stops gracefully
        (its target sees ``should_stop()``); ``force`` or a second call kills its process.
        ``by``: who asks (``policy.Actor`` or an owner id; None: the trusted local caller);
        ``policy.NotAllowed`` if they may not. Returns False when there was nothing to cancel."""
        with self._lock:
            action = self.book.cancel(run_id, force, by)
            worker = self.book.get(run_id).handle if action in ("stop", "kill") else None
            if action == "kill":
                worker.proc.kill()  # the sentinel reports the death; the book makes it "killed"
            elif action == "stop":
                worker.stop.set()
        self._wake()
        return action is not None

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

    def _kick(self) -> None:
        with self._lock:
            self._dispatch()
        self._wake()

    def shutdown(self, message: str = SHUTDOWN_MESSAGE) -> None:
        """Kill every worker, reap it, mark unfinished runs interrupted, stop the pump. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self.book.close()
        self._restore_signal_handlers()
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
            doomed, self._doomed = self._doomed, []
        for w, _ in doomed:
            _release(w.proc)
        self.book.interrupt_all(message)
        self.book.flush()
        self._wake_r.close()
        self._wake_w.close()
        atexit.unregister(self.shutdown)

    # -- signals (main thread only) ------------------------------------------
    def _install_signal_handlers(self) -> None:
        """On SIGTERM/SIGINT: shut down (runs interrupted), then do what the previous handler did."""
        if threading.current_thread() is not threading.main_thread():
            return  # under Streamlit: its own handler ends the process and atexit shuts us down
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                previous = signal.getsignal(sig)
                handler = _ChainedHandler(self, previous)
                signal.signal(sig, handler)
            except (ValueError, OSError):  # not allowed here: nothing to chain
                continue
            self._handlers[sig] = handler

    def _restore_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig, handler in list(self._handlers.items()):
            try:
                if signal.getsignal(sig) is handler:
                    signal.signal(sig, handler.previous)
            except (ValueError, OSError):
                pass
        self._handlers.clear()

    def _on_signal(self, signum: int) -> None:
        self._stopping_signal = signum
        self.shutdown(f"the server was stopped ({signal_name(signum)}) before this run finished")

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
        if self._closed or self.book.read_only or time.monotonic() < self._respawn_at:
            return  # a read-only store takes no runs: no process needs to wait for one
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
        """Hand queued runs to free workers, warm ones first (a warming one gets it when ready)."""
        while True:
            busy = sum(1 for w in self._workers if w.job is not None and not w.retired)
            free = [w for w in self._workers if w.job is None and not w.retired and w.conn_open]
            if busy >= self.max_jobs or not free:
                return
            run = self.book.take_next()
            if run is None:
                return
            worker = max(free, key=lambda w: w.ready)
            worker.oom_at_start = oom_kills()
            try:
                worker.conn.send(("job", run.run_id, run.spec_json, str(run.workdir),
                                  {"env": self.book.limits.to_env()}))
            except OSError:  # died under us: its sentinel will reap it
                worker.conn_open = False
                self.book.enqueue(run, at=0)
                continue
            worker.job, run.handle = run, worker
            self.book.starting(run, "" if worker.ready else WARMING)

    # -- the pump thread ------------------------------------------------------
    def _pump(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    break
                conns = {w.conn: w for w in self._workers if w.conn_open}
                sentinels = {w.proc.sentinel: w for w in self._workers}
            try:
                timeout = FLUSH_SECONDS if self.book.pending() or self._doomed else IDLE_WAIT
                ready = wait([self._wake_r, *conns, *sentinels], timeout=timeout)
                for obj in ready:
                    if obj is self._wake_r:
                        while self._wake_r.poll():
                            self._wake_r.recv_bytes()
                    elif obj in conns:
                        self._read(conns[obj])
                for obj in ready:
                    if isinstance(obj, int) and obj in sentinels:
                        self._reap(sentinels[obj])
                self._judge_doomed()
                self.enforce_limits()
                with self._lock:
                    self._top_up_spares()
                    self._dispatch()
                self.book.flush_if_due()
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
        kind, run = message[0], worker.job
        if kind == "ready":
            worker.ready = True
            self._warm_failures = 0
            if message[1] is not None:
                self._device = message[1]
            if run is not None and run.state == "starting" and run.message == WARMING:
                self.book.say(run, "")
        elif run is None:
            log.warning("worker %s sent %r without a job", worker.proc.pid, kind)
        elif kind == "started":
            self.book.running(run)
        elif kind == "event":
            self.book.add_event(run, dict(message[1]))
        elif kind in ("done", "cancelled"):
            if kind == "cancelled":
                self.book.cancelled_before_start(run)
            else:
                self.book.ended(run)
                worker.runs_served += 1
            peak_mb = (message[1] if len(message) > 1 and isinstance(message[1], dict) else {}).get("peak_mb")
            healthy = run.state != "failed"  # a failed run may have left the process in a bad way
            self._release_or_retire(worker, healthy and may_serve_again(worker.runs_served, peak_mb, self._device,
                                                                        self.recycle_after))
            self._top_up_spares()
            self._dispatch()

    def _release_or_retire(self, worker: _Worker, reuse: bool) -> None:
        """A worker whose job has ended: free for the next job, or told to exit (its slot refilled)."""
        worker.job = None
        if reuse and not self._closed:
            worker.stop.clear()  # a Stop meant for the run that ended must not reach the next one
            return
        worker.retired = True
        try:
            worker.conn.send(("exit",))
        except OSError:  # already gone: its sentinel reaps it
            worker.conn_open = False

    def _reap(self, worker: _Worker) -> None:
        """A worker process has ended: read what it left, join it, report its job's end."""
        self._read(worker, limit=None)
        worker.proc.join(timeout=5)
        worker.conn.close()
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
            job, exitcode = worker.job, worker.proc.exitcode
            if job is not None and not job.finished and not job.kill_requested and signal_of(exitcode) in SHUTDOWN_SIGNALS:
                self._doomed.append((worker, time.monotonic() + SIGNAL_GRACE))  # the server may be stopping too
            elif job is not None:
                reason = death_reason(exitcode, forced=False, oom_before=worker.oom_at_start, oom_after=oom_kills())
                self.book.died(job, exitcode=exitcode, reason=reason)  # no-op if it had ended
            elif not worker.ready and not self._closed:
                self._warm_failures += 1  # a spare died warming up: do not respawn in a tight loop
                delay = min(60.0, 0.5 * 2 ** self._warm_failures) if self._warm_failures > 1 else 0.0
                self._respawn_at = time.monotonic() + delay
                log.warning("a spare worker died while warming up (exit code %s)", worker.proc.exitcode)
        if not any(w is worker for w, _ in self._doomed):
            _release(worker.proc)

    def _judge_doomed(self) -> None:
        """Workers killed by a shutdown signal: once ``SIGNAL_GRACE`` has passed without this runner
        shutting down, the signal was for the worker alone, and its run failed."""
        now = time.monotonic()
        with self._lock:
            if self._closed or self._stopping_signal is not None:
                return  # shutdown marks their runs interrupted
            due = [(w, t) for w, t in self._doomed if t <= now]
            self._doomed = [(w, t) for w, t in self._doomed if t > now]
        for worker, _ in due:
            with self._lock:
                self.book.died(worker.job, exitcode=worker.proc.exitcode)
            _release(worker.proc)


class _ChainedHandler:
    """A signal handler that shuts a runner down, then does what the handler before it did."""

    def __init__(self, runner: LocalJobRunner, previous: Any):
        self.runner, self.previous = runner, previous

    def __call__(self, signum: int, frame: Any) -> None:
        self.runner._on_signal(signum)
        previous = self.previous
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_DFL:  # die of the signal, as the process would have
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)


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
