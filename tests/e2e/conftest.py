"""Real-browser test fixtures: one live ``streamlit run app.py`` server, chromium pages on it.

* ``app_server`` (session): the app started like Streamlit's own e2e suite does it
  (headless, free port, its own SYNAPTIC_HOME), ready once ``/_stcore/health`` answers 200.
  Its log is attached to the report of any e2e test that fails. ``fresh_app_server`` is
  the same, started for one test.
* ``page`` (per test): a fresh browser context (so a fresh Streamlit session) in Debian's
  chromium, 1400x1000. Any uncaught JavaScript error on the page fails the test.
* ``open_page``: go to a path and wait until the script has run.
Helpers for the tests themselves (``wait_idle``, ``by_key``, ``chart_points``) live in
``synaptic_core.bench.browser``, shared with the cold-start benchmark.

Without /usr/bin/chromium (or Playwright) these tests skip with a message on a developer's
machine; under CI they fail, so a broken browser setup can never pass silently.
"""

from __future__ import annotations

import os
from typing import Callable, Iterator

import pytest

from synaptic_core.bench.appserver import APP, AppServer, start_app
from synaptic_core.bench.browser import CHROMIUM, VIEWPORT, chromium_available, launch_chromium, wait_idle

SERVER_START_TIMEOUT_S = 60.0


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _browser_missing_reason() -> str | None:
    if not chromium_available():
        return f"{CHROMIUM} is missing (apt-get install chromium, or run bash scripts/test.sh)"
    if _playwright_missing():
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    return None


def _playwright_missing() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return True
    return False


# Test modules import Playwright at the top: without it they cannot even be collected, so on
# a developer's machine they are left out (the summary says why); under CI they error.
if _playwright_missing() and not _in_ci():
    collect_ignore_glob = ["test_*.py"]


def pytest_terminal_summary(terminalreporter) -> None:
    reason = _browser_missing_reason()
    if reason and not _in_ci():
        terminalreporter.write_line(f"e2e: the browser tests did not run: {reason}", yellow=True)


@pytest.fixture(scope="session")
def _browser_ready() -> None:
    reason = _browser_missing_reason()
    if reason is None:
        return
    if _in_ci():
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Attach the server log to the report of a failing test that used a server."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    for name in ("app_server", "fresh_app_server"):
        server = getattr(item, "funcargs", {}).get(name)
        if isinstance(server, AppServer):
            report.sections.append((f"{name}: streamlit log (end)", server.log_tail()))


def _serve(tmp) -> AppServer:
    if not APP.exists():
        pytest.fail(f"{APP} is missing", pytrace=False)
    server = start_app(
        tmp / "streamlit.log",
        env={"SYNAPTIC_HOME": str(tmp / "home")},
        # No file watcher: edits to the tree during a test run must not prompt a rerun.
        extra_args=["--server.fileWatcherType", "none"],
    )
    try:
        server.wait_healthy(timeout=SERVER_START_TIMEOUT_S)
    except RuntimeError as exc:
        server.stop()
        pytest.fail(str(exc), pytrace=False)
    return server


@pytest.fixture(scope="session")
def app_server(_browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    server = _serve(tmp_path_factory.mktemp("e2e-server"))
    yield server
    server.stop()


@pytest.fixture
def fresh_app_server(_browser_ready: None, tmp_path) -> Iterator[AppServer]:
    """A server no browser has visited yet: for behaviour that differs on a server's first session."""
    server = _serve(tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _chromium(_browser_ready: None) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        yield browser
        browser.close()


@pytest.fixture
def page(_chromium) -> Iterator[object]:
    """A new page in a new context; fails the test on any uncaught page error."""
    context = _chromium.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(30_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(f"{exc.name}: {exc.message}"))
    yield pg
    context.close()
    if errors:
        pytest.fail("uncaught error(s) in the page:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture
def open_page(page, app_server: AppServer) -> Callable[[str], object]:
    """``open_page("/playground?epochs=4")``: go there and wait until the script has run."""

    def go(path: str = "/"):
        page.goto(app_server.url + path)
        wait_idle(page, timeout_ms=60_000)
        return page

    return go
