"""Choosing the runner (synaptic_core.jobs.factory), the CLI's --runner flag, and the Ray pieces
that need no cluster: the device panel's cluster lines and the reasons of lost tasks."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from synaptic_core.cli import CONTRACT_KEYS, build_parser
from synaptic_core.jobs import factory
from synaptic_core.jobs.ray_cluster import cluster_lines

from test_cli import ROOT, run_cli

HAS_RAY = importlib.util.find_spec("ray") is not None
NO_RAY = "ray is not installed (optional extra: pip install -r requirements-ray.txt)"


def test_runner_kind_comes_from_the_argument_then_the_environment(monkeypatch):
    monkeypatch.delenv(factory.RUNNER_ENV, raising=False)
    assert factory.runner_kind() == "local"
    monkeypatch.setenv(factory.RUNNER_ENV, " Ray ")
    assert factory.runner_kind() == "ray" and factory.runner_kind("local") == "local"
    monkeypatch.setenv(factory.RUNNER_ENV, "slurm")
    with pytest.raises(ValueError, match="SYNAPTIC_RUNNER must be one of local, ray, not 'slurm'"):
        factory.runner_kind()


def test_make_runner_passes_only_the_keywords_the_runner_takes(monkeypatch):
    class Local:
        def __init__(self, store, max_jobs=None, extra_spares=1, recover=True):
            self.args = (store, max_jobs, extra_spares, recover)

    monkeypatch.setattr(factory, "runner_class", lambda kind=None: Local)
    runner = factory.make_runner("store", max_jobs=1, extra_spares=0, recover=False, address="x:6379", warm=False)
    assert runner.args == ("store", 1, 0, False)


def test_without_ray_installed_choosing_it_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "synaptic_core.jobs.ray_runner", None)  # import fails as if ray were missing
    with pytest.raises(RuntimeError, match="requirements-ray.txt"):
        factory.runner_class("ray")
    from synaptic_core.jobs.local import LocalJobRunner

    assert factory.runner_class("local") is LocalJobRunner


def test_the_train_command_takes_runner_local_or_ray():
    parser = build_parser()
    assert parser.parse_args(["train", "--runner", "ray"]).runner == "ray"
    assert parser.parse_args(["train"]).runner is None
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "--runner", "slurm"])


def test_cluster_lines_for_the_device_panel():
    cluster = {"nodes": [{"ip": "10.0.0.1", "cpus": 8.0, "gpus": 1.0, "resources": {"node_a": 1.0}, "running": 2},
                         {"ip": "10.0.0.2", "cpus": 4.0, "gpus": 0, "resources": {}}],
               "dead_nodes": 1, "cpus": 12.0, "gpus": 1.0, "free_cpus": 10.0, "free_gpus": 0.0}
    assert cluster_lines(cluster) == ["Ray cluster · 2 nodes · 12 CPUs (10 free) · 1 GPUs · 1 lost",
                                      "node 10.0.0.1 · 8 CPU · 1 GPU · node_a · 2 running",
                                      "node 10.0.0.2 · 4 CPU"]
    assert cluster_lines({**cluster, "nodes": cluster["nodes"] * 3}, max_nodes=4)[-1] == "… and 2 more nodes"


@pytest.mark.skipif(not HAS_RAY, reason=NO_RAY)
def test_lost_tasks_fail_with_rays_reason():
    import ray.exceptions as rex

    from synaptic_core.jobs.ray_cluster import failure_reason

    node = {"ip": "10.0.0.7"}
    kind, message = failure_reason(rex.WorkerCrashedError(), node)
    assert kind == "crash" and "on node 10.0.0.7" in message and "WorkerCrashedError" in message
    assert "SIGKILL" in message and "crashed" in message  # Ray cannot tell which: the message says both
    kind, message = failure_reason(rex.NodeDiedError("node 10.0.0.7 died"), node)
    assert kind == "crash" and "died or became unreachable (NodeDiedError: node 10.0.0.7 died)" in message
    kind, message = failure_reason(rex.OutOfMemoryError("Task was killed due to the node running low on memory."),
                                   None)
    assert kind == "oom" and "smaller batch size" in message and "low on memory" in message


@pytest.mark.slow
@pytest.mark.skipif(not HAS_RAY, reason=NO_RAY)
def test_cli_trains_through_ray_and_says_so():
    out = run_cli("train", "--runner", "ray", "--dataset", "circle", "--model", "mlp", "--hidden", "4",
                  "--n-points", "100", "--epochs", "2", "--json", "--quiet")
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["runner"] == "ray" and set(CONTRACT_KEYS) <= set(result) and result["epochs_run"] == 2
    assert result["node"]["ip"] and result["node"]["assigned"]["CPU"] >= 1


def test_the_device_panel_shows_the_cluster_under_the_worker_facts():
    from synaptic_core.device import describe

    cluster = {"nodes": [{"ip": "10.0.0.1", "cpus": 2.0, "gpus": 0, "resources": {}}], "dead_nodes": 0,
               "cpus": 2.0, "gpus": 0, "free_cpus": 1.0, "free_gpus": 0}
    lines = describe({"cpu": {"model": "EPYC", "cores": 2}, "gpus": [], "cluster": cluster})
    assert lines == ["CPU · EPYC · 2 cores", "No GPU: training runs on the CPU",
                     "Ray cluster · 1 node · 2 CPUs (1 free) · 0 GPUs", "node 10.0.0.1 · 2 CPU"]


KEEPER = """
import threading, time, ray
from synaptic_core.jobs.ray_cluster import _start_private, disconnect
asker = threading.Thread(target=_start_private, kwargs=dict(address="local", num_cpus=1, include_dashboard=False,
                                                            log_to_driver=False))
asker.start(); asker.join()  # the thread that started Ray is gone, as a Streamlit script run is after a rerun
time.sleep(3)
print(ray.get(ray.remote(lambda: 1).remote(), timeout=30))
disconnect()
"""


@pytest.mark.slow
@pytest.mark.skipif(not HAS_RAY, reason=NO_RAY)
def test_ray_started_from_a_thread_that_ends_keeps_running():
    # Ray's processes die with the *thread* that started them (PR_SET_PDEATHSIG): a keeper thread starts them
    out = subprocess.run([sys.executable, "-c", KEEPER], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "1"
