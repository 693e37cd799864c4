"""The loss lab in a real browser: every tab draws its charts and nothing raises."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_loss_page_renders_all_tabs_without_errors(open_page):
    page = open_page("/losses")
    expect(page.locator("h1").filter(has_text="Loss functions")).to_be_visible()
    for tab in ("Loss and gradient", "An outlier", "Focal loss"):
        page.get_by_role("tab", name=tab).click()
        expect(page.locator('[role="tabpanel"]:visible .js-plotly-plot').first).to_be_visible(timeout=60_000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
