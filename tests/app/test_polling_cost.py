"""What every open tab costs the server: fragments poll only as fast as needed, figures every open draws
the same are built once per process, and no full garbage collection runs after each script run.

(The figures themselves: ``python -m synaptic_core.bench.pageopen``, docs/BENCHMARKS.md "Classroom server".)
"""

from __future__ import annotations

import tomllib
from types import SimpleNamespace

import pytest

from synaptic_core.bench.appserver import REPO_ROOT
from ui import live, sidebar


class _Runner:
    def __init__(self, queue: dict, device: dict | None, state: str = "running"):
        self._queue, self._device, self._state = queue, device, state

    def queue(self) -> dict:
        return self._queue

    def device(self) -> dict | None:
        return self._device

    def status(self, run_id: str) -> SimpleNamespace:
        return SimpleNamespace(state=self._state)


EMPTY = {"running": [], "queued": [], "max_jobs": 1}


@pytest.mark.parametrize("queue, device, busy", [
    (EMPTY, {"cpu": "x"}, False),  # nothing to watch: the slow rate
    ({**EMPTY, "running": [("r1", "a")]}, {"cpu": "x"}, True),
    ({**EMPTY, "queued": [("r2", "b")]}, {"cpu": "x"}, True),
    (EMPTY, None, True),  # the device report is still to come
])
def test_sidebar_polls_fast_only_while_something_moves(monkeypatch, queue, device, busy) -> None:
    monkeypatch.setattr(sidebar, "get_runner", lambda: _Runner(queue, device))
    assert sidebar.busy() is busy
    assert sidebar.IDLE_REFRESH_S >= 5 * sidebar.REFRESH_S


def test_sidebar_draws_the_fragment_for_the_rate(monkeypatch) -> None:
    drawn = []
    monkeypatch.setattr(sidebar, "_sidebar_fragment", lambda: drawn.append("busy"))
    monkeypatch.setattr(sidebar, "_sidebar_idle_fragment", lambda: drawn.append("idle"))
    monkeypatch.setattr(sidebar.st, "sidebar", _NullContext())
    for queue in (EMPTY, {**EMPTY, "queued": [("r", "o")]}):
        monkeypatch.setattr(sidebar, "get_runner", lambda q=queue: _Runner(q, {"cpu": "x"}))
        sidebar.render_sidebar()
    assert drawn == ["idle", "busy"]


@pytest.mark.parametrize("state, fragment", [("queued", "queued"), ("starting", "running"),
                                              ("running", "running")])
def test_live_view_polls_a_queued_run_slowly(monkeypatch, state, fragment) -> None:
    drawn = []
    monkeypatch.setattr(live, "get_runner", lambda: _Runner(EMPTY, None, state))
    monkeypatch.setattr(live, "_queued_fragment", lambda run_id, extra: drawn.append("queued"))
    monkeypatch.setattr(live, "_running_fragment", lambda run_id, extra: drawn.append("running"))
    live.live_fragment("r1")
    assert drawn == [fragment]
    assert live.QUEUED_TICK_S > live.TICK_S


def test_no_full_garbage_collection_after_every_script_run() -> None:
    """Streamlit's default gc.collect(2) per script and fragment run was 39% of the server's CPU."""
    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["postScriptGC"] is False


def test_shared_figures_are_built_once_and_match_the_builders() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_figures_twice, default_timeout=30).run()
    assert not at.exception
    assert [m.value for m in at.markdown] == ["same: True True", "equal: True True"]


def _figures_twice() -> None:
    import numpy as np
    import streamlit as st

    from synaptic_core import viz
    from ui import figure_cache

    images = np.arange(4 * 28 * 28, dtype=np.uint8).reshape(4, 28, 28)
    grid = figure_cache.image_grid(images, ("a", "b", "c", "d"), cols=4, zoom=2.0)
    curves = figure_cache.empty_curves()
    same = (grid is figure_cache.image_grid(images.copy(), ("a", "b", "c", "d"), cols=4, zoom=2.0),
            curves is figure_cache.empty_curves())
    equal = (grid.to_dict() == viz.image_grid(images, ["a", "b", "c", "d"], cols=4, zoom=2.0).to_dict(),
             curves.to_dict() == viz.empty_curves().to_dict())
    st.markdown(f"same: {same[0]} {same[1]}")
    st.markdown(f"equal: {equal[0]} {equal[1]}")


class _NullContext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


