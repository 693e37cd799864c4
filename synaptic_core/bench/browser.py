"""Drive Debian's chromium with Playwright, and wait for Streamlit the way a user would see it.

Playwright cannot download its own browsers on these machines, so it launches the system
chromium. The extra flags stop chromium's background traffic (updates, sync, safe-browsing
lists), which otherwise hammers a closed network and slows everything down.
Playwright is imported lazily: it is a test/bench dependency (requirements-dev.txt).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Browser, Locator, Page, Playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}

APP_CONNECTED = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
APP_NOT_RUNNING = '[data-testid="stApp"][data-test-script-state="notRunning"]'
STATUS_WIDGET = '[data-testid="stStatusWidget"]'


def chromium_available() -> bool:
    return os.access(CHROMIUM, os.X_OK)


def launch_chromium(playwright: "Playwright") -> "Browser":
    """Headless system chromium with the flags above."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def by_key(page: "Page", key: str) -> "Locator":
    """The element a page created with ``key=key`` (Streamlit gives it the class ``st-key-<key>``)."""
    return page.locator(f".st-key-{key}")


def button_by_key(page: "Page", key: str) -> "Locator":
    """The visible ``<button>`` of the widget with ``key`` (a help tooltip can wrap a second copy)."""
    return by_key(page, key).locator("button").filter(visible=True).first


def wait_idle(page: "Page", timeout_ms: float = 30_000) -> None:
    """Wait until the app is connected, its script has finished, and no "Running..." widget shows."""
    page.wait_for_selector(APP_CONNECTED, state="attached", timeout=timeout_ms)
    page.wait_for_selector(APP_NOT_RUNNING, state="attached", timeout=timeout_ms)
    page.wait_for_selector(STATUS_WIDGET, state="detached", timeout=timeout_ms)


def chart_points(page: "Page", key: str) -> int | None:
    """Points drawn by the Plotly chart inside ``.st-key-<key>``, summed over traces (None: no chart yet).

    Read from the chart's DOM node (``.js-plotly-plot`` carries the figure's ``data``), so it
    shows what the browser drew, not what the server meant to send. plotly.py sends numpy
    arrays as typed-array specs (``{dtype, bdata}``); Plotly.js keeps the decoded array in
    ``_inputArray``, and the length also follows from the base64 size.
    """
    return page.evaluate(_CHART_POINTS_JS, f".st-key-{key} .js-plotly-plot")


_CHART_POINTS_JS = """(sel) => {
    const el = document.querySelector(sel);
    if (!el || !Array.isArray(el.data)) return null;
    const size = {i1: 1, u1: 1, i2: 2, u2: 2, i4: 4, u4: 4, f4: 4, f8: 8};
    const count = (a) => {
        if (!a) return 0;
        if (Array.isArray(a) || ArrayBuffer.isView(a)) return a.length;
        if (a._inputArray) return a._inputArray.length;
        if (typeof a.bdata === "string") return Math.floor(atob(a.bdata).length / (size[a.dtype] || 8));
        return 0;
    };
    return el.data.reduce((n, t) => n + (t.x ? count(t.x) : count(t.y)), 0);
}"""
