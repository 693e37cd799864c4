"""The child side of a job: a spawned process that warms up, then runs jobs one at a time.

Lifecycle (parent = ``LocalJobRunner``):

1. spawned as a *spare*: sets the thread/log env, imports the warm-up modules
   (TensorFlow + Keras for real training) and the target, sends ``("ready", device)``;
2. waits on its Pipe for ``("job", run_id, spec_json, workdir, options)`` (``options["env"]``:
   variables set before the job runs, e.g. the class limits of ``policy.Limits.to_env``);
3. sends ``("started", pid)``, runs the job with ``target.run_target`` (the same for every
   executor); every ``sink.emit`` goes straight down the Pipe as ``("event", event)``;
4. sends ``("done", {"peak_mb": ...})`` and clears Keras' global state; the runner then sends the
   next job (back to 3) or ``("exit",)`` when the worker is to be retired (:mod:`recycle`: after
   ``RECYCLE_AFTER`` runs, a run that took much memory, any run on a GPU), and the process exits,
   its memory going with it. A forced stop kills the process, so it is never reused.

A worker leads its own process group: Ctrl-C in a terminal or SIGTERM to the server's group is
for the server, which then marks the runs interrupted and ends its workers itself. (A worker whose
server died hard still ends: its Pipe breaks at the next event it sends.)

A Pipe per worker rather than one shared Queue: killing a worker (a forced cancel) can only
break its own Pipe, never a lock other workers share, and ``send`` is synchronous, so nothing
queued in a feeder thread is lost when the process ends.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from pathlib import Path
from threading import Lock
from typing import Any

from synaptic_core.tf_quiet import filtered_stderr

from .recycle import clear_between_runs, peak_rss_mb
from .target import TargetConfig, extend_sys_path, last_line, resolve, run_target


class PipeSink:
    """The ``Sink`` a target gets: ``emit`` sends to the parent, ``should_stop`` reads the cancel flag."""

    def __init__(self, conn: Any, stop: Any):
        self._conn = conn
        self._stop = stop
        self._lock = Lock()

    def emit(self, event: dict) -> None:
        if "type" not in event:
            raise ValueError(f"an event needs a 'type': {event!r}")
        with self._lock:
            self._conn.send(("event", dict(event)))

    def should_stop(self) -> bool:
        return self._stop.is_set()


def worker_main(conn: Any, stop: Any, config: TargetConfig, env: dict[str, str]) -> None:
    """Entry point of a spawned worker process (see the module docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        os.setpgid(0, 0)  # signals to the server's process group are the server's to handle
    except OSError:
        pass
    os.environ.update(env)  # before TensorFlow is imported, so its thread pools see it
    extend_sys_path(config.sys_path)
    with filtered_stderr():  # TensorFlow's C++ start-up chatter (oneDNN, CUDA probing) is not news
        target, warm_error = _warm_up(config, env)
        device = _probe(config.probe) if warm_error is None else None
    try:
        conn.send(("ready", device))
        while True:
            message = conn.recv()
            if message[0] != "job":  # ("exit",): the runner retires this worker
                break
            _, run_id, spec_json, workdir, *rest = message
            options = rest[0] if rest else {}
            if stop.is_set():  # cancelled while we were warming up (the runner clears the flag for the next job)
                conn.send(("cancelled",))
                continue
            os.environ.update(options.get("env") or {})
            conn.send(("started", os.getpid()))
            run_target(target, run_id, spec_json, Path(workdir), PipeSink(conn, stop), warm_error)
            conn.send(("done", {"peak_mb": peak_rss_mb()}))
            if warm_error is not None:
                break  # nothing to serve with: let a fresh process try the imports again
            clear_between_runs()  # after "done": the run has ended for everyone, the next one waits at most this
    except (EOFError, OSError):  # the runner shut down (or died): nobody is listening
        pass
    _exit(conn)


def _warm_up(config: TargetConfig, env: dict[str, str]) -> tuple[Any, str | None]:
    """Import the warm-up modules and the target; a failure is kept and reported with the job."""
    try:
        for name in config.warm:
            importlib.import_module(name)
        if "tensorflow" in sys.modules:
            _tune_tensorflow(int(env.get("TF_NUM_INTRAOP_THREADS", "0")))
        return resolve(config.target), None
    except Exception as exc:  # noqa: BLE001 - any import failure is a reason to report
        return None, f"could not prepare the worker: {last_line(exc)}"


def _tune_tensorflow(intra_threads: int) -> None:
    """Per-job thread budget, and GPU memory growth so concurrent jobs can share one GPU."""
    import tensorflow as tf

    if intra_threads > 0:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(intra_threads)
        except RuntimeError:  # runtime already initialised: the env var has done it
            pass
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except (RuntimeError, ValueError):
            pass


def _probe(path: str | None) -> dict | None:
    if not path:
        return None
    try:
        return dict(resolve(path)())
    except Exception as exc:  # noqa: BLE001 - a broken probe must not stop training
        return {"error": last_line(exc)}


def _exit(conn: Any) -> None:
    """Leave without running TensorFlow's interpreter-exit teardown (slow, occasionally hangs)."""
    try:
        conn.close()
    except OSError:
        pass
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
