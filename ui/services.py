"""The server's shared services (job runner, run store) and who this person is.

The runner is the *server's* job queue: one instance shared by every session, created once
with ``st.cache_resource``; the queue, the concurrency limit and the warm workers only make
sense that way. What belongs to one person is only ``session_owner()``: the owner id of the
token their browser keeps (``ui/identity.py``), the same across reloads, tabs and restarts.

Hooks (documented for tests and deployments):

* ``st.session_state["synaptic_runner"]`` / ``["synaptic_store"]``: when set, used instead of
  the shared instances for this session only. AppTest puts ``tests/app/fakes.FakeRunner``
  there before the first ``run()``.
* ``st.session_state["synaptic_owner"]``: when set, this session's owner id as it is (AppTest
  sets ``"me"``; no browser element is drawn then).
* ``st.session_state["synaptic_study_manager"]``: when set, the search pages' ``StudyManager`` for
  this session; a session with its own runner (above) gets a manager over that runner.
* ``$SYNAPTIC_RUNNER=ray`` (and ``$SYNAPTIC_RAY_ADDRESS``): the shared runner is a Ray runner
  (``synaptic_core.jobs.factory.make_runner``); local processes otherwise.
* ``$SYNAPTIC_RUNNER_FACTORY="package.module:function"``: builds the shared runner instead;
  the function gets the store as its only argument.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import streamlit as st

from ui import identity
from ui.identity import OWNER_KEY  # noqa: F401 - the session-state key tests set (kept importable here)

RUNNER_OVERRIDE_KEY = "synaptic_runner"
STORE_OVERRIDE_KEY = "synaptic_store"
RUNNER_FACTORY_ENV = "SYNAPTIC_RUNNER_FACTORY"
STUDY_MANAGER_OVERRIDE_KEY = "synaptic_study_manager"


@st.cache_resource(show_spinner=False)
def _shared_store() -> Any:
    from synaptic_core.store import RunStore

    return RunStore()  # $SYNAPTIC_HOME/runs.db


def _shutdown(runner: Any) -> None:
    runner.shutdown()


@st.cache_resource(show_spinner=False, on_release=_shutdown)
def _shared_runner(factory: str) -> Any:
    store = _shared_store()
    if factory:
        module, _, name = factory.partition(":")
        return getattr(importlib.import_module(module), name)(store)
    from synaptic_core.jobs.factory import make_runner

    return make_runner(store)  # $SYNAPTIC_RUNNER: local processes (default) or ray


def get_store() -> Any:
    """The run store (SQLite under ``$SYNAPTIC_HOME``), shared by all sessions."""
    override = st.session_state.get(STORE_OVERRIDE_KEY)
    return override if override is not None else _shared_store()


def get_runner() -> Any:
    """The job runner, shared by all sessions of this server (its queue is the server's queue)."""
    override = st.session_state.get(RUNNER_OVERRIDE_KEY)
    if override is not None:
        return override
    return _shared_runner(os.environ.get(RUNNER_FACTORY_ENV, "").strip())


def _stop_studies(manager: Any) -> None:
    manager.shutdown()


@st.cache_resource(show_spinner=False, on_release=_stop_studies)
def _shared_study_manager(factory: str) -> Any:
    from synaptic_core.search import StudyManager

    return StudyManager(_shared_runner(factory))  # $SYNAPTIC_HOME/studies.db


def get_study_manager() -> Any:
    """The server's hyperparameter studies (``synaptic_core.search.StudyManager``), beside its runner:
    a study's thread outlives the page that started it, so it must belong to the server, not a session."""
    override = st.session_state.get(STUDY_MANAGER_OVERRIDE_KEY)
    if override is not None:
        return override
    runner = st.session_state.get(RUNNER_OVERRIDE_KEY)
    if runner is not None:  # a test's runner: its studies go to that runner, for this session only
        from synaptic_core.search import StudyManager

        st.session_state[STUDY_MANAGER_OVERRIDE_KEY] = manager = StudyManager(runner)
        return manager
    return _shared_study_manager(os.environ.get(RUNNER_FACTORY_ENV, "").strip())


def session_owner() -> str:
    """This person's owner id (``identity.owner_id`` of their browser's token): whose runs are whose
    in the queue and the store, across reloads, tabs and browser restarts."""
    return identity.owner()
