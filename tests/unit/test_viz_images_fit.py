"""image_grid in a column of known width: captions that fit their cell, square pixels, full text on hover.

The misclassified gallery used to be wider than the results column (8 cells of "true T-shirt/top
· pred Pullover (93%)"); Streamlit squeezed it to the column, the thumbnails stretched and the
captions ran into each other. These tests pin the geometry the figure promises.
"""

from __future__ import annotations

import numpy as np
import pytest

from synaptic_core.viz.images import (CHAR_WIDTH, ELLIPSIS, grid_columns, image_grid, mistake_titles, shorten,
                                      text_width)

FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def _mistakes(n: int = 24):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    y_true = np.arange(n) % 10
    y_pred = (y_true + 1 + np.arange(n) % 9) % 10
    return x, y_true, y_pred, rng.random(n)


def _cells(fig):
    """(centre x of each image in image pixels, pitch between neighbouring columns, zoom)."""
    xs = sorted({round(a.x, 3) for a in fig.layout.annotations})
    pitch = min(b - a for a, b in zip(xs, xs[1:])) if len(xs) > 1 else None
    return xs, pitch


def _plot_scale(fig) -> tuple[float, float]:
    """Screen pixels per data unit along x and y (what makes pixels square, or not)."""
    m = fig.layout.margin
    xr, yr = fig.layout.xaxis.range, fig.layout.yaxis.range
    return ((fig.layout.width - m.l - m.r) / abs(xr[1] - xr[0]), (fig.layout.height - m.t - m.b) / abs(yr[1] - yr[0]))


@pytest.mark.parametrize("max_width", [290, 450, 700])
def test_fashion_mistakes_fit_the_column_with_square_pixels(max_width):
    x, y_true, y_pred, conf = _mistakes()
    titles, hover = mistake_titles(y_true, y_pred, conf, FASHION)
    fig = image_grid(x, titles, cols=8, zoom=3.0, max_width=max_width, caption_chars=14, hover=hover)
    assert fig.layout.width <= max_width
    sx, sy = _plot_scale(fig)
    assert sx == pytest.approx(3.0, rel=0.01) and sy == pytest.approx(3.0, rel=0.01)  # 1 image pixel = 3x3 on screen
    _, pitch = _cells(fig)
    for a in fig.layout.annotations:
        for line in a.text.split("<br>"):
            assert len(line) <= 14
            assert text_width(len(line), a.font.size) <= pitch * 3.0 - 4  # a gap to the next caption
    assert list(fig.data[1].hovertext) == hover  # the whole text, never cut


def test_mistake_captions_name_both_classes_and_the_confidence():
    titles, hover = mistake_titles([0, 9, 12], [2, 5, 1], [0.934, 0.5, 0.1], FASHION)
    assert titles[0] == "T-shirt/top\n→ Pullover\n93% sure"
    assert hover[0] == "true T-shirt/top, predicted Pullover (93% sure)"
    assert titles[2].startswith("12\n")  # an index outside the names shows as its number


def test_long_caption_lines_end_in_an_ellipsis_and_keep_the_full_text_on_hover():
    x = np.zeros((2, 28, 28), np.uint8)
    titles = ["a very long class name indeed\n→ short", "ok"]
    fig = image_grid(x, titles, zoom=3.0, caption_chars=10)
    first = fig.layout.annotations[0].text.split("<br>")
    assert first[0] == shorten("a very long class name indeed", 10) and first[0].endswith(ELLIPSIS)
    assert len(first[0]) == 10 and first[1] == "→ short"
    assert fig.data[1].hovertext[0] == "a very long class name indeed · → short"


def test_columns_shrink_to_the_width_and_never_below_one():
    assert grid_columns(64, 28, 2, 3.0, cols=8, max_width=None) == 8
    assert grid_columns(64, 28, 2, 3.0, cols=8, max_width=450) == 4  # (450 - 8 - 6) // 90
    assert grid_columns(3, 28, 2, 3.0, cols=8, max_width=2000) == 3
    assert grid_columns(64, 200, 2, 3.0, cols=8, max_width=100) == 1


def test_digit_captions_keep_many_columns():
    """Short captions ("7") do not widen the cells: MNIST keeps as many columns as fit the images."""
    x = np.zeros((16, 28, 28), np.uint8)
    fig = image_grid(x, [str(k % 10) for k in range(16)], cols=8, zoom=2.0, font_size=9, max_width=290)
    xs, pitch = _cells(fig)
    assert len(xs) == 4 and pitch == 30  # 28 pixels + 2 of padding
    assert fig.layout.width <= 290
    assert CHAR_WIDTH * 9 <= pitch * 2.0
