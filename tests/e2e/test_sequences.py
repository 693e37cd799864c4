"""Sequences in a real browser: train a small sentiment model and ask it about a typed review;
train a small character model and generate text at two temperatures side by side.

Both runs go through the real job runner (spawned process, TensorFlow) on the bundled data;
the review and the generator load the run's saved model in the Streamlit process.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from synaptic_core.bench.browser import by_key, chart_points

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SENTIMENT_RUN = ("/sentiment?dataset=sentences&model=conv1d&vocab_size=2000&seq_len=30&embed_dim=16&units=16"
                 "&kernel=3&epochs=3&batch_size=32&subset=0")
GENERATION_RUN = ("/text_generation?dataset=shakespeare&model=lstm&units=32&embed_dim=16&seq_len=40&stride=3"
                  "&subset=2000&epochs=2&batch_size=128")
RUN_TIMEOUT_S = 240


def _button(page, key: str):
    """The visible button of ``key`` (a button with a help tooltip renders a hidden twin for sizing)."""
    return by_key(page, key).locator("button:visible").first


def _train_and_wait(page) -> None:
    train = _button(page, "train")
    expect(train).to_be_enabled(timeout=30_000)
    train.click()
    expect(page).to_have_url(re.compile(r"[?&]run="), timeout=30_000)
    expect(by_key(page, "results")).to_be_visible(timeout=RUN_TIMEOUT_S * 1000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_sentiment_trains_then_explains_a_typed_review(open_page):
    page = open_page(SENTIMENT_RUN)
    _train_and_wait(page)
    # the results block shows first; the ROC below it streams in after the confusion matrix and the
    # mistakes gallery (seconds later on a loaded machine): wait for it rather than read it at once
    deadline = time.monotonic() + 60
    while not chart_points(page, "roc") and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert chart_points(page, "roc"), "the ROC curve is drawn"
    expect(by_key(page, "confusion").locator(".js-plotly-plot")).to_be_visible()

    box = by_key(page, "review").locator("textarea")
    box.fill("A wonderful movie with great acting, I loved it")
    # One click right after typing, as a student does (issue 14: the button stayed disabled until the
    # text area lost focus, so the first click did nothing).
    predict = _button(page, "review_predict")
    expect(predict).to_be_enabled()
    predict.click()
    result = by_key(page, "review_result")
    expect(result).to_be_visible(timeout=120_000)  # the first time imports TensorFlow in the server
    expect(result).to_contain_text(re.compile(r"(Positive|Negative) — P\(positive\) = \d+\.\d%"))
    words = result.locator(".word-contribution")
    expect(words).to_have_count(9)  # a wonderful movie with great acting i loved it
    expect(words.first).to_have_attribute("title", re.compile(r"points towards (positive|negative)"))


def test_text_generation_shows_samples_and_generates_at_two_temperatures(open_page):
    page = open_page(GENERATION_RUN)
    train = _button(page, "train")
    expect(train).to_be_enabled(timeout=30_000)
    train.click()
    # while it trains (or right after), the sample of the first epoch is shown
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not by_key(page, "results").is_visible():
        assert time.monotonic() < deadline, f"no results after {RUN_TIMEOUT_S} s"
        page.wait_for_timeout(200)
    expect(by_key(page, "final_samples").locator("pre")).to_have_count(3)

    generator = by_key(page, "generator")
    expect(generator).to_be_visible()
    generator.locator("textarea").fill("ROMEO:\nWhat light")
    generator.locator("textarea").press("Control+Enter")
    _button(page, "generate").click()
    generated = by_key(page, "generated")
    expect(generated).to_be_visible(timeout=120_000)
    expect(generated).to_contain_text("temperature 0.5")
    expect(generated).to_contain_text("temperature 1")
    texts = generated.locator("pre")
    expect(texts).to_have_count(2)
    for i in range(2):
        assert len(texts.nth(i).inner_text().strip()) > 50, "each temperature wrote its 300 characters"
