"""Resume: a run the server's stop interrupted continues from its last finished epoch.

Training checkpoints every complete epoch (``synaptic_core.training.checkpoint``); the job
runner's ``resume(run_id, by)`` queues the same run again, in its own folder, and training picks
the checkpoint up: the path the ``resume`` CLI takes. This module is the button for it, drawn
where a finished run is shown (a page's results, the Runs page's one-run actions), only for the
run's owner and only when a checkpoint exists (``saved_epoch``, no TensorFlow). The handler asks
the runner with this person's owner id, so the owner check runs again whatever the page showed.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Mapping

import streamlit as st

from synaptic_core.text_safety import md_text
from ui import identity
from ui.services import get_runner, get_store, session_owner

log = logging.getLogger(__name__)

STATES = ("interrupted",)  # a failed run failed for a reason (NaN, data, a crash); a stopped one on purpose
ERROR_KEY = "resume_error"
Done = Callable[[str, "str | None"], None]


def checkpoint_epoch(run_id: str) -> int | None:
    """Epochs the run's checkpoint holds (None: no checkpoint, so nothing to resume)."""
    from synaptic_core.training.checkpoint import saved_epoch

    try:
        return saved_epoch(get_store().artifacts_dir(run_id))
    except Exception:  # noqa: BLE001 - an unreadable folder offers no resume; the page goes on
        log.exception("reading the checkpoint of run %s", run_id)
        return None


def _keep_error(run_id: str, error: str | None) -> None:
    if error:
        st.session_state[ERROR_KEY] = (run_id, error)


def _resume(run_id: str, done: Done) -> None:
    """Button callback: queue the run again through the runner (it checks the owner and the limits)."""
    try:
        get_runner().resume(run_id, by=session_owner())
    except Exception as exc:  # NotAllowed, RunRefused (per-person cap, model size, read-only store), KeyError
        log.info("resume %s refused: %s", run_id, exc)
        done(run_id, str(exc) or type(exc).__name__)
        return
    done(run_id, None)


def offer(run_id: str, state: str | None, owner: Any, key: str, done: Done | None = None) -> bool:
    """A "Resume" button for ``run_id`` when it is this person's, interrupted, and has a checkpoint.

    ``done(run_id, error)`` runs after the click (error None: queued); by default an error is shown
    here on the next script run and a success needs nothing (the page shows the run live again).
    Returns whether the button was drawn.
    """
    if error := st.session_state.get(ERROR_KEY):
        if error[0] == run_id:
            st.session_state.pop(ERROR_KEY, None)
            st.error(md_text("Could not resume run {}: {}", run_id, error[1]))
    if state not in STATES or not identity.owns(owner):
        return False
    epoch = checkpoint_epoch(run_id)
    if epoch is None:
        return False
    st.button(f"Resume from epoch {epoch + 1}", key=f"{key}_resume", type="primary",
              on_click=_resume, args=(run_id, done or _keep_error),
              help=f"Continues this run where it stopped: {epoch} finished epoch(s) were saved.")
    return True


def for_runs_page(row: Mapping[str, Any]) -> Done:
    """What the Runs page says after a click: queued (with a link to watch it) or why not."""
    from ui import runs_view

    def done(run_id: str, error: str | None) -> None:
        if error:
            runs_view._notice("error", md_text("Could not resume run {}: {}", run_id, error))
            return
        page, query = runs_view.run_link(row)
        runs_view._notice("success", md_text("Run {} is queued again; it continues from its last finished epoch.",
                                             run_id), (page, query, "Watch it train"))

    return done
