"""The sidebar every page shows: the device panel and the job queue.

The device lines come from ``synaptic_core.device.describe``: the CPU facts at once (cheap,
no TensorFlow), then TensorFlow/Keras and GPUs once a warm worker has imported TensorFlow and
reported ``runner.device()``. Importing TensorFlow here would add seconds to every page load.
The panel is a fragment that refreshes every ``REFRESH_S`` seconds while runs are queued or
training (or the device is not known yet), so the queue counts stay current; when the server is
idle it refreshes only every ``IDLE_REFRESH_S``: every open tab's tick runs in the one server
process, and a class of thirty idle tabs should cost it next to nothing (issue 11). Each script
run picks the rate from the queue as it is then (a Train click is a script run, so the fast rate
starts at once for the person who trains).
"""

from __future__ import annotations

import logging

import streamlit as st

from synaptic_core.text_safety import md_escape
from ui.services import get_runner, session_owner

log = logging.getLogger(__name__)
REFRESH_S = 3.0  # while something is queued or training, or the device is not known yet
IDLE_REFRESH_S = 15.0  # nothing queued or training on this server


def device_lines(device: dict | None) -> list[str]:
    """What to print about the device; TF/GPU details say "detecting…" until a worker reported."""
    from synaptic_core.device import cpu_info, describe

    if device:
        return describe(device)
    return describe(cpu_info()) + ["TensorFlow / GPU: detecting…"]


def queue_lines(queue: dict, owner: str) -> list[str]:
    """Running and queued counts, the concurrency limit, and this session's place in the queue."""
    running, queued = queue.get("running", []), queue.get("queued", [])
    lines = [f"{len(running)} running · {len(queued)} queued · at most {queue.get('max_jobs', '?')} at once"]
    mine_running = sum(1 for _, who in running if who == owner)
    if mine_running:
        lines.append(f"Your runs training now: {mine_running}")
    positions = [i + 1 for i, (_, who) in enumerate(queued) if who == owner]
    if positions:
        lines.append("Your place in the queue: " + ", ".join(map(str, positions)))
    return lines


def sidebar_body() -> None:
    """Draw the device panel and the queue once."""
    try:
        runner = get_runner()
        device, queue = runner.device(), runner.queue()
    except Exception as exc:
        log.exception("the job runner is not available")
        st.error(f"The job runner is not available: {md_escape(exc)}")
        return
    st.markdown("**Device**")
    for line in device_lines(device):
        st.caption(line)
    st.markdown("**Job queue**")
    for line in queue_lines(queue, session_owner()):
        st.caption(line)


def busy() -> bool:
    """True while the panel is worth refreshing often: runs queued or training, or no device report yet."""
    try:
        runner = get_runner()
        queue = runner.queue()
        return bool(queue.get("running") or queue.get("queued")) or not runner.device()
    except Exception:  # the panel says what is wrong; poll at the fast rate meanwhile
        return True


def _sidebar_busy() -> None:
    sidebar_body()


def _sidebar_idle() -> None:
    sidebar_body()


# Two fragments (two functions: two fragment ids, two timers); each script run draws one of them.
_sidebar_fragment = st.fragment(run_every=REFRESH_S)(_sidebar_busy)
_sidebar_idle_fragment = st.fragment(run_every=IDLE_REFRESH_S)(_sidebar_idle)


def render_sidebar() -> None:
    """The sidebar of every page (called by app.py before the page runs)."""
    with st.sidebar:
        (_sidebar_fragment if busy() else _sidebar_idle_fragment)()
