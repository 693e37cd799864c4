#!/usr/bin/env bash
# A two-node Ray cluster simulated on this machine, running a search's trials through RayJobRunner.
#
#   bash scripts/ray_two_nodes.sh            # 6 trials
#   TRIALS=8 bash scripts/ray_two_nodes.sh
#
# Two `ray start` processes on loopback, each a Ray node with 1 CPU and its own custom
# resource (node_a on the head, node_b on the second), then N small toy runs submitted
# together (what a search's trials are: ordinary runs submitted at once) through
# RayJobRunner(address=...). Prints, for every run, the node it ran on (node id, ip, the
# node's custom resource, worker pid) and its state. Then node B is lost mid-run (its raylet
# SIGKILLed) under a run pinned to it, which fails with Ray's reason; then `ray stop` ends both.
#
# Stands in for real machines: the store (SYNAPTIC_HOME) is one folder both nodes see at the
# same path, as shared storage would be. Needs the Ray extra (requirements-ray.txt).
# `ray stop` ends every Ray process of this user on this machine: run it when nothing else uses Ray.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RAY=.venv/bin/ray
PORT="${PORT:-6390}"
TRIALS="${TRIALS:-6}"
say() { printf '[two-nodes] %s\n' "$*"; }

[ -x "$RAY" ] || { say "no $RAY: install the Ray extra first (bash scripts/setup.sh requirements-ray.txt)"; exit 2; }
home="$(mktemp -d -t synaptic-two-nodes.XXXXXX)"
cleanup() { "$RAY" stop >/dev/null 2>&1 || true; rm -rf "$home"; }
trap cleanup EXIT

export SYNAPTIC_HOME="$home" TF_CPP_MIN_LOG_LEVEL=2
# Ray 2.60 turns token authentication on for a head on loopback; every node and the app then need
# the same token: on one machine, the file `ray get-auth-token --generate` writes (~/.ray/auth_token).
export RAY_AUTH_MODE=token
"$RAY" get-auth-token --generate >/dev/null
say "node A (head): ray start --head --node-ip-address 127.0.0.1 --port $PORT --num-cpus 1 --resources {\"node_a\": 1}"
"$RAY" start --head --node-ip-address 127.0.0.1 --port "$PORT" --num-cpus 1 --num-gpus 0 \
    --resources '{"node_a": 1}' --include-dashboard false --disable-usage-stats >/dev/null
say "node B: ray start --address 127.0.0.1:$PORT --node-ip-address 127.0.0.1 --num-cpus 1 --resources {\"node_b\": 1}"
"$RAY" start --address "127.0.0.1:$PORT" --node-ip-address 127.0.0.1 --num-cpus 1 --num-gpus 0 \
    --resources '{"node_b": 1}' --disable-usage-stats >/dev/null

ADDRESS="127.0.0.1:$PORT" TRIALS="$TRIALS" .venv/bin/python - <<'EOF'
import json
import os
import signal
import subprocess
import time

from synaptic_core.jobs.ray_runner import RayJobRunner
from synaptic_core.specs import RunSpec
from synaptic_core.store import RunStore

runner = RayJobRunner(RunStore(), address=os.environ["ADDRESS"])
try:
    cluster = runner.device()["cluster"]
    print(f"[two-nodes] cluster: {len(cluster['nodes'])} nodes, {cluster['cpus']:g} CPUs, "
          f"{runner.max_jobs} runs at once")
    for node in cluster["nodes"]:
        print(f"[two-nodes]   node {node['node_id'][:12]} ip {node['ip']} cpus {node['cpus']:g} "
              f"resources {json.dumps(node['resources'])}")
    runner.wait_warm()
    trials = [RunSpec().replace(dataset="circle", model="mlp", hidden=(8,), n_points=400, epochs=8, batch_size=32,
                                lr=lr) for lr in (0.003, 0.01, 0.03, 0.1, 0.3, 0.001, 0.05, 0.2)[:int(os.environ["TRIALS"])]]
    t0 = time.perf_counter()
    ids = [runner.submit(spec) for spec in trials]  # owner-less, as a search driver would submit (no per-person cap)
    rows = []
    for run_id, spec in zip(ids, trials):
        status = runner.wait(run_id, timeout=600)
        result = runner.result(run_id) or {}
        node = result.get("node") or {}
        rows.append({"run_id": run_id, "lr": spec.lr, "state": status.state, "node_id": node.get("node_id", "")[:12],
                     "ip": node.get("ip"), "node_resource": ",".join(node.get("node_resources") or {}),
                     "pid": node.get("pid"), "test_accuracy": (result.get("test") or {}).get("accuracy")})
    wall = time.perf_counter() - t0
    for row in rows:
        acc = f"{row['test_accuracy']:.3f}" if isinstance(row["test_accuracy"], float) else "-"
        print(f"[two-nodes] run {row['run_id']} lr {row['lr']:<6} {row['state']:<5} on node {row['node_id']} "
              f"({row['ip']}, {row['node_resource']}) pid {row['pid']} test acc {acc}")
    per_node = {}
    for row in rows:
        per_node[row["node_resource"]] = per_node.get(row["node_resource"], 0) + 1
    print(f"[two-nodes] {len(rows)} trials in {wall:.1f} s; runs per node: {json.dumps(per_node, sort_keys=True)}")

    # Node B is lost mid-run: a run pinned to it (resources={"node_b": 1}) fails with Ray's reason.
    pinned = RayJobRunner(RunStore(), resources={"node_b": 1}, warm=False)  # same Ray session
    try:
        run_id = pinned.submit(RunSpec().replace(dataset="circle", model="mlp", hidden=(8,), n_points=2000,
                                                 epochs=200, batch_size=16))
        while not any(e["type"] == "batch" for e in pinned.events(run_id)):
            time.sleep(0.1)
        print(f"[two-nodes] run {run_id} pinned to node_b: {pinned.status(run_id).message}; killing node B's raylet")
        for pid in subprocess.run(["pgrep", "-f", "raylet.*node_b"], capture_output=True, text=True).stdout.split():
            os.kill(int(pid), signal.SIGKILL)
        t0 = time.perf_counter()
        status = pinned.wait(run_id, timeout=120)
        print(f"[two-nodes] {time.perf_counter() - t0:.1f} s later: {status.state}: {status.message}")
    finally:
        pinned.shutdown()
finally:
    runner.shutdown()
EOF
say "ray stop"
