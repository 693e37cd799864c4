"""The optimizer and gradient-descent labs in a real browser.

The optimizer animation is Plotly frames driven by Plotly's own Play button, so the test
clicks that button inside the chart and reads the state back from the chart's DOM node:
the slider's active step (``_fullLayout.sliders[0].active``) and the position of a
trajectory's head marker (``data``) must move while it plays, and come to rest on the last
frame. (Pause is not pressed here: interrupting an animation makes plotly.js 4 reject the Play
button's promise without a handler, which the page fixture counts as an uncaught error.)
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from synaptic_core.bench.browser import by_key, chart_points

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHART = ".st-key-optim_anim .js-plotly-plot"
STATE = """(sel) => {
    const el = document.querySelector(sel);
    if (!el || !el._fullLayout || !el._fullLayout.sliders) return null;
    const head = el.data.find(t => t.name === "SGD" && t.mode === "markers");
    return {active: el._fullLayout.sliders[0].active, steps: el._fullLayout.sliders[0].steps.length,
            head: head ? [Number(head.x[0]), Number(head.y[0])] : null,
            images: (el._fullLayout.images || []).length,
            drawnImages: el.querySelectorAll("image").length};
}"""


def _state(page) -> dict:
    return page.evaluate(STATE, CHART)


def test_optimizer_page_renders_and_the_animation_plays_on_play(open_page):
    page = open_page("/optimizers")
    expect(page.locator("h1").filter(has_text="Optimizers on loss surfaces")).to_be_visible()
    expect(page.locator(CHART)).to_be_visible(timeout=90_000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    before = _state(page)
    assert before["steps"] > 10 and before["active"] == before["steps"] - 1  # opens on the finished paths
    assert before["head"] is not None and before["images"] == 1

    page.locator(f"{CHART} g.updatemenu-button").filter(has_text="Play").click()
    seen, deadline = [], time.monotonic() + 20
    while time.monotonic() < deadline:
        page.wait_for_timeout(150)
        s = _state(page)
        seen.append((s["active"], tuple(s["head"])))
        if len({a for a, _ in seen}) >= 3 and len({h for _, h in seen}) >= 3:
            break
    actives = [a for a, _ in seen]
    assert len(set(actives)) >= 3, f"the slider did not advance while playing: {actives}"
    assert len({h for _, h in seen}) >= 3, "the SGD marker did not move while playing"
    assert min(actives) < before["steps"] - 1  # Play restarted from the first frame

    # it plays to the last frame and stops there, with every head back where the paths end
    deadline = time.monotonic() + 60
    while (s := _state(page))["active"] != before["steps"] - 1 or s["head"] != before["head"]:
        assert time.monotonic() < deadline, f"the animation did not reach its last frame: {s}"
        page.wait_for_timeout(250)
    page.wait_for_timeout(500)
    assert _state(page)["active"] == before["steps"] - 1
    assert _state(page)["drawnImages"] >= 1, "the landscape picture vanished during the animation"
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_gradient_descent_page_renders_its_charts(open_page):
    page = open_page("/gradient_descent")
    expect(page.locator("h1").filter(has_text="Gradient descent")).to_be_visible()
    for key in ("gd_curves", "gd_paths", "gd_sweep"):
        expect(by_key(page, key).locator(".js-plotly-plot")).to_be_visible(timeout=60_000)
        assert (chart_points(page, key) or 0) > 10, key
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
