"""Train in a real browser: live curves while training, results after, Stop, and the model download.

The spec travels in the URL (the page reads it from st.query_params), so each test opens
exactly the run it needs. Keys are the table in docs/ARCHITECTURE.md section 8.
"""

from __future__ import annotations

import re
import time
import zipfile

import pytest
from playwright.sync_api import expect

from synaptic_core.bench.browser import button_by_key, by_key, chart_points

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Long enough (about 10 s of fit on a quiet 2-core machine) that the 0.5 s live tick sees the chart grow:
# a 4-epoch run once finished between two draws on a fast CI machine.
SHORT_RUN = "/playground?dataset=mnist&model=mlp&subset=6000&epochs=10&batch_size=64"
LONG_RUN = "/playground?dataset=mnist&model=mlp&epochs=1000"  # stopped by the test long before its end
TINY_RUN = "/playground?dataset=mnist&model=mlp&subset=1000&epochs=1"
RUN_TIMEOUT_S = 180


def _click_train(page) -> None:
    train = button_by_key(page, "train")
    expect(train).to_be_enabled(timeout=30_000)
    train.click()


def _wait_results(page) -> None:
    expect(by_key(page, "results")).to_be_visible(timeout=RUN_TIMEOUT_S * 1000)


def test_training_streams_live_curves_then_shows_results(open_page):
    page = open_page(SHORT_RUN)
    _click_train(page)

    # Poll what the browser actually draws: the live chart must grow while the run trains,
    # i.e. show at least two different non-empty states before the results replace it.
    results = by_key(page, "results")
    drawn: list[int] = []
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not results.is_visible():
        points = chart_points(page, "live_curves")
        if points and (not drawn or points != drawn[-1]):
            drawn.append(points)
        assert time.monotonic() < deadline, f"no results after {RUN_TIMEOUT_S} s; chart points seen: {drawn}"
        page.wait_for_timeout(100)
    print("chart points seen while training:", drawn)
    assert len(drawn) >= 2, f"the live chart changed only {len(drawn)} time(s) while training: {drawn}"

    expect(by_key(page, "confusion").locator(".js-plotly-plot")).to_be_visible()
    accuracy = results.locator('[data-testid="stMetric"]').filter(has_text=re.compile("test accuracy", re.I))
    expect(accuracy).to_have_count(1)
    expect(accuracy.locator('[data-testid="stMetricValue"]')).to_have_text(re.compile(r"\d"))
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_stop_ends_a_long_run_and_keeps_its_results(open_page):
    page = open_page(LONG_RUN)
    _click_train(page)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not chart_points(page, "live_curves"):  # the first live metric is on the chart
        assert time.monotonic() < deadline, f"no live metric after {RUN_TIMEOUT_S} s"
        page.wait_for_timeout(100)

    stopped = page.get_by_text(re.compile(r"\bstopped\b", re.I)).filter(visible=True)
    expect(stopped).to_have_count(0)  # the word must come from the stop, not from static text
    # A double click, as an impatient student does: still a graceful stop that keeps the results (issue 14:
    # the second click used to kill the process and wipe the curves).
    button_by_key(page, "stop").dblclick()
    pressed = time.monotonic()
    expect(stopped.first).to_be_visible(timeout=60_000)
    assert time.monotonic() - pressed < 60
    _wait_results(page)
    epochs_run = by_key(page, "results").locator('[data-testid="stMetric"]').filter(has_text="Epochs run")
    expect(epochs_run.locator('[data-testid="stMetricValue"]')).to_have_text(re.compile(r"^\s*\d+\s*$"))
    assert int(epochs_run.locator('[data-testid="stMetricValue"]').inner_text()) < 1000


def test_trained_model_downloads_as_keras_file(open_page, tmp_path):
    page = open_page(TINY_RUN)
    _click_train(page)
    _wait_results(page)
    button = button_by_key(page, "model_download")
    expect(button).to_be_visible()
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".keras"), download.suggested_filename
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.stat().st_size > 0
    assert zipfile.is_zipfile(saved), "a .keras file is a zip archive (config + weights)"
