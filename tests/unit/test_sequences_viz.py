"""Sequence figures: where predictions and the forecast sit on the time axis, and the word highlights."""

from __future__ import annotations

import numpy as np

from synaptic_core.viz.sequences import (contributions_figure, contributions_html, ordered_samples, series_figure,
                                         temperature_label)


def test_series_figure_places_train_test_and_forecast_on_their_steps():
    values = np.arange(20.0)
    fig = series_figure(values, split=14, look_back=3, train_pred=values[3:14] + 0.5, test_pred=values[14:] - 0.5,
                        forecast=[20.0, 21.0], unit="passengers")
    actual, train, test, fc = fig.data
    assert list(actual.x) == list(range(20))
    assert list(train.x) == list(range(3, 14)) and list(test.x) == list(range(14, 20))
    assert list(fc.x) == [19, 20, 21] and list(fc.y) == [19.0, 20.0, 21.0]  # starts at the last actual value
    assert fig.layout.shapes[0].x0 == 13.5  # the split line between the periods
    assert fig.layout.yaxis.title.text == "passengers"


def test_series_figure_without_predictions_is_a_preview():
    fig = series_figure(np.arange(10.0), 6, 2, [], [])
    assert [t.name for t in fig.data] == ["actual", "predicted (train)", "predicted (test)"]


def test_contributions_html_colours_by_sign_and_escapes_text():
    html = contributions_html([("great", 0.4), ("<script>", -0.2), ("the", 0.0)])
    assert html.count('class="word-contribution"') == 3
    assert "<script>" not in html and "&lt;script&gt;" in html
    great, script, the = html.split('class="word-contribution"')[1:]
    assert "rgba(44,160,44,0.85)" in great           # strongest word: full shade, green
    assert "rgba(214,39,40,0.42)" in script           # half as strong, red
    assert "0.00)" in the and "+0.0 points" in the
    assert 'title="+40.0 points towards positive"' in great


def test_contributions_figure_keeps_the_strongest_words_on_top():
    fig = contributions_figure([("a", 0.01), ("good", 0.3), ("bad", -0.5), ("movie", 0.0)], top=2)
    bar = fig.data[0]
    assert list(bar.y) == ["good (2)", "bad (3)"]  # Plotly's last bar is the top one
    assert list(bar.x) == [30.0, -50.0]


def test_temperature_labels_and_sample_order():
    assert temperature_label(0) == "temperature 0 (greedy)"
    assert temperature_label(1.0) == "temperature 1"
    assert temperature_label(1.5).endswith("(adventurous)")
    assert ordered_samples({"1": "c", "0": "a", "0.5": "b"}) == [(0.0, "a"), (0.5, "b"), (1.0, "c")]
