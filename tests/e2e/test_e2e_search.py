"""The Search page in a real browser (issue 10): start a small search from the page (circle, dense
network, vary the learning rate, 3 epochs a trial), watch the trials table fill and the optimisation
history grow while the study runs -- the view is a fragment polling every second -- then stop it.

Trials are real trainings in the server's job runner (a circle run takes a second or two once a worker
has TensorFlow loaded), so the whole test stays well under a minute and a half.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from synaptic_core.bench.browser import by_key, chart_points

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SEARCH = "/search?dataset=circle&model=mlp&epochs=3"
STUDY_TIMEOUT_S = 80


def _until(what: str, check, page, timeout_s: float = STUDY_TIMEOUT_S):
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} within {timeout_s:.0f} s"
        page.wait_for_timeout(250)


def _rows(page) -> int:
    """Data rows of the trials table (the grid's aria-rowcount counts the header too)."""
    grid = by_key(page, "search_trial_table").locator("[aria-rowcount]")
    if not grid.count():
        return 0
    return int(grid.first.get_attribute("aria-rowcount") or 1) - 1


def test_a_search_started_from_the_page_fills_its_table_grows_its_history_and_stops(open_page):
    page = open_page(SEARCH)
    expect(page.get_by_text("Circle", exact=False).first).to_be_visible()
    trials = by_key(page, "search_trials").locator("input")
    trials.fill("6")
    trials.press("Enter")
    expect(trials).to_have_value("6")
    page.get_by_role("button", name="Start search", exact=True).click()
    page.wait_for_url(re.compile(r"[?&]study="), timeout=30_000)
    expect(page.get_by_role("button", name="Stop search", exact=True)).to_be_visible(timeout=30_000)

    _until("a first trial row", lambda: _rows(page) >= 1, page)
    first = _until("a first point on the optimisation history", lambda: chart_points(page, "search_fig_history"), page)
    _until("the history to grow", lambda: (chart_points(page, "search_fig_history") or 0) > first, page)
    assert _rows(page) >= 2

    page.get_by_role("button", name="Stop search", exact=True).click()
    expect(page.get_by_text(re.compile(r"State: (stopped|finished)"))).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name="Stop search", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Train the best with all data", exact=True)).to_be_visible()
