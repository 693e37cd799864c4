"""RayJobRunner: each run is a Ray task, so jobs go wherever a Ray cluster has room.

This file is execution only; the queue, event numbering, states and store writes are the
:class:`~synaptic_core.jobs.runbook.RunBook`'s, exactly as for the local runner (whatever
policy the book applies, this runner inherits: it only asks ``take_next`` for the next run).

* **A run is a task, not an actor method**: Ray cannot interrupt a running actor method, but it
  can kill a task's worker (``ray.cancel(ref, force=True)``). Each task declares ``num_cpus``
  (``num_gpus`` when runs get a GPU; custom ``resources`` to steer placement), is never
  retried (``max_retries=0``: a retry would train again from scratch under the same id) and
  calls ``target.run_target`` like every executor's child side.
* **Slots**: at most ``max_jobs`` tasks are handed to Ray at once; the rest wait in the book's
  queue (fair across owners, visible, cancellable). A handed-over task Ray has not placed yet
  (the cluster is busy, or nothing matches its resources) is ``starting`` and says what it
  waits for.
* **Events and Stop** travel through one channel actor (``ray_events.py``); a pump thread here
  drains it into the book and flushes the book, so the store keeps one writer. The first Stop
  sets the run's flag (the target stops after the current batch); a second, or ``force``, is
  ``ray.cancel(ref, force=True)``: the worker is killed and the run is stopped, kind "killed".
  A task Ray reports lost (worker crashed, node died, Ray's OOM killer) fails with Ray's reason.
* **Warm workers**: Ray reuses a worker process for later tasks, so TensorFlow is imported
  once per worker. At start the runner sends ``max_jobs`` warm-up tasks that import it (and
  report the device); after each run the task clears Keras' global state (off the next run's
  path to its first metric); a worker is retired after ``recycle_after`` runs (Keras' memory
  grows over repeated builds), and a GPU task's worker after each run (Ray's default).
* **Artifacts**: a task writes to the store's artifact folder (``$SYNAPTIC_HOME/artifacts/<run>``)
  at the same path on its node, so that folder must be on storage every node mounts at the
  same path. The runner creates the run's folder before the task starts; a task that cannot
  see it fails at once with kind "storage" and the node's address.
"""

from __future__ import annotations

import atexit
import json
import logging
import math
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import ray

from synaptic_core.store import RunStore

from .ray_cluster import connect, describe_cluster, disconnect, failure_reason, where_am_i
from .ray_events import TaskSink, open_channel
from .recycle import RECYCLE_AFTER, clear_between_runs
from .runbook import SHUTDOWN_MESSAGE, BookedRunner, Run, RunBook
from .target import TargetConfig, extend_sys_path, last_line, resolve, run_target

log = logging.getLogger(__name__)

CPUS_ENV, GPUS_ENV, RESOURCES_ENV = "SYNAPTIC_RAY_CPUS", "SYNAPTIC_RAY_GPUS", "SYNAPTIC_RAY_RESOURCES"
TAKE_WAIT_S = 0.1  # the pump's long-poll on the channel while tasks are out
IDLE_WAIT_S = 1.0  # ...and its sleep when none are
CLUSTER_CACHE_S = 5.0  # device() is polled by every open sidebar: ask Ray at most this often


