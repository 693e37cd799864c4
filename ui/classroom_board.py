"""The class board, for the class's teacher: who is training, the queue, every run's curves, the leaderboard.

A fragment that redraws every ``TICK_S`` seconds while the tab is open (``st.fragment(run_every=...)``),
so the page script itself is not rerun. It reads the store (the class's runs, their students' names,
per-epoch values) and the runner (queue positions); it never trains. Cancel goes through the runner
with the teacher as the actor (``policy.Actor(controls=<the class's students>)``), so the runner
checks the right again and the run says "stopped by the teacher". Finished runs are scored on the
class's hidden split in a child process (``synaptic_core.classroom.scoring``), started by
``classroom_mode.score_waiting`` from here and from every class page. Student names came from outside: tables show them as cell text, messages
through ``md_escape``.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping, Sequence

import streamlit as st

from synaptic_core.classroom import (Class, class_owners, class_runs, hidden_split, is_teacher, leaderboard, members,
                                     needs_score, public_score)
from synaptic_core.text_safety import md_escape, md_text
from ui import classroom_mode
from ui.services import get_runner, get_store, session_owner

log = logging.getLogger(__name__)
TICK_S = 2.0
ACTIVE = ("queued", "starting", "running")
MAX_CURVES = 10  # the compare figure's colours; the newest runs


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _status(runner: Any, run: Mapping[str, Any]) -> tuple[str, int]:
    """(state, queue position) from the runner (fresher than the store while a run is active)."""
    if run.get("status") not in ACTIVE:  # a finished run stays finished: no need to ask
        return str(run.get("status")), 0
    try:
        status = runner.status(run["id"])
        return status.state, int(status.position or 0)
    except Exception:  # a run the runner does not know (another server's): the store's word
        return str(run.get("status")), 0


def _cancel(klass: Class, run_id: str) -> None:
    """Button callback: stop a class run as its teacher (the runner checks the right again)."""
    from synaptic_core.jobs.policy import Actor

    owner = session_owner()
    if not is_teacher(klass, owner):
        st.session_state["class_board_error"] = "Only the class's teacher can stop its runs."
        return
    actor = Actor(owner=owner, controls=class_owners(get_store(), klass), label="the teacher")
    try:
        get_runner().cancel(run_id, by=actor)
    except Exception as exc:
        log.exception("teacher cancel of %s", run_id)
        st.session_state["class_board_error"] = f"Could not stop run {run_id}: {exc}"


def _activity(klass: Class, runs: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> None:
    """Who is training and who waits, with a Stop button per run."""
    runner = get_runner()
    active = []
    for run in runs:
        state, position = _status(runner, run)
        if state in ACTIVE:
            active.append((run, state, position))
    training = sum(1 for _, s, _ in active if s != "queued")
    a, b, c = st.columns(3)
    a.metric("Students joined", len([o for o in names if o != klass.teacher]))
    b.metric("Training now", training)
    c.metric("Waiting in the queue", len(active) - training)
    if not active:
        st.caption("Nobody is training right now.")
        return
    active.sort(key=lambda item: (item[1] == "queued", item[2]))
    for run, state, position in active:
        left, right = st.columns([4, 1])
        where = f"queue position {position}" if state == "queued" and position else state
        left.text(f"{names.get(run.get('owner'), '(unknown)')} · run {run['id']} · {where}")
        right.button("Stop", key=f"class_stop_{run['id']}", on_click=_cancel, args=(klass, run["id"]))


def _leaderboard(klass: Class, runs: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> None:
    entries = leaderboard(runs, names)
    st.subheader("Leaderboard")
    if hidden_split(klass) is None:
        st.caption("Private scores need a hidden split, which this version draws for the 2-D toy sets only.")
    else:
        st.caption("Public: the test accuracy each student saw. Private: the same model on a hidden split nobody "
                   "saw. A student who tuned their settings to the public score may rank lower on the private one.")
    if not entries:
        st.caption("No finished runs yet.")
        return
    # st.table renders a text cell as Markdown: a name is escaped so that it shows as typed.
    rows = [{"Public rank": e.public_rank, "Student": md_escape(e.name), "Public score": _pct(e.public),
             "Private score": _pct(e.private), "Private rank": str(e.private_rank or "—"), "Finished runs": e.runs,
             "Run": e.run_id} for e in entries]
    with st.container(key="class_leaderboard"):  # a plain table: a few rows, readable text (also for tests)
        st.table(rows, hide_index=True)


def _curves(runs: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> None:
    """Every student's recent runs' curves on shared axes (the Runs page's compare figure)."""
    from synaptic_core.runs import compare
    from synaptic_core.runs.table import history_of
    from synaptic_core.viz.compare import overlaid_curves

    store = get_store()
    shown = [r for r in runs if r.get("status") != "queued"][:MAX_CURVES]
    rows, histories = [], {}
    for run in shown:
        # Plotly renders some HTML in legend text: a name's < > & are dropped there (the table shows them).
        name = "".join(c for c in names.get(run.get("owner"), "?") if c not in "<>&")
        label = f"{name} · {run['id'][-6:]}"
        rows.append({"run_id": run["id"], "name": label, "spec": run.get("spec") or {}})
        events = None if (run.get("result") or {}).get("history") else store.events(run["id"], types=["epoch"])
        histories[run["id"]] = history_of(run, events)
    curves = [c for c in compare.curves(rows, histories) if c.epochs]
    if not curves:
        st.caption("Curves appear here after each run's first epoch.")
        return
    with st.container(key="class_curves"):
        st.plotly_chart(overlaid_curves(curves, title="Learning curves of the class"), key="class_curves_chart",
                        width="stretch")


def _runs_table(runs: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> None:
    with st.expander(f"All runs of the class ({len(runs)})"):
        st.dataframe([{"Student": names.get(r.get("owner"), "?"), "Run": r["id"], "Status": r.get("status"),
                       "Test accuracy": _pct(public_score(r)), "Hidden split": _pct(r.get("private_score")),
                       "Note": r.get("score_error") or ""} for r in runs],
                     key="class_runs_table", hide_index=True, width="stretch")


def board_body(klass: Class) -> None:
    """The whole board, redrawn each tick."""
    store = get_store()
    if error := st.session_state.pop("class_board_error", None):
        st.error(md_escape(error))
    try:
        names = {klass.teacher: "Teacher", **members(store, klass)}  # the teacher may try the class page too
        runs = class_runs(store, klass)
    except Exception as exc:
        log.exception("reading class %s", klass.id)
        st.error(md_text("Could not read the class's runs: {}", exc))
        return
    if any(needs_score(r) for r in runs):
        classroom_mode.score_waiting(klass)  # also done by every class page: scores come without the board
    with st.container(key="class_board"):
        _activity(klass, runs, names)
        _leaderboard(klass, runs, names)
        _curves(runs, names)
        _runs_table(runs, names)


board_fragment = st.fragment(run_every=TICK_S)(board_body)
