"""Softmax regression from scratch in a real browser: code shown, live training draws accuracy."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from synaptic_core.bench.browser import by_key, chart_points

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_scratch_page_trains_live_without_errors(open_page):
    page = open_page("/scratch")
    expect(page.locator("h1").filter(has_text="softmax regression")).to_be_visible()
    expect(page.get_by_text("def gradients").first).to_be_visible()
    page.get_by_text("Also train the same model in Keras").click()  # NumPy only: no job needed here
    by_key(page, "scratch_train").locator("button").click()
    deadline = time.monotonic() + 120
    while (chart_points(page, "scratch_curves") or 0) < 4:  # train + test accuracy, two epochs at least
        assert time.monotonic() < deadline, "no accuracy curve after 120 s"
        page.wait_for_timeout(250)
    expect(by_key(page, "scratch_progress")).to_contain_text("epoch")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    by_key(page, "scratch_stop").locator("button").click()