class RayJobRunner(BookedRunner):
    """Runs training jobs as Ray tasks; see the module docstring.

    store: the RunStore (default ``RunStore()`` at ``$SYNAPTIC_HOME``; on storage every node reaches).
    address: the cluster (default ``$SYNAPTIC_RAY_ADDRESS``; empty: join a local ``ray start`` or
        start a private Ray). Ignored when Ray is already initialised in this process.
    max_jobs: tasks handed to Ray at once (default ``$SYNAPTIC_MAX_JOBS``, else as many runs as the
        cluster's CPUs (and GPUs) hold).
    cpus_per_run / gpus_per_run: what each task declares (default ``$SYNAPTIC_RAY_CPUS`` or 1,
        ``$SYNAPTIC_RAY_GPUS`` or 0); TensorFlow gets that many threads.
    resources: custom resources each task asks for, e.g. ``{"gpu_node": 1}`` (default: JSON in
        ``$SYNAPTIC_RAY_RESOURCES``).
    target: ``"module:function"`` or a :class:`TargetConfig` (default: the real ``train``).
    warm: send warm-up tasks at start (default: when the target has modules to warm or a probe).
    recycle_after: runs a CPU worker process serves before Ray replaces it.
    limits: the book's class limits (``policy.Limits``; default: the book's own, from the environment).
    """

    def __init__(self, store: RunStore | None = None, address: str | None = None, max_jobs: int | None = None,
                 cpus_per_run: float | None = None, gpus_per_run: float | None = None,
                 resources: dict[str, float] | None = None, target: str | TargetConfig | None = None,
                 keep_finished: int = 32, recover: bool = True, warm: bool | None = None,
                 recycle_after: int = RECYCLE_AFTER, limits: Any = None):
        self.cpus_per_run = _number(cpus_per_run, CPUS_ENV, 1.0)
        self.gpus_per_run = _number(gpus_per_run, GPUS_ENV, 0.0)
        self.resources = dict(resources) if resources is not None else _resources_env()
        self.config = TargetConfig.of(target)
        self.owns_ray = connect(address)
        self.address = ray.get_runtime_context().gcs_address
        self.max_jobs = self._resolve_max_jobs(max_jobs)
        self._lock = threading.RLock()
        self.book = RunBook(store if store is not None else RunStore(), keep_finished=keep_finished,
                            recover=recover, lock=self._lock, **({"limits": limits} if limits is not None else {}))
        self._remote = _task_function(self.gpus_per_run > 0, recycle_after)
        self._channel = open_channel()
        self._tasks: dict[Any, Run] = {}  # ObjectRef -> run handed to Ray
        self._where: dict[str, dict] = {}  # run_id -> the node it runs on (from its "started")
        self._device: dict | None = None
        self._cluster: tuple[float, dict] | None = None
        self._closed = False
        self._wake = threading.Event()
        self._enforce_limits = getattr(self, "enforce_limits", None)  # the book's run-time limit, where it has one
        warm = bool(self.config.warm or self.config.probe) if warm is None else warm
        warm_task = _warm_function(self.gpus_per_run > 0)
        self._warming = [warm_task.options(**self._options("synaptic-warm")).remote(
            self.config, self._threads(), self._channel) for _ in range(self.max_jobs if warm else 0)]
        self._thread = threading.Thread(target=self._pump, name="synaptic-ray-pump", daemon=True)
        self._thread.start()
        atexit.register(self.shutdown)

    # -- public API (any thread); status/events/result/wait/queue come from BookedRunner --
    def submit(self, spec: Any, owner: str | None = None) -> str:
        """Queue a run of ``spec`` (RunSpec, mapping or JSON) and return its id at once."""
        run = self.book.open(spec, owner)
        with self._lock:
            self._dispatch()
        self._wake.set()
        return run.run_id

    def cancel(self, run_id: str, force: bool = False, by: Any = None) -> bool:
        """A queued run leaves the queue; a running one stops after its current batch; ``force``
        or a second call kills its task (``ray.cancel(force=True)``). ``by``: who asks (the book's
        policy decides whether they may; None: the trusted local caller). False: nothing to cancel."""
        with self._lock:
            action = self.book.cancel(run_id, force) if by is None else self.book.cancel(run_id, force, by)
            ref = self.book.get(run_id).handle if action in ("stop", "kill") else None
        if action == "stop":
            self._channel.stop.remote(run_id)
        elif action == "kill":
            ray.cancel(ref, force=True)  # the pump sees the task end and reports the death as "killed"
        self._wake.set()
        return action is not None

    def device(self) -> dict | None:
        """What a warm worker reported (CPU, GPUs, TensorFlow) plus ``"cluster"``: nodes, CPUs, GPUs,
        and how many of this runner's runs each node holds."""
        from synaptic_core.device import cpu_info

        with self._lock:
            probe = dict(self._device) if self._device else {"cpu": cpu_info()}
            running: dict[str, int] = {}
            for where in self._where.values():
                running[where.get("node_id")] = running.get(where.get("node_id"), 0) + 1
            cached = self._cluster
        if cached is None or time.monotonic() - cached[0] > CLUSTER_CACHE_S:
            try:
                cached = (time.monotonic(), describe_cluster())
            except Exception as exc:  # noqa: BLE001 - the panel says so instead of failing
                cached = (time.monotonic(), {"error": last_line(exc), "nodes": []})
            with self._lock:
                self._cluster = cached
        cluster = {**cached[1], "address": self.address}
        cluster["nodes"] = [{**n, "running": running.get(n["node_id"], 0)} for n in cluster["nodes"]]
        return {**probe, "cluster": cluster}

    def placements(self) -> dict[str, dict]:
        """``{run_id: node}`` of the active runs Ray has placed: node id, ip, pid, its resources."""
        with self._lock:
            return {k: dict(v) for k, v in self._where.items()}

    def _kick(self) -> None:
        """Start what the queue holds now (after ``resume``)."""
        with self._lock:
            self._dispatch()
        self._wake.set()

    def wait_warm(self, timeout: float = 120.0) -> bool:
        """Block until the warm-up tasks have run (benchmarks: measure a warm cluster)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._warming:
                    return True
            time.sleep(0.05)
        return False

    def shutdown(self) -> None:
        """Kill the tasks still out, mark unfinished runs interrupted, stop the pump and the
        channel, and stop Ray if this runner started it. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self.book.close()
            refs = list(self._tasks) + list(self._warming)
        self._wake.set()
        self._thread.join(timeout=10)
        for ref in refs:
            try:
                ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001 - already finished, or Ray is going away
                pass
        self.book.interrupt_all(SHUTDOWN_MESSAGE)
        self.book.flush()
        try:
            ray.kill(self._channel)
        except Exception:  # noqa: BLE001
            pass
        if self.owns_ray:
            disconnect()
        atexit.unregister(self.shutdown)

    # -- handing runs to Ray (called with self._lock held) ----------------------------
    def _resolve_max_jobs(self, max_jobs: int | None) -> int:
        if max_jobs is None and os.environ.get("SYNAPTIC_MAX_JOBS", "").strip():
            from .local import resolve_max_jobs

            max_jobs = resolve_max_jobs(None)
        if max_jobs is None:
            total = ray.cluster_resources()
            fits = [total.get("CPU", 0) / self.cpus_per_run] if self.cpus_per_run else []
            if self.gpus_per_run:
                fits.append(total.get("GPU", 0) / self.gpus_per_run)
            max_jobs = max(1, math.floor(min(fits))) if fits else 1
        if max_jobs < 1:
            raise ValueError(f"max_jobs must be at least 1, not {max_jobs}")
        return max_jobs

    def _threads(self) -> int:
        return max(1, math.floor(self.cpus_per_run))

    def _options(self, name: str) -> dict[str, Any]:
        options: dict[str, Any] = {"num_cpus": self.cpus_per_run, "name": name}
        if self.gpus_per_run:
            options["num_gpus"] = self.gpus_per_run
        if self.resources:
            options["resources"] = dict(self.resources)
        return options

    def _asks(self) -> str:
        parts = [f"{_plain(self.cpus_per_run)} CPU"] + ([f"{_plain(self.gpus_per_run)} GPU"] if self.gpus_per_run else [])
        return ", ".join(parts + [f"{k}={_plain(v)}" for k, v in sorted(self.resources.items())])

    def _task_env(self) -> dict[str, str]:
        """Variables a run's task sets before the target runs (the book's limits, where it has them)."""
        limits = getattr(self.book, "limits", None)
        return dict(limits.to_env()) if limits is not None and hasattr(limits, "to_env") else {}

    def _dispatch(self) -> None:
        while not self._closed and len(self._tasks) < self.max_jobs:
            run = self.book.take_next()
            if run is None:
                return
            self.book.starting(run, f"waiting for a Ray node with {self._asks()} free")
            try:
                run.workdir.mkdir(parents=True, exist_ok=True)
                ref = self._remote.options(**self._options(f"synaptic-run-{run.run_id}")).remote(
                    run.run_id, run.spec_json, str(run.workdir), self.config, self._channel, self._threads(),
                    self._task_env())
            except Exception as exc:  # noqa: BLE001 - the run fails, the runner carries on
                self.book.died(run, reason=("crash", f"could not hand the run to Ray: {last_line(exc)}"))
                continue
            run.handle = ref
            self._tasks[ref] = run

    # -- the pump thread -----------------------------------------------------------------
    def _pump(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                busy = bool(self._tasks)
            try:
                if busy:
                    self._deliver(ray.get(self._channel.take.remote(TAKE_WAIT_S)))
                    self._settle()
                else:
                    self._wake.wait(IDLE_WAIT_S if not self.book.pending() else self.book.flush_seconds)
                    self._wake.clear()
                self._check_warm()
                if self._enforce_limits is not None:
                    self._enforce_limits()
                with self._lock:
                    self._dispatch()
                self.book.flush_if_due()
            except Exception:  # noqa: BLE001 - the pump must outlive one bad message or write
                if self._closed:
                    return
                log.exception("Ray job pump error")
                time.sleep(1.0)  # most likely the cluster is unreachable: do not spin

    def _deliver(self, messages: list[tuple[str, str, Any]]) -> None:
        with self._lock:
            for run_id, kind, payload in messages:
                run = self.book.get(run_id)
                if run is None or run.handle is None:
                    continue
                if kind == "started":
                    self._where[run_id] = dict(payload)
                    self.book.running(run)
                    if not run.stop_requested and not run.finished:
                        self.book.say(run, training_on(payload))
                elif kind == "events":
                    for event in payload:
                        self.book.add_event(run, dict(event))
                elif kind == "ended":  # the target is done and every event is in; the task still cleans up
                    self.book.ended(run)

    def _settle(self) -> None:
        """Report the tasks that have ended: after one more drain, so a run's last events
        (its result) are in the book before its state is settled."""
        with self._lock:
            refs = list(self._tasks)
        done, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
        if not done:
            return
        self._deliver(ray.get(self._channel.take.remote(0)))
        for ref in done:
            try:
                outcome, error = ray.get(ref), None
            except Exception as exc:  # noqa: BLE001 - a Ray error: cancelled, worker or node lost
                outcome, error = None, exc
            with self._lock:
                run = self._tasks.pop(ref)
                where = self._where.pop(run.run_id, None)
                if error is not None:
                    self.book.died(run, reason=None if run.kill_requested else failure_reason(error, where))
                elif outcome.get("cancelled"):
                    self.book.cancelled_before_start(run)
                else:
                    self.book.ended(run)
            self._channel.forget.remote(run.run_id)

    def _check_warm(self) -> None:
        with self._lock:
            warming = list(self._warming)
        if not warming:
            return
        done, _ = ray.wait(warming, num_returns=len(warming), timeout=0)
        for ref in done:
            try:
                device = ray.get(ref)
            except Exception as exc:  # noqa: BLE001 - a failed warm-up only delays the first run
                device = {"error": f"warm-up failed: {last_line(exc)}"} if not self._device else None
            with self._lock:
                self._warming.remove(ref)
                if device:
                    self._device = device


# -- the task side: runs on a Ray worker -------------------------------------------------
_PREPARED: dict[TargetConfig, tuple[Any, str | None]] = {}  # per worker process


def _prepare(config: TargetConfig, threads: int) -> tuple[Any, str | None]:
    """Import the target (and its warm-up modules) once per worker process; set TensorFlow's
    thread budget before it starts. Returns ``(target, error)``."""
    if config not in _PREPARED:
        from synaptic_core.tf_quiet import filtered_stderr

        from .worker import _tune_tensorflow  # the local workers' own thread/GPU set-up: one copy

        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(threads))
        extend_sys_path(config.sys_path)
        try:
            with filtered_stderr():  # TensorFlow's start-up chatter dropped, real errors kept
                for name in config.warm:
                    __import__(name)
                if "tensorflow" in sys.modules:
                    _tune_tensorflow(threads)
                _PREPARED[config] = (resolve(config.target), None)
        except Exception as exc:  # noqa: BLE001 - reported with the job
            return None, f"could not prepare the Ray worker: {last_line(exc)}"
    return _PREPARED[config]


