"""Your own data in a real browser: upload a CSV through the file uploader, pick its target, train on it.

The CSV is generated here (a regression: price from size, rooms and a text column), set on the
uploader's file input with Playwright, stored by the page as ``upload:<key>`` and trained; the
results show the regression's errors and scatter plots instead of a confusion matrix.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import expect

from synaptic_core.bench.browser import button_by_key, by_key, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RUN_TIMEOUT_S = 180


def _houses_csv(n: int = 120) -> bytes:
    rng = np.random.default_rng(0)
    rows = ["size,rooms,area,price"]
    for _ in range(n):
        size, rooms, area = rng.uniform(30, 200), int(rng.integers(1, 6)), rng.choice(["north", "south"])
        price = 1000 * size + 5000 * rooms + (20000 if area == "south" else 0) + rng.normal(0, 2000)
        rows.append(f"{size:.1f},{rooms},{area},{price:.0f}")
    return ("\n".join(rows) + "\n").encode()


def test_upload_a_csv_and_train_a_regression_on_it(open_page):
    page = open_page("/playground")
    page.get_by_text("Upload your own data", exact=True).click()
    uploader = by_key(page, "pg_upload_file").locator('input[type="file"]')
    uploader.set_input_files(files=[{"name": "houses.csv", "mimeType": "text/csv", "buffer": _houses_csv()}])

    # the first rows, the target (the last column by default) and what it makes
    expect(page.get_by_text(re.compile(r"Regression: a number is predicted"))).to_be_visible(timeout=60_000)
    use = button_by_key(page, "pg_upload_use")
    expect(use).to_be_enabled(timeout=30_000)
    use.click()
    page.wait_for_url(re.compile(r"dataset=upload%3A[0-9a-f]{16}"), timeout=60_000)
    wait_idle(page, timeout_ms=60_000)
    expect(page.get_by_text(re.compile(r"houses \(your CSV\) — your upload")).first).to_be_visible(timeout=60_000)

    # the link names the upload: opening it (with fewer epochs) trains on the same data
    page.goto(page.url + "&epochs=8")
    wait_idle(page, timeout_ms=60_000)
    train = button_by_key(page, "train")
    expect(train).to_be_enabled(timeout=60_000)
    train.click()
    results = by_key(page, "results")
    expect(results).to_be_visible(timeout=RUN_TIMEOUT_S * 1000)
    # the regression's own metrics (text content has no space between a label and its value)
    expect(results).to_contain_text(re.compile(r"Test R²\s*-?\d"), timeout=60_000)
    expect(results).to_contain_text(re.compile(r"Test MAE\s*\d"))
    expect(by_key(page, "regression").locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
    expect(by_key(page, "confusion")).to_have_count(0)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
