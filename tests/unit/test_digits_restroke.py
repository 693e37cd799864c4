"""MNIST strokes redrawn like the canvas: the thinning, the pen, the size and place, the preprocessing."""

import numpy as np

from synaptic_core.digits.restroke import CANVAS, HEIGHT_SHARE, Pen, draw_skeleton, restroke, skeletons, zhang_suen


def _ring(size: int = 28, r_out: float = 9, r_in: float = 5) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size]
    d = np.hypot(yy - size / 2, xx - size / 2)
    return ((d <= r_out) & (d >= r_in)).astype(np.uint8) * 255


def _bar() -> np.ndarray:
    img = np.zeros((28, 28), np.uint8)
    img[4:24, 12:17] = 255  # a 5-px wide vertical stroke: a "1"
    return img


def test_thinning_leaves_a_one_pixel_line_and_keeps_a_loop():
    bar = zhang_suen(_bar() > 0)
    rows = np.flatnonzero(bar.any(axis=1))
    assert bar.sum(axis=1)[rows].max() == 1 and len(rows) >= 14  # one pixel wide, still long
    ring = zhang_suen(_ring() > 0)
    assert 0 < ring.sum() < (_ring() > 0).sum() / 2
    from scipy import ndimage

    holes = ndimage.label(~ring)[1]
    assert holes == 2  # outside and the hole: the 0 stays a 0, not a line


def test_thinning_works_on_a_batch_like_one_by_one():
    batch = np.stack([_bar() > 0, _ring() > 0])
    both = zhang_suen(batch)
    assert np.array_equal(both[0], zhang_suen(batch[0])) and np.array_equal(both[1], zhang_suen(batch[1]))


def test_the_redrawn_digit_has_the_sampled_height_pen_and_place():
    skel = skeletons(_bar()[None])[0]
    pen = Pen(width=20.0, height=0.6 * CANVAS, top=30.0, left=100.0)
    img = draw_skeleton(skel, pen)
    assert img.shape == (CANVAS, CANVAS) and img.dtype == np.uint8
    rows, cols = np.flatnonzero(img.max(axis=1) > 127), np.flatnonzero(img.max(axis=0) > 127)
    assert abs((rows[-1] - rows[0] + 1) - pen.height) <= 3
    assert abs(rows[0] - pen.top) <= 2 and cols[0] >= pen.left - 1
    assert 18 <= cols[-1] - cols[0] + 1 <= 24  # a vertical line is as wide as the pen


def test_random_pens_stay_in_the_issue_ranges_and_on_the_canvas():
    rng = np.random.default_rng(0)
    for _ in range(200):
        pen = Pen.random(rng, aspect=0.7)
        assert 14 <= pen.width <= 26
        assert HEIGHT_SHARE[0] * CANVAS <= pen.height <= HEIGHT_SHARE[1] * CANVAS
        assert 0 <= pen.top <= CANVAS - pen.height and 0 <= pen.left <= CANVAS - 0.7 * pen.height


def test_restroke_gives_preprocessed_digits_and_is_seeded():
    x = np.stack([_bar(), _ring(), np.zeros((28, 28), np.uint8)])
    a, b = restroke(x, seed=3), restroke(x, seed=3)
    assert a.shape == (3, 28, 28, 1) and a.dtype == np.uint8 and np.array_equal(a, b)
    assert a[0].max() == 255 and a[1].max() == 255  # preprocess scales the brightest pixel to white
    assert not a[2].any()  # a blank image stays blank
    ring = a[1, ..., 0] > 127
    from scipy import ndimage

    assert ndimage.label(~ring)[1] == 2  # still a loop after the canvas pen and preprocessing


def test_extra_training_digits_mix_redrawn_training_rows_and_synthetic_writers(monkeypatch):
    from synaptic_core.digits import synthetic

    writers = lambda n, seed=0: (np.full((n, 28, 28, 1), 7, np.uint8), np.full(n, 9))  # noqa: E731
    monkeypatch.setattr(synthetic, "synthetic_digits", writers)
    x = np.stack([_bar(), _ring()] * 10)[..., None]
    y = np.array([1, 0] * 10)
    xa, ya = synthetic.add_synthetic_digits(x, y, 6, seed=0)
    assert xa.shape == (26, 28, 28, 1) and len(ya) == 26
    assert (ya == 9).sum() == 2  # a third from the writers, two thirds redrawn from the rows given
    redrawn = xa[ya != 9]
    originals = {x[k].tobytes() for k in range(len(x))}
    assert sum(r.tobytes() not in originals for r in redrawn) == 4
