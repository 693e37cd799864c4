"""Transfer learning from a finished CNN run: fine-tune its network on another image set and compare it
with the same network trained from scratch on the same small subset.

Both trainings run in one child process (``python -m synaptic_core transfer ... --json``), so
TensorFlow's training never runs in the server; this script waits with a spinner (a minute or
two for a small subset). One comparison at a time per server. The result stays in the session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import streamlit as st

from synaptic_core.text_safety import md_escape, md_text

KEY = "transfer_result"
TIMEOUT_S = 900
ROOT = Path(__file__).resolve().parents[1]
_LOCK = threading.Lock()  # one comparison at a time on a server: two would share the same cores


def run_transfer(run_id: str, dataset: str, subset: int, freeze: int, epochs: int) -> dict[str, Any]:
    """The ``transfer`` command's JSON for this run (a child process); ``{"error": ...}`` when it fails."""
    if not _LOCK.acquire(blocking=False):
        return {"error": "Another transfer comparison is running on this server; try again when it has finished."}
    try:
        cmd = [sys.executable, "-m", "synaptic_core", "transfer", "--source", run_id, "--dataset", dataset,
               "--subset", str(subset), "--freeze", str(freeze), "--epochs", str(epochs), "--json"]
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        try:
            proc = subprocess.run(cmd, cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return {"error": f"the comparison did not finish within {TIMEOUT_S // 60} minutes"}
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        if proc.returncode != 0 or not lines:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return {"error": tail[:400]}
        return json.loads(lines[-1])
    finally:
        _LOCK.release()


def _datasets(channels: int) -> dict[str, str]:
    """Image sets whose images have ``channels`` channels (name -> title): the network's first layer fits them."""
    from synaptic_core.data import list_datasets

    return {i.name: i.title for i in list_datasets() if i.task == "image" and i.input_shape[-1] == channels}


def _convs(events: list[dict]) -> int:
    model = next((e for e in reversed(events) if e.get("type") == "model"), None) or {}
    return sum(1 for row in model.get("summary") or [] if row.get("type") == "Conv2D")


def section(run_id: str, result: dict, events: list[dict]) -> None:
    """The "Transfer learning" expander of a finished convolutional run's results."""
    data = next((e for e in reversed(events) if e.get("type") == "data"), None) or {}
    shape = data.get("input_shape") or []
    convs = _convs(events)
    if not convs or not shape or not result.get("model_path"):
        return
    with st.expander("Transfer learning: fine-tune this network on another set", icon=":material/sync_alt:"):
        st.caption("Keep this network's learned features, put a new classifier on top for the new classes, freeze "
                   "the first convolution layers, and fine-tune on a small subset; the same network from fresh "
                   "weights trains on the same images for comparison. Transfer helps most when data is scarce.")
        choices = _datasets(int(shape[-1]))
        others = [n for n in choices if n != result.get("dataset")] or list(choices)
        left, right = st.columns(2)
        dataset = left.selectbox("New dataset", others, format_func=lambda n: choices[n], key="transfer_dataset")
        subset = left.select_slider("Training images (both runs)", [100, 250, 500, 1000, 2000, 5000], value=500,
                                    key="transfer_subset")
        freeze = right.number_input("Frozen convolution layers (from the input)", 0, convs, min(1, convs),
                                    key="transfer_freeze")
        epochs = right.number_input("Epochs", 1, 10, 2, key="transfer_epochs")
        if st.button("Fine-tune and compare with from scratch", key="transfer_run"):
            with st.spinner("Training both networks in a separate process (a minute or two)…"):
                st.session_state[KEY] = {"run": run_id, **run_transfer(run_id, dataset, int(subset), int(freeze),
                                                                        int(epochs))}
        shown = st.session_state.get(KEY)
        if shown and shown.get("run") == run_id:
            _show(shown)


def _show(out: dict) -> None:
    if out.get("error"):
        st.error(md_text("The comparison failed: {}", out["error"]))
        return
    t, s = out["transfer"], out["scratch"]
    with st.container(key="transfer_view"):
        cols = st.columns(3)
        cols[0].metric("Fine-tuned", f"{t['test_accuracy']:.1%}")
        cols[1].metric("From scratch", f"{s['test_accuracy']:.1%}")
        cols[2].metric("Transfer gain", f"{100 * out['gain']:+.1f} points")
        st.caption(md_escape(f"{out['source_label']}; {out['epochs']} epoch(s); test on {out['n_test']:,} images; "
                             f"{out['freeze']} convolution layer(s) frozen ({t['trainable_params']:,} trainable "
                             f"parameters against {s['trainable_params']:,})."))
        from synaptic_core.viz.transfer import transfer_curves

        st.plotly_chart(transfer_curves(t["history"], s["history"]), key="transfer_chart", width="stretch")
