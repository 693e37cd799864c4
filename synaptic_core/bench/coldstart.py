"""How long a user waits after ``streamlit run app.py``: the app's cold start.

Each run launches a fresh server process and times, from the launch:

* ``health_s``: until ``/_stcore/health`` answers 200 (Python, Streamlit and the server up);
* ``render_s``: until the home page is rendered in a fresh chromium context: the title
  "SynapticHub" visible and the script finished (no "Running..." status widget). This
  includes the first run of ``app.py`` for a session, so a heavy import at the top of the
  app (TensorFlow costs 3-5 s) shows up here.

The browser itself is started once, before the first run, and is not timed.
Run it as ``python -m synaptic_core.bench.coldstart [--runs 3]``; it prints JSON.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from synaptic_core.bench import print_figures
from synaptic_core.bench.appserver import APP, start_app
from synaptic_core.bench.browser import CHROMIUM, VIEWPORT, chromium_available, launch_chromium, wait_idle

TITLE = "SynapticHub"


def _render_seconds(browser: Any, url: str, started_at: float, timeout_ms: float) -> float:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
        page.get_by_text(TITLE).first.wait_for(state="visible", timeout=timeout_ms)
        wait_idle(page, timeout_ms=timeout_ms)
        return time.perf_counter() - started_at
    finally:
        context.close()


def measure_cold_start(port: int | None = None, runs: int = 3, browser: bool = True,
                       timeout: float = 120.0, app: Path = APP) -> dict:
    """Launch the app ``runs`` times; return the median and every value, in seconds.

    ``port`` None picks a free port per run. ``browser=False`` measures only ``health_s``
    (for machines without chromium/Playwright). Each server gets an empty, temporary
    SYNAPTIC_HOME so earlier runs in the user's history do not change the figure.
    """
    if runs < 1:
        raise ValueError("runs must be at least 1")
    if browser and not chromium_available():
        raise RuntimeError(f"{CHROMIUM} is missing: install chromium (apt-get install chromium) "
                           "or measure without the browser (--no-browser)")
    health: list[float] = []
    render: list[float] = []
    with tempfile.TemporaryDirectory(prefix="synaptic-coldstart-") as tmp:
        pw = chromium = None
        if browser:
            from playwright.sync_api import sync_playwright

            pw = sync_playwright().start()
            chromium = launch_chromium(pw)
        try:
            for i in range(runs):
                home = Path(tmp) / f"home-{i}"
                # No file watcher: edits elsewhere in the tree must not prompt a rerun mid-measurement.
                server = start_app(Path(tmp) / f"server-{i}.log", port=port, app=app,
                                   env={"SYNAPTIC_HOME": str(home)},
                                   extra_args=["--server.fileWatcherType", "none"])
                try:
                    health.append(server.wait_healthy(timeout=timeout))
                    if chromium is not None:
                        render.append(_render_seconds(chromium, server.url, server.started_at, timeout * 1000))
                except Exception as exc:
                    raise RuntimeError(f"cold-start run {i + 1} failed: {exc}\n--- server log (end) ---\n"
                                       f"{server.log_tail(4000)}") from exc
                finally:
                    server.stop()
        finally:
            if chromium is not None:
                chromium.close()
            if pw is not None:
                pw.stop()
    result: dict[str, Any] = {
        "bench": "coldstart",
        "runs": runs,
        "health_median_s": round(statistics.median(health), 3),
        "health_s": [round(x, 3) for x in health],
    }
    if render:
        result["render_median_s"] = round(statistics.median(render), 3)
        result["render_s"] = [round(x, 3) for x in render]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synaptic_core.bench.coldstart",
                                     description="Time the app's cold start (server health, first render).")
    parser.add_argument("--runs", type=int, default=3, help="server launches to time (default 3)")
    parser.add_argument("--port", type=int, default=None, help="port to use (default: a free one per run)")
    parser.add_argument("--no-browser", action="store_true", help="time only the health endpoint")
    args = parser.parse_args(argv)
    return print_figures(lambda: measure_cold_start(port=args.port, runs=args.runs, browser=not args.no_browser))


if __name__ == "__main__":
    sys.exit(main())
