"""Why GPUs matter: a one-click timing of the same network on each device, as a bar chart.

The timing runs in child processes (``synaptic_core.device_speed``: a thread count can only be set
before TensorFlow starts), one after the other, while this script waits with a spinner; one timing
at a time per server. The last result is kept in the session. The GPUs offered are those the warm
worker reported (``runner.device()``), so this page never imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from synaptic_core.text_safety import md_escape, md_text
from ui.services import get_runner

KEY = "gpu_timing"


def _gpus() -> list[dict]:
    try:
        device = get_runner().device() or {}
    except Exception:  # no runner: say nothing about GPUs rather than fail the page
        device = {}
    return list(device.get("gpus") or [])


def _run(steps: int, batch_size: int) -> None:
    from synaptic_core.device_speed import compare, targets

    gpus = _gpus()
    plan = targets(gpus=gpus)
    with st.spinner(f"Timing {len(plan)} device settings, one after the other (about 15 s each)…"):
        try:
            results = compare(plan, steps=steps, batch_size=batch_size)
        except RuntimeError as exc:  # another timing is running on this server
            st.session_state[KEY] = {"busy": str(exc)}
            return
    st.session_state[KEY] = {"rows": [asdict(m) for m in results], "gpus": len(gpus), "batch_size": batch_size,
                             "steps": steps}


def section() -> None:
    """A collapsed "Why GPUs matter" section with its button, chart and numbers."""
    from synaptic_core.viz.devices import speed_bars

    with st.expander("Why GPUs matter: time one network on each device", icon=":material/speed:"):
        st.caption("The same convolutional network (the Playground's default, on 28x28 images) trains for 20 "
                   "batches of 128 on one CPU thread, on all CPU threads, and on each GPU. More threads and a "
                   "GPU do the same arithmetic in parallel: the bar shows training samples per second and the "
                   "speed-up over one thread.")
        if st.button("Time the devices", key="gpu_time"):
            _run(steps=20, batch_size=128)
        shown = st.session_state.get(KEY)
        if not shown:
            return
        if "busy" in shown:
            st.info(md_escape(shown["busy"]))
            return
        if not shown["gpus"]:
            st.info("This server has no GPU that TensorFlow can use, so only the CPU thread scaling is shown. "
                    "On a GPU, a network like this one typically trains tens of times faster than on one thread.")
        with st.container(key="gpu_speed"):
            st.plotly_chart(speed_bars(shown["rows"]), key="gpu_speed_chart", width="stretch")
        for row in shown["rows"]:
            if row["error"]:
                st.warning(md_text("{}: {}", row["label"], row["error"]))
        st.caption("On a shared server other work on the same cores lowers these figures; the ratio is what counts.")
