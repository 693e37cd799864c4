"""The activation lab in a real browser: it renders, and the training race draws overlaid curves.

The race is kept small (its defaults: 2,000 MNIST images, 3 epochs, three activations); the
runs are real jobs in the server's runner, and the chart is read from the browser's DOM.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from synaptic_core.bench.browser import by_key

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RACE_TIMEOUT_S = 240
# Names of the line traces that have points, read from the chart's DOM node. Plotly keeps numpy
# arrays as {dtype, bdata} (base64) in ``el.data``, so their length is decoded from the bytes.
TRACES_WITH_DATA = """(sel) => {
    const el = document.querySelector(sel);
    if (!el || !Array.isArray(el.data)) return [];
    const size = {f8: 8, f4: 4, i4: 4, u4: 4, i2: 2, u2: 2, i1: 1, u1: 1};
    const n = (v) => !v ? 0 : (Array.isArray(v) || ArrayBuffer.isView(v)) ? v.length
        : v.bdata ? atob(v.bdata).length / (size[v.dtype] || 8) : 0;
    return el.data.filter(t => t.mode === "lines" && n(t.x) > 1).map(t => t.name);
}"""


def test_activation_page_renders_curves_without_errors(open_page):
    page = open_page("/activations")
    expect(page.locator("h1").filter(has_text="Activation functions")).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=60_000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_race_overlays_the_curves_of_parallel_jobs(open_page):
    page = open_page("/activations")
    page.get_by_role("tab", name="Training race").click()
    start = by_key(page, "race_start").locator("button")
    expect(start).to_be_enabled(timeout=30_000)
    start.click()
    deadline = time.monotonic() + RACE_TIMEOUT_S
    names: list[str] = []
    while len(set(names)) < 2:
        assert time.monotonic() < deadline, f"fewer than two raced curves after {RACE_TIMEOUT_S} s: {names}"
        page.wait_for_timeout(250)
        names = page.evaluate(TRACES_WITH_DATA, ".st-key-race_curves .js-plotly-plot")
    assert len(set(names) & {"relu", "sigmoid", "tanh"}) >= 2
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    by_key(page, "race_stop").locator("button").click()  # free the server's workers for other tests
