"""The Ray side of the app: joining a cluster, what it holds, where a task runs, why a task died.

Kept apart from the runner so the runner file is only execution. Ray is an optional extra
(requirements-ray.txt), imported inside the functions that need it, so :func:`cluster_lines`
(pure; the sidebar's device panel calls it) imports without Ray.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

ADDRESS_ENV = "SYNAPTIC_RAY_ADDRESS"
NAMESPACE = "synaptichub"
_BUILTIN = ("CPU", "GPU", "memory", "object_store_memory")


def connect(address: str | None = None) -> bool:
    """Make this process a Ray driver; True when this call started or joined Ray (the caller
    then shuts it down), False when Ray was already initialised (a test session, a notebook).

    ``address`` (else ``$SYNAPTIC_RAY_ADDRESS``): ``"host:6379"`` joins that cluster (this machine
    must be one of its nodes: ``ray start --address=...`` here first); empty or ``"local"`` joins
    a Ray already started on this machine (``ray start --head``) or else starts a private one.
    """
    import ray

    if ray.is_initialized():
        return False
    if address is None:
        address = os.environ.get(ADDRESS_ENV, "").strip()
    quiet = {"log_to_driver": False, "namespace": NAMESPACE, "logging_level": logging.WARNING}
    if address and address != "local":
        ray.init(address=address, **quiet)
        return True
    try:
        ray.init(address="auto", **quiet)  # a `ray start --head` on this machine
    except ConnectionError:
        _start_private(address="local", include_dashboard=False, **quiet)
    return True


_KEEPER_STOP = threading.Event()


def _start_private(**kwargs: Any) -> None:
    """``ray.init`` that starts Ray's own processes, from a thread that outlives the caller.

    Why: Ray starts its GCS and raylet with ``PR_SET_PDEATHSIG``, which Linux fires when the
    *thread* that started them ends, not the process. Under Streamlit the runner is created in
    a script-run thread that ends after the rerun, and Ray would die with it. So the processes
    are started by a keeper thread that waits until :func:`disconnect`.
    """
    import ray

    if threading.current_thread() is threading.main_thread():
        ray.init(**kwargs)
        return
    ready, failure = threading.Event(), []

    def keep() -> None:
        try:
            ray.init(**kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            failure.append(exc)
            return
        finally:
            ready.set()
        _KEEPER_STOP.wait()

    _KEEPER_STOP.clear()
    threading.Thread(target=keep, name="synaptic-ray-keeper", daemon=True).start()
    ready.wait()
    if failure:
        raise failure[0]


def disconnect() -> None:
    """Leave Ray (stopping the processes this process started) and release the keeper thread."""
    import ray

    ray.shutdown()
    _KEEPER_STOP.set()


def custom_resources(resources: dict[str, float]) -> dict[str, float]:
    """A node's own resources (``{"node_a": 1}``), without CPU/GPU/memory and Ray's ``node:<ip>``."""
    return {k: v for k, v in resources.items()
            if k not in _BUILTIN and not k.startswith(("node:", "accelerator_type:"))}


def nodes() -> list[dict[str, Any]]:
    """Every node Ray knows: id, ip, alive, CPUs, GPUs, memory and custom resources."""
    import ray

    out = []
    for n in ray.nodes():
        res = n.get("Resources") or {}
        out.append({"node_id": n.get("NodeID"), "ip": n.get("NodeManagerAddress"), "alive": bool(n.get("Alive")),
                    "cpus": res.get("CPU", 0), "gpus": res.get("GPU", 0), "memory_bytes": res.get("memory"),
                    "resources": custom_resources(res)})
    return out


def describe_cluster() -> dict[str, Any]:
    """``{"nodes": [...alive...], "dead_nodes": n, "cpus", "gpus", "free_cpus", "free_gpus"}``."""
    import ray

    known = nodes()
    total, free = ray.cluster_resources(), ray.available_resources()
    return {"nodes": [n for n in known if n["alive"]], "dead_nodes": sum(not n["alive"] for n in known),
            "cpus": total.get("CPU", 0), "gpus": total.get("GPU", 0),
            "free_cpus": free.get("CPU", 0), "free_gpus": free.get("GPU", 0)}


def where_am_i() -> dict[str, Any]:
    """Inside a task: the node (id, ip, host, its custom resources), the worker's pid, what the
    task was given (``{"CPU": 1.0, ...}``)."""
    import ray

    ctx = ray.get_runtime_context()
    node_id = ctx.get_node_id()
    labels: dict[str, float] = {}
    try:
        labels = next((n["resources"] for n in nodes() if n["node_id"] == node_id), {})
    except Exception:  # noqa: BLE001 - a nicety; the node id and ip say enough
        pass
    return {"node_id": node_id, "ip": ray.util.get_node_ip_address(), "host": socket.gethostname(),
            "pid": os.getpid(), "assigned": dict(ctx.get_assigned_resources()), "node_resources": labels}


def failure_reason(exc: BaseException, node: dict[str, Any] | None) -> tuple[str, str]:
    """``(kind, message)`` of the ``error`` event for a task Ray reports dead without a cancel."""
    import ray.exceptions as rex

    where = f" on node {node['ip']}" if node and node.get("ip") else ""
    text = _first_line(exc)
    if isinstance(exc, rex.OutOfMemoryError):
        return "oom", (f"Ray's memory monitor killed the job's worker{where}: the node ran out of memory; try a "
                       f"smaller batch size, model or subset ({text})")
    if isinstance(exc, rex.NodeDiedError):
        return "crash", f"the Ray node running this job{where} died or became unreachable (NodeDiedError: {text})"
    if isinstance(exc, rex.WorkerCrashedError):
        return "crash", (f"the Ray worker running this job{where} died without a cancel (WorkerCrashedError): it "
                         "was killed (SIGKILL, most often by the out-of-memory killer: try a smaller batch size, "
                         "model or subset) or it crashed; its python-core-worker-*.log in Ray's session logs "
                         "says which")
    if isinstance(exc, rex.RayTaskError):  # raised outside run_target (which reports the target's own errors)
        cause = getattr(exc, "cause", None) or exc
        return "crash", f"the Ray task failed{where}: {type(cause).__name__}: {_first_line(cause)}"
    return "crash", f"Ray could not run this job{where} ({type(exc).__name__}: {text})"


def _first_line(exc: BaseException | None) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def cluster_lines(cluster: dict[str, Any], max_nodes: int = 4) -> list[str]:
    """Short lines for the sidebar's device panel: totals, then one line per node (a few)."""
    alive = cluster.get("nodes") or []
    head = (f"Ray cluster · {len(alive)} node{'s' if len(alive) != 1 else ''} · {_num(cluster.get('cpus'))} CPUs"
            f" ({_num(cluster.get('free_cpus'))} free) · {_num(cluster.get('gpus'))} GPUs")
    lines = [head + (f" · {cluster['dead_nodes']} lost" if cluster.get("dead_nodes") else "")]
    for node in alive[:max_nodes]:
        parts = [f"node {node.get('ip')}", f"{_num(node.get('cpus'))} CPU"]
        if node.get("gpus"):
            parts.append(f"{_num(node['gpus'])} GPU")
        parts += sorted(node.get("resources") or {})
        if node.get("running"):
            parts.append(f"{node['running']} running")
        lines.append(" · ".join(parts))
    if len(alive) > max_nodes:
        lines.append(f"… and {len(alive) - max_nodes} more nodes")
    return lines


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value if value is not None else "?")
