"""The learning-rate finder in a real browser: "Find a learning rate" on a toy Playground spec queues a
sweep through the job runner; the finished sweep draws loss against rate on a log axis with the
suggestion marked, and "Use this rate" puts the suggested rate in the learning-rate widget.

The page starts at lr=3: the suggestion is at most a tenth of the lowest-loss rate of a sweep that ends
at 1, so it can never equal the starting value, and a button that does nothing cannot pass. The
suggestion is read from the page's own text, then compared with the chart's marker and the slider.
The sweep is the page's (200 batches of a 2-feature toy set): a few seconds of training.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from synaptic_core.bench.browser import button_by_key, by_key, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

START_LR = 3.0
TOY = f"/playground?dataset=xor&model=mlp&lr={START_LR:g}"
RUN_TIMEOUT_S = 180
SUGGESTED = re.compile(r"Suggested learning rate: ([0-9.eE+-]+)")

# Read from the chart's DOM node: the x axis type Plotly.js drew (``_fullLayout``, the resolved layout),
# the traces, and the x of each vertical line of the figure (the suggestion's marker).
_CHART_JS = """(sel) => {
    const el = document.querySelector(sel);
    if (!el || !el._fullLayout || !el._fullLayout.xaxis || !el.layout) return null;
    const vlines = (el.layout.shapes || []).filter((s) => s.x0 === s.x1).map((s) => Number(s.x0));
    return {xtype: el._fullLayout.xaxis.type, traces: (el.data || []).map((t) => t.name), vlines: vlines};
}"""


def _lr_shown(page):
    """The value the learning-rate slider shows (its thumb's label)."""
    return by_key(page, "w_lr").get_by_test_id("stSliderThumbValue").first


def _url_lr(url: str) -> float | None:
    values = parse_qs(urlparse(url).query).get("lr")
    return float(values[0]) if values else None


def test_find_a_learning_rate_then_use_the_suggested_rate(open_page):
    page = open_page(TOY)
    expect(by_key(page, "w_lr")).to_be_attached(timeout=60_000)
    expect(_lr_shown(page)).to_have_text(f"{START_LR:g}")

    find = button_by_key(page, "lr_find")
    expect(find).to_be_enabled(timeout=60_000)
    find.click()

    # the finished sweep: its results block, the chart on a log x axis with the suggestion marked
    results = by_key(page, "lr_find_results")
    expect(results).to_be_visible(timeout=RUN_TIMEOUT_S * 1000)
    expect(results).to_contain_text(SUGGESTED, timeout=60_000)
    rate_text = SUGGESTED.search(results.inner_text()).group(1)
    rate = float(rate_text)
    assert 1e-6 <= rate < START_LR / 10, rate

    chart = page.wait_for_function(_CHART_JS, arg=".st-key-lr_find_chart .js-plotly-plot", timeout=60_000).json_value()
    assert chart["xtype"] == "log", chart
    assert chart["traces"] == ["batch loss", "smoothed"], chart
    assert len(chart["vlines"]) == 1, chart
    assert float(f"{chart['vlines'][0]:.2g}") == rate, (chart, rate_text)  # the page rounds to 2 digits
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)

    use = button_by_key(page, "lr_find_use")
    expect(use).to_be_enabled(timeout=30_000)
    use.click()
    wait_idle(page, timeout_ms=60_000)
    expect(_lr_shown(page)).to_have_text(rate_text, timeout=60_000)
    # the link follows the widget, so Train and a copied link both use the suggested rate
    page.wait_for_url(lambda url: _url_lr(url) == rate, timeout=60_000)
    expect(button_by_key(page, "train")).to_be_enabled(timeout=60_000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