def _warm(config: TargetConfig, threads: int, channel: Any = None) -> dict | None:
    """A warm-up task: import what runs need, open this worker's connection to the event channel
    (the first call to an actor from a worker costs ~0.3 s), report the device and its node."""
    if channel is not None:
        ray.get(channel.send.remote("", "events", []))
    _, error = _prepare(config, threads)
    if error:
        return {"error": error}
    if not config.probe:
        return None
    device = dict(resolve(config.probe)())
    device["node"] = where_am_i()
    return device


def _run(run_id: str, spec_json: str, workdir: str, config: TargetConfig, channel: Any, threads: int,
         env: dict[str, str] | None = None) -> dict:
    """One run on a Ray worker: say where it runs, then ``run_target`` with a :class:`TaskSink`."""
    os.environ.update(env or {})
    node = where_am_i()
    sink = TaskSink(channel, run_id, node)
    if not sink.start():
        return {"cancelled": True}
    try:
        target, error = _prepare(config, threads)
        if error is None and not Path(workdir).is_dir():
            sink.emit({"type": "error", "kind": "storage", "message": (
                f"node {node['ip']} cannot see the run's folder {workdir}: put SYNAPTIC_HOME on storage "
                "that every Ray node mounts at the same path")})
        else:
            run_target(target, run_id, spec_json, Path(workdir), sink, error)
    finally:
        sink.close()
    channel.send.remote(run_id, "ended", None)  # the app settles the run now, not after the clean-up below
    clear_between_runs()  # a clean Keras state for the next run here; after "ended", so on no run's path
    return {"node": node}


