"""Synthetic pen-drawn digits: deterministic, canvas-like images, evaluation writers never used for training."""

from __future__ import annotations

import numpy as np
import pytest

from synaptic_core.digits.handwriting import (CANVAS, TEMPLATES, Writer, draw_digit, handwriting_set, place, render,
                                              writer_seeds)
from synaptic_core.digits.preprocess import ink_bbox, preprocess, to_grey


def test_same_seed_same_image_and_another_seed_another():
    def one(seed: int, digit: int = 4) -> np.ndarray:
        rng = np.random.default_rng(seed)
        return draw_digit(digit, Writer.random(rng), rng)

    np.testing.assert_array_equal(one(7), one(7))
    assert not np.array_equal(one(7), one(8))


def test_handwriting_set_is_deterministic_and_labelled_in_order():
    a, la = handwriting_set(2)
    b, lb = handwriting_set(2)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    assert a.shape == (20, CANVAS, CANVAS, 4) and la.tolist() == list(range(10)) * 2


def test_eval_and_train_writer_seeds_are_disjoint():
    ev, tr = writer_seeds("eval"), writer_seeds("train")
    assert len(ev) > 0 and len(tr) > 0
    assert ev.step == tr.step == 1
    assert ev.start >= tr.stop or tr.start >= ev.stop  # ranges do not overlap at all
    images, _ = handwriting_set(1)  # the default set is drawn by evaluation writers
    rng = np.random.default_rng(ev[0])
    writer = Writer.random(rng)
    np.testing.assert_array_equal(images[0], draw_digit(0, writer, rng))


def test_image_is_opaque_rgba_uint8_white_ink_on_black_like_the_canvas():
    images, _ = handwriting_set(1)
    for im in images:
        assert im.shape == (CANVAS, CANVAS, 4) and im.dtype == np.uint8
        assert (im[..., 3] == 255).all()  # opaque: ink lives in RGB, as st_canvas returns it
        assert (im[..., 0] == im[..., 1]).all() and (im[..., 1] == im[..., 2]).all()
        assert im[..., 0].max() == 255 and np.median(im[..., 0]) == 0
        assert 0.005 < (im[..., 0] > 127).mean() < 0.5  # a digit, not a blank or a filled canvas


def test_every_template_variant_renders_a_digit_that_preprocesses():
    rng = np.random.default_rng(0)
    assert sorted(TEMPLATES) == list(range(10))
    for digit, variants in TEMPLATES.items():
        for v in range(len(variants)):
            im = draw_digit(digit, Writer.random(rng), rng, variant=v)
            top, bottom, left, right = ink_bbox(to_grey(im))
            assert bottom - top >= 30 or right - left >= 30, (digit, v)  # a visible digit, not a speck
            assert preprocess(im).shape == (28, 28)


def test_render_draws_round_strokes_of_the_pen_width():
    line = np.array([[60.0, 140.0], [220.0, 140.0]])
    im = render([line], width=20)
    column = im[:, 140, 0]
    assert 18 <= (column > 127).sum() <= 22  # the stroke is as thick as the pen
    row = im[140, :, 0]
    assert 50 - 1 <= np.flatnonzero(row > 127)[0] <= 50 + 1  # round cap: half a pen beyond the end point


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_writers_stay_in_their_documented_ranges(seed):
    w = Writer.random(np.random.default_rng(seed))
    assert 8 <= w.width <= 40 and 60 <= w.height <= 250 and 0 <= w.cx <= CANVAS and 0 <= w.cy <= CANVAS
    pts = place(TEMPLATES[1][0], w, np.random.default_rng(seed))[0]
    assert np.ptp(pts[:, 1]) == pytest.approx(w.height * 0.96, rel=0.25)  # the template's 1 spans 0.02..0.98
