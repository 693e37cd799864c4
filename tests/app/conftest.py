"""AppTest helpers: open the app (or one page) with a FakeRunner injected and a query string.

The repository root goes on ``sys.path`` so the app's own imports (``ui``, ``synaptic_core``)
resolve as they do under ``streamlit run app.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP_DIR = Path(__file__).resolve().parent
for path in (str(ROOT), str(APP_DIR)):
    if path not in sys.path:
        sys.path.insert(0, path)

from fakes import FakeRunner  # noqa: E402

TIMEOUT = 60


@pytest.fixture
def runner() -> FakeRunner:
    return FakeRunner()


@pytest.fixture
def open_app(runner: FakeRunner) -> Callable[..., AppTest]:
    """``open_app(page="app_pages/playground.py", **query)`` -> the AppTest after its first run."""

    def _open(page: str | None = None, owner: str = "me", **query: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        at.session_state["synaptic_runner"] = runner
        at.session_state["synaptic_store"] = runner.store
        at.session_state["synaptic_owner"] = owner
        at.query_params.update(query)
        if page:
            at.switch_page(page)
        return at.run()

    return _open