_FUNCTIONS: dict[Any, Any] = {}


def _task_function(gpu: bool, recycle_after: int) -> Any:
    """The remote run function: a CPU one retiring its worker after ``recycle_after`` runs, or a
    GPU one (Ray retires a GPU worker after each task, which frees the GPU's memory)."""
    key = ("gpu",) if gpu else ("cpu", recycle_after)
    if key not in _FUNCTIONS:
        options: dict[str, Any] = {"max_retries": 0}
        if gpu:
            options["num_gpus"] = 1  # the decorator's GPU makes Ray's max_calls=1; .options() sets the amount
        else:
            options["max_calls"] = max(0, recycle_after)
        _FUNCTIONS[key] = ray.remote(**options)(_run)
    return _FUNCTIONS[key]


def _warm_function(gpu: bool) -> Any:
    """The warm-up function; on GPUs its worker exits afterwards too (no CUDA context left behind)."""
    key = ("warm", gpu)
    if key not in _FUNCTIONS:
        _FUNCTIONS[key] = ray.remote(max_retries=0, **({"num_gpus": 1} if gpu else {}))(_warm)
    return _FUNCTIONS[key]


def training_on(node: dict[str, Any]) -> str:
    """``status().message`` of a run Ray has placed: "training on Ray node 10.0.0.5 (id 3f2a9c01)"
    (the id tells apart nodes that share an address, as several Ray nodes on one machine do)."""
    return f"training on Ray node {node.get('ip')} (id {str(node.get('node_id') or '?')[:8]})"


def _number(value: float | None, env: str, default: float) -> float:
    if value is None:
        text = os.environ.get(env, "").strip()
        try:
            value = float(text) if text else default
        except ValueError:
            raise ValueError(f"{env} must be a number, not {text!r}") from None
    if value < 0 or not math.isfinite(value):
        raise ValueError(f"{env.lower()} must be a finite number >= 0, not {value}")
    return value


def _resources_env() -> dict[str, float]:
    text = os.environ.get(RESOURCES_ENV, "").strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
        if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, (int, float)) and v >= 0
                                           for k, v in value.items()):
            return {k: float(v) for k, v in value.items()}
    except ValueError:
        pass
    raise ValueError(f'{RESOURCES_ENV} must be a JSON object of resource amounts, e.g. {{"node_a": 1}}, not {text!r}')


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
