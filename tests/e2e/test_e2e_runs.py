"""Identity, runs and sharing in a real browser (issue 9).

* The owner token: the page's cookie element gives a first visit a token; a reload and a second tab
  keep it; another browser (context) gets another; it is never in the URL; with cookies cleared, the
  localStorage copy brings it back. (A browser restart with a persistent profile was checked by hand:
  the cookie lives 400 days.)
* A running run keeps its Stop button across a reload, and Stop works after it; the run's link in a
  second browser context shows the run, with no Stop (while it trains) and no Delete (when done).
* Two runs selected on the Runs page give one chart with both runs' curves.

Runs for the Compare test are written into the server's store directly (as finished runs of this
browser's owner id), so the test checks the page, not the speed of training.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from synaptic_core.bench.browser import VIEWPORT, button_by_key, by_key, chart_points, wait_idle
from synaptic_core.identity import is_token, owner_id

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

COOKIE = "synaptic_owner"
LONG_RUN = "/playground?dataset=mnist&model=mlp&epochs=1000"  # stopped by the test; long enough to outlive a reload on a fast machine
RUN_TIMEOUT_S = 180


def _token(context) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == COOKIE), None)


def _go(page, url: str) -> None:
    page.goto(url)
    wait_idle(page, timeout_ms=60_000)


def _wait_token(context, page) -> str:
    """The cookie the identity element sets on a first visit (it reports back with one rerun)."""
    deadline = time.monotonic() + 30
    while not _token(context):
        assert time.monotonic() < deadline, "no owner cookie 30 s after the first visit"
        page.wait_for_timeout(100)
    return _token(context)


@pytest.fixture
def other_page(_chromium):
    """A page in a second browser context: another person (no cookies shared with ``page``)."""
    context = _chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def test_the_owner_token_is_kept_by_this_browser_only(page, other_page, app_server):
    _go(page, app_server.url + "/runs")
    token = _wait_token(page.context, page)
    assert is_token(token)
    assert page.evaluate(f"localStorage.getItem('{COOKIE}')") == token
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE)
    assert cookie["expires"] - time.time() > 300 * 86400  # persistent: it outlives the browser session
    page.reload()
    wait_idle(page, timeout_ms=60_000)
    assert _token(page.context) == token and token not in page.url
    second_tab = page.context.new_page()
    _go(second_tab, app_server.url + "/playground")
    assert _token(page.context) == token
    second_tab.close()
    _go(other_page, app_server.url + "/runs")
    theirs = _wait_token(other_page.context, other_page)
    assert is_token(theirs) and theirs != token

    # Cookies cleared but the site's storage kept: the element finds the localStorage copy, reports it
    # (one rerun) and the page lists that person's runs again.
    _seed_runs(app_server, owner_id(theirs), count=1)
    other_page.context.clear_cookies()
    _go(other_page, app_server.url + "/runs")
    expect(other_page.get_by_text("1 of your 1 runs")).to_be_visible(timeout=30_000)
    assert _token(other_page.context) == theirs


def test_a_reloaded_run_keeps_its_stop_button_and_a_shared_link_has_no_controls(page, other_page, app_server):
    _go(page, app_server.url + LONG_RUN)
    _wait_token(page.context, page)
    train = button_by_key(page, "train")
    expect(train).to_be_enabled(timeout=30_000)
    train.click()
    expect(button_by_key(page, "stop")).to_be_visible(timeout=RUN_TIMEOUT_S * 1000)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while "run=" not in page.url:
        assert time.monotonic() < deadline, "the run's id never reached the URL"
        page.wait_for_timeout(100)
    run_id = re.search(r"[?&]run=([^&]+)", page.url).group(1)

    page.reload()  # a new Streamlit session: only the cookie says who this is
    wait_idle(page, timeout_ms=60_000)
    stop = button_by_key(page, "stop")
    expect(stop).to_be_visible(timeout=60_000)
    expect(stop).to_have_text("Stop")

    # The same link in another browser: the run is there, live, but it is not theirs to stop.
    _go(other_page, page.url)
    expect(by_key(other_page, "live_curves")).to_be_visible(timeout=60_000)
    expect(other_page.get_by_text("only the person who started it can stop it")).to_be_visible(timeout=60_000)
    expect(by_key(other_page, "stop")).to_have_count(0)

    stop.click()  # Stop still works after the reload
    expect(page.get_by_text(re.compile(r"Stopped at epoch \d+")).first).to_be_visible(timeout=RUN_TIMEOUT_S * 1000)
    expect(by_key(page, "results")).to_be_visible(timeout=RUN_TIMEOUT_S * 1000)

    # On the Runs page the owner may delete the finished run; someone with its link may only watch and copy.
    # (The store learns that the run ended a moment after the page does: open it until it has.)
    deadline = time.monotonic() + 60
    while True:
        _go(page, f"{app_server.url}/runs?run={run_id}")
        expect(by_key(page, "shared_run")).to_be_visible()
        if page.get_by_role("button", name="Delete", exact=True).count():
            break
        assert time.monotonic() < deadline, "no Delete button for the owner of a stopped run"
        page.wait_for_timeout(500)
    _go(other_page, f"{app_server.url}/runs?run={run_id}")
    shared = by_key(other_page, "shared_run")
    expect(shared).to_be_visible()
    expect(shared.get_by_text("Shared run")).to_be_visible()
    expect(other_page.get_by_role("button", name="Delete", exact=True)).to_have_count(0)
    expect(other_page.get_by_role("button", name="Stop", exact=True)).to_have_count(0)
    expect(other_page.get_by_text("Open in Playground", exact=True)).to_be_visible()


def _seed_runs(app_server, owner: str, count: int = 2) -> list[str]:
    """Finished xor runs of ``owner`` (learning rates 0.05 and 0.2) in the server's own store."""
    from synaptic_core.presets import layered_spec
    from synaptic_core.store import RunStore, labels

    store = RunStore(Path(app_server.log_path).parent / "home" / "runs.db")  # the fixture's SYNAPTIC_HOME
    ids = []
    try:
        for name, lr, accs in (("alpha", 0.05, (0.6, 0.7, 0.8)), ("beta", 0.2, (0.5, 0.8, 0.9)))[:count]:
            spec = layered_spec({"dataset": "xor", "model": "mlp"}).replace(lr=lr)
            run_id = store.create_run(spec, owner=owner)
            history = [{"epoch": i, "loss": 1 - a, "accuracy": a, "val_loss": 1.1 - a, "val_accuracy": a - 0.05}
                       for i, a in enumerate(accs)]
            store.set_result(run_id, {"history": history, "test": {"accuracy": accs[-1], "loss": 0.3},
                                      "params": 337, "epochs_run": 3, "train_seconds": 1.0}, status="done")
            labels.set_name(store, run_id, name)
            ids.append(run_id)
    finally:
        store.close()
    return ids


def test_two_selected_runs_give_one_chart_with_both_curves(page, app_server):
    _go(page, app_server.url + "/runs")
    ids = _seed_runs(app_server, owner_id(_wait_token(page.context, page)))
    _go(page, app_server.url + "/runs")
    expect(by_key(page, "runs_table")).to_be_visible()
    picker = by_key(page, "runs_selected")
    for name in ("alpha", "beta"):
        picker.locator("input").click()
        page.get_by_role("option", name=re.compile(rf"^{name} ")).click()
        page.keyboard.press("Escape")  # close the list: the choice is sent
        wait_idle(page, timeout_ms=60_000)
    chart = by_key(page, "compare_curves")
    expect(chart.locator(".js-plotly-plot")).to_be_visible(timeout=30_000)
    expect(page.locator(".st-key-compare_curves .js-plotly-plot")).to_have_count(1)  # one chart
    groups = page.evaluate("""() => {
        const el = document.querySelector('.st-key-compare_curves .js-plotly-plot');
        return [...new Set(el.data.map(t => t.legendgroup))];
    }""")
    assert sorted(groups) == sorted(ids)
    assert chart_points(page, "compare_curves") == 2 * 2 * 2 * 3  # 2 runs x 2 panels x (val, train) x 3 epochs
