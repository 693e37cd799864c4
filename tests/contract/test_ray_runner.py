"""What the Ray runner adds beyond the runner contract: where a run ran, the cluster in the device
panel, resources that steer placement (or that no node has), and a node that cannot see the
artifact folder. Uses the contract suite's Ray session (conftest.ray_session: 2 CPUs and one
custom resource, ``contract_node``) and its cheap scripted targets."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("ray", reason="ray is not installed (optional extra: pip install -r requirements-ray.txt)")

from synaptic_core.jobs.ray_cluster import cluster_lines  # noqa: E402
from synaptic_core.jobs.ray_runner import RayJobRunner  # noqa: E402
from synaptic_core.store import RunStore  # noqa: E402

from conftest import CONTRACT_TARGET  # noqa: E402
from test_runner_contract import has_batch, script, wait_for  # noqa: E402


@pytest.fixture
def make(ray_session, tmp_path):
    made = []

    def make(**kwargs) -> RayJobRunner:
        runner = RayJobRunner(RunStore(tmp_path / f"runs{len(made)}.db"), target=CONTRACT_TARGET, **kwargs)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.shutdown()


def test_a_run_records_the_node_it_ran_on(make, ray_session):
    runner = make(max_jobs=2)
    run_id = runner.submit(script(steps=200, step_s=0.02), owner="s1")
    wait_for(lambda: has_batch(runner, run_id))
    status = runner.status(run_id)
    node = runner.placements()[run_id]
    assert status.state == "running" and status.message == f"training on Ray node {node['ip']} (id {node['node_id'][:8]})"
    assert node["node_id"] in {n["NodeID"] for n in ray_session.nodes()} and node["assigned"] == {"CPU": 1.0}
    assert node["node_resources"] == {"contract_node": 1.0}
    assert runner.queue() == {"running": [(run_id, "s1")], "queued": [], "max_jobs": 2}
    runner.cancel(run_id)
    assert runner.wait(run_id, timeout=10).state == "stopped"
    first = runner.events(run_id)[0]
    assert first["type"] == "status" and first["node"] == node  # the event says where it ran...
    assert runner.result(run_id)["node"] == node  # ...and so does the stored result
    wait_for(lambda: runner.store.get_run(run_id)["result"] is not None)
    assert runner.store.get_run(run_id)["result"]["node"]["node_id"] == node["node_id"]
    wait_for(lambda: runner.placements() == {})  # the placement goes when the task says it has ended


def test_device_reports_the_cluster(make):
    runner = make(max_jobs=2)
    cluster = runner.device()["cluster"]
    assert cluster["cpus"] == 2 and cluster["gpus"] == 0 and cluster["dead_nodes"] == 0 and cluster["address"]
    (node,) = cluster["nodes"]
    assert node["alive"] and node["cpus"] == 2 and node["resources"] == {"contract_node": 1.0}
    lines = cluster_lines(cluster)
    assert lines[0].startswith("Ray cluster · 1 node · 2 CPUs (") and lines[0].endswith(" free) · 0 GPUs")
    assert lines[1] == f"node {node['ip']} · 2 CPU · contract_node"


def test_max_jobs_defaults_to_what_the_cluster_holds(make):
    assert make().max_jobs == 2  # 2 CPUs, 1 per run
    assert make(cpus_per_run=2).max_jobs == 1


def test_custom_resources_steer_placement(make):
    runner = make(max_jobs=1, resources={"contract_node": 1})
    run_id = runner.submit(script(steps=2))
    assert runner.wait(run_id, timeout=20).state == "done"
    node = runner.result(run_id)["node"]
    assert node["assigned"] == {"CPU": 1.0, "contract_node": 1.0}


def test_a_run_no_node_can_hold_waits_and_a_second_cancel_drops_it(make):
    runner = make(max_jobs=1, resources={"gpu_node": 1})
    run_id = runner.submit(script(steps=2))
    time.sleep(1.0)
    status = runner.status(run_id)
    assert (status.state, status.message) == ("starting", "waiting for a Ray node with 1 CPU, gpu_node=1 free")
    assert runner.cancel(run_id) is True  # the stop flag: the task would return at once if it ever started
    assert runner.wait(run_id, timeout=0.5).state == "starting"
    assert runner.cancel(run_id) is True  # ray.cancel(force=True) on a task Ray never placed
    status = runner.wait(run_id, timeout=10)
    assert status.state == "stopped" and status.message.startswith("killed:")


def test_a_node_that_cannot_see_the_artifact_folder_fails_the_run_with_the_reason(make, monkeypatch):
    runner = make(max_jobs=1)
    monkeypatch.setattr(Path, "mkdir", lambda self, *a, **k: None)  # the app's folder is not made: as on a node
    run_id = runner.submit(script(steps=2))  # without the shared storage, the task's node cannot see it
    monkeypatch.undo()
    status = runner.wait(run_id, timeout=20)
    assert status.state == "failed" and status.message.startswith("storage: node ")
    assert "cannot see the run's folder" in status.message and "SYNAPTIC_HOME" in status.message
