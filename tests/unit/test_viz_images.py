"""image_mosaic / image_grid: each image lands in its cell, under its own caption, in one cheap trace."""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from synaptic_core.viz import image_grid, image_mosaic


def distinct_images(n, h=4, w=5, channels=None):
    """Image k is filled with the value 3*k+1 (never the white padding), with a marker pixel."""
    imgs = np.zeros((n, h, w) + ((channels,) if channels else ()), dtype=np.uint8)
    for k in range(n):
        imgs[k] = 3 * k + 1
        imgs[k, 0, 0] = 200  # orientation check: top-left stays top-left
    return imgs


def decode(source: str) -> np.ndarray:
    assert source.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))))


def test_mosaic_places_image_k_in_its_cell():
    imgs = distinct_images(10)
    canvas, origins = image_mosaic(imgs, cols=4, pad=2, caption_height=3)
    assert canvas.shape == (2 + 3 * (3 + 4 + 2), 2 + 4 * (5 + 2))
    for k, (top, left) in enumerate(origins):
        r, c = divmod(k, 4)
        assert (top, left) == (2 + r * 9 + 3, 2 + c * 7)
        np.testing.assert_array_equal(canvas[top:top + 4, left:left + 5], imgs[k])
    assert canvas[0].tolist() == [255] * canvas.shape[1]  # padding is background
    assert canvas[-6:, 2 + 2 * 7:].min() == 255  # the two empty cells of the last row stay blank


def test_mosaic_wider_cells_centre_the_image():
    canvas, origins = image_mosaic(distinct_images(2), cols=2, pad=1, cell_width=9)
    assert origins == [(1, 1 + 2), (1, 1 + 10 + 2)]


def test_mosaic_colour_and_single_channel():
    rgb = distinct_images(3, channels=3)
    rgb[1, ..., 2] = 99
    canvas, origins = image_mosaic(rgb, cols=3)
    assert canvas.shape[-1] == 3
    top, left = origins[1]
    np.testing.assert_array_equal(canvas[top:top + 4, left:left + 5], rgb[1])
    grey1 = distinct_images(3, channels=1)
    canvas, origins = image_mosaic(grey1, cols=3)
    assert canvas.ndim == 2
    np.testing.assert_array_equal(canvas[origins[2][0]:origins[2][0] + 4, origins[2][1]:origins[2][1] + 5],
                                  grey1[2, ..., 0])


def test_grid_caption_sits_over_its_image():
    imgs = distinct_images(12, h=6, w=6)
    titles = [f"img {k}" for k in range(12)]
    fig = image_grid(imgs, titles, cols=5, zoom=4)
    images = [t for t in fig.data if isinstance(t, go.Image)]
    assert len(images) == 1 and len(fig.data) == 2  # one image trace, one hover trace
    picture = decode(images[0].source)
    assert [a.text for a in fig.layout.annotations] == titles
    for k, a in enumerate(fig.layout.annotations):
        top, left = int(a.y + 0.5), int(a.x - 2.5)  # caption anchored at the image's top edge, centred
        assert a.yanchor == "bottom"
        np.testing.assert_array_equal(picture[top:top + 6, left:left + 6], imgs[k])
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    assert fig.layout.yaxis.scaleanchor == "x"
    assert list(fig.data[1].hovertext) == titles


def test_grid_wraps_long_captions_and_accepts_colour_and_floats():
    imgs = np.random.default_rng(0).random((3, 28, 28, 3))  # floats 0..1
    fig = image_grid(imgs, ["true 7 · pred 1 (93%)"] * 3, cols=3, zoom=3)
    assert fig.layout.annotations[0].text == "true 7<br>pred 1 (93%)"
    picture = decode(fig.data[0].source)
    a = fig.layout.annotations[1]
    top, left = int(a.y + 0.5), int(a.x - 13.5)
    np.testing.assert_array_equal(picture[top:top + 28, left:left + 28], np.round(imgs[1] * 255).astype(np.uint8))


def test_grid_64_images_is_one_image_trace():
    imgs = np.random.default_rng(1).integers(0, 256, (64, 28, 28), dtype=np.uint8)
    fig = image_grid(imgs, [f"true {k % 10} · pred {(k + 1) % 10} (90%)" for k in range(64)])
    assert sum(isinstance(t, go.Image) for t in fig.data) == 1
    assert len(fig.layout.annotations) == 64
    assert len(fig.to_json()) < 400_000  # a PNG, not 50k numbers per channel


def test_grid_edge_cases():
    with pytest.raises(ValueError):
        image_grid(distinct_images(3), ["a", "b"])
    fig = image_grid(np.zeros((0, 28, 28), dtype=np.uint8), [])
    assert fig.layout.annotations[0].text == "No images"
    fig = image_grid(distinct_images(3))  # no titles: no caption band
    assert len(fig.layout.annotations) == 0
