"""MNIST-style preprocessing of a drawing, step by step: grey, crop, 20 px box, centre of mass, 28x28."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from synaptic_core.digits.preprocess import (BOX, SIZE, BlankDrawingError, centre_by_mass, crop_to_ink, fit_box,
                                             ink_bbox, preprocess, to_grey)


def canvas(shape=(280, 280)) -> np.ndarray:
    """An empty canvas as st_canvas returns it: opaque black RGBA."""
    c = np.zeros(shape + (4,), np.uint8)
    c[..., 3] = 255
    return c


def ink(c: np.ndarray, rows: slice, cols: slice, level: int = 255) -> np.ndarray:
    c[rows, cols, :3] = level
    return c


def bar_canvas() -> np.ndarray:
    """A tall off-centre bar (100 x 30 px) plus a thin foot: not symmetric, so centring by mass differs from by box."""
    c = ink(canvas(), slice(40, 140), slice(200, 230))
    return ink(c, slice(130, 140), slice(160, 200))


# -- to_grey ---------------------------------------------------------------------------------
def test_rgba_canvas_reads_ink_from_colour_not_alpha():
    c = ink(canvas(), slice(10, 20), slice(30, 40))
    grey = to_grey(c)
    assert grey.shape == (280, 280) and grey.dtype == np.float32
    assert grey[15, 35] == pytest.approx(255, abs=0.5) and grey[0, 0] == 0


def test_transparent_background_counts_as_black():
    c = np.zeros((50, 50, 4), np.uint8)  # RGBA all zero: transparent
    c[10:20, 10:20] = 255
    grey = to_grey(c)
    assert grey[0, 0] == 0 and grey[15, 15] == pytest.approx(255, abs=0.5)


@pytest.mark.parametrize("kind", ["grey", "grey1", "rgb", "float01", "float255"])
def test_grey_rgb_and_float_inputs_give_the_same_grey(kind):
    base = np.zeros((60, 40), np.uint8)
    base[10:50, 15:25] = 200
    image = {"grey": base, "grey1": base[..., None], "rgb": np.repeat(base[..., None], 3, axis=2),
             "float01": base.astype(np.float64) / 255.0, "float255": base.astype(np.float32)}[kind]
    np.testing.assert_allclose(to_grey(image), base.astype(np.float32), atol=0.6)


def test_light_background_is_inverted_so_ink_is_bright():
    paper = np.full((100, 100, 3), 250, np.uint8)  # a photo of dark ink on white paper
    paper[20:80, 45:55] = 10
    grey = to_grey(paper)
    assert grey[50, 50] > 230 and grey[5, 5] < 10
    x = preprocess(paper)
    assert x.max() == 255 and x[0, 0] == 0  # white digit on black, as MNIST


def test_bad_shapes_are_refused():
    for bad in (np.zeros((5, 5, 2)), np.zeros((2, 3, 4, 5)), np.zeros((0, 0))):
        with pytest.raises(ValueError):
            to_grey(bad)


# -- crop and fit ------------------------------------------------------------------------------
def test_bbox_and_crop_cover_exactly_the_ink():
    grey = to_grey(bar_canvas())
    assert ink_bbox(grey) == (40, 139, 160, 229)
    crop = crop_to_ink(grey, ink_bbox(grey))
    assert crop.shape == (100, 70)
    assert crop[0].max() > 0 and crop[-1].max() > 0 and crop[:, 0].max() > 0 and crop[:, -1].max() > 0


def test_bbox_ignores_faint_noise_below_the_threshold():
    grey = np.zeros((50, 50), np.float32)
    grey[0, 0] = 10  # a stray faint pixel
    grey[20:30, 22:26] = 255
    assert ink_bbox(grey) == (20, 29, 22, 25)
    assert ink_bbox(np.zeros((10, 10), np.float32)) is None


@pytest.mark.parametrize("h,w", [(100, 30), (30, 100), (50, 50), (7, 280)])
def test_fit_box_longest_side_is_20_and_aspect_is_kept(h, w):
    out = fit_box(np.full((h, w), 255, np.float32))
    assert max(out.shape) == BOX
    assert out.shape[0] / out.shape[1] == pytest.approx(h / w, rel=0.1, abs=1 / BOX)


def test_fit_box_anti_aliases_a_thin_line_instead_of_dropping_it():
    crop = np.zeros((200, 200), np.float32)
    crop[:, 98:102] = 255  # 4 px wide on a 200 px digit: 0.4 px at 20 px
    out = fit_box(crop)
    column = out.max(axis=0)
    assert out.max() > 40  # still there, grey rather than gone
    assert (column > 5).sum() <= 3  # and narrow


# -- centre of mass and the whole pipeline ----------------------------------------------------
def test_centre_by_mass_puts_the_centre_of_mass_at_14_14():
    digit = np.zeros((20, 12), np.float32)
    digit[:, :3] = 255  # mass heavily on the left: the box centre is not the mass centre
    digit[-3:, :] = 255
    field = centre_by_mass(digit)
    assert field.shape == (SIZE, SIZE)
    cy, cx = ndimage.center_of_mass(field)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


def test_preprocess_gives_an_mnist_like_28x28():
    x = preprocess(bar_canvas())
    assert x.shape == (28, 28) and x.dtype == np.uint8
    assert x.max() == 255  # same intensity scale as MNIST
    cy, cx = ndimage.center_of_mass(x.astype(float))
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    rows, cols = np.flatnonzero(x.max(axis=1) > 32), np.flatnonzero(x.max(axis=0) > 32)
    assert 19 <= rows[-1] - rows[0] + 1 <= 21  # the 100 px tall digit is now 20 px tall
    assert 12 <= cols[-1] - cols[0] + 1 <= 16  # and 70 px wide -> 14 px: aspect kept


def test_position_and_size_on_the_canvas_do_not_matter():
    small = ink(canvas(), slice(10, 60), slice(10, 25))  # small, top-left
    big = ink(canvas(), slice(40, 240), slice(110, 170))  # four times bigger, centred
    a, b = preprocess(small).astype(float), preprocess(big).astype(float)
    assert np.abs(a - b).mean() < 8


def test_blank_canvas_raises_blank_drawing_error():
    with pytest.raises(BlankDrawingError):
        preprocess(canvas())
    with pytest.raises(BlankDrawingError):
        preprocess(np.zeros((28, 28), np.uint8))


def test_a_tiny_dot_gives_a_valid_image():
    c = ink(canvas(), slice(100, 102), slice(200, 202))
    x = preprocess(c)
    assert x.shape == (28, 28) and x.dtype == np.uint8 and x.max() == 255
    cy, cx = ndimage.center_of_mass(x.astype(float))
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


@pytest.mark.parametrize("coverage", [0.3, 0.7])
def test_a_scribble_over_the_whole_canvas_gives_a_valid_image(coverage):
    """Thick random strokes from border to border, covering less or more than half of the canvas."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(1)
    img = Image.new("L", (280, 280), 0)
    draw = ImageDraw.Draw(img)
    draw.line([(0, 0), (279, 279)], fill=255, width=30)
    draw.line([(279, 0), (0, 279)], fill=255, width=30)
    while (np.asarray(img) > 0).mean() < coverage:
        draw.line([tuple(rng.integers(0, 280, 2).tolist()) for _ in range(4)], fill=255, width=40)
    c = canvas()
    c[..., :3] = np.asarray(img)[..., None]
    x = preprocess(c)
    assert x.shape == (28, 28) and x.dtype == np.uint8 and x.max() == 255
