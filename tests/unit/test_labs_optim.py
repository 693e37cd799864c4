"""The optimizer lab: surfaces, keras.optimizers trajectories and their figures, tied to the maths.

* every surface's autodiff gradient matches central finite differences, and its listed minima
  are stationary points at the listed value;
* plain SGD on the quadratic bowl reproduces the closed form x_k = (I - lr A)^k x_0;
* Adam's first step moves each coordinate by exactly lr; momentum and Nesterov follow the
  hand-written recursions; a learning rate above 2 / lambda_max diverges and is flagged;
* the animated figure's frames hold exactly the computed positions.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from synaptic_core.labs import optim_paths as O
from synaptic_core.labs.surfaces import BOWL_A, SURFACES, get_surface, gradient
from synaptic_core.viz import labs_optim as V


def _fd_gradient(surface, pts: np.ndarray, h: float = 1e-6) -> np.ndarray:
    x, y = pts[:, 0], pts[:, 1]
    gx = (surface(x + h, y) - surface(x - h, y)) / (2 * h)
    gy = (surface(x, y + h) - surface(x, y - h)) / (2 * h)
    return np.stack([gx, gy], axis=1)


@pytest.mark.parametrize("name", list(SURFACES))
def test_autodiff_gradient_matches_finite_differences(name):
    s = SURFACES[name]
    rng = np.random.default_rng(0)
    pts = np.concatenate([
        np.array(s.starts),
        np.stack([rng.uniform(*s.x_range, 20), rng.uniform(*s.y_range, 20)], axis=1),
    ])
    auto, fd = gradient(s, pts), _fd_gradient(s, pts)
    scale = np.maximum(1.0, np.abs(fd))
    assert np.all(np.abs(auto - fd) / scale < 1e-5), name


@pytest.mark.parametrize("name", list(SURFACES))
def test_listed_minima_are_stationary_at_the_listed_value_and_lowest_on_the_grid(name):
    s = SURFACES[name]
    mins = np.array(s.minima)
    assert np.allclose(s(mins[:, 0], mins[:, 1]), s.min_value, atol=1e-9)
    assert np.allclose(gradient(s, mins), 0.0, atol=1e-4)
    _, _, z = s.grid(200)
    assert z.min() >= s.min_value - 1e-12
    for x0, y0 in s.starts:
        assert s.x_range[0] <= x0 <= s.x_range[1] and s.y_range[0] <= y0 <= s.y_range[1]


def test_numpy_and_tensorflow_evaluate_the_same_formula():
    import tensorflow as tf

    rng = np.random.default_rng(1)
    for s in SURFACES.values():
        x, y = rng.uniform(*s.x_range, 50), rng.uniform(*s.y_range, 50)
        tf_val = s(tf.constant(x), tf.constant(y), tf).numpy()
        assert np.allclose(tf_val, s(x, y), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="bowl"):
        get_surface("nope")


def test_sgd_on_the_bowl_is_the_closed_form_iterate():
    s, lr, steps = get_surface("bowl"), 0.03, 250
    x0 = np.array([-2.5, -0.5])
    path = O.run_path(s, "sgd", tuple(x0), steps, {"learning_rate": lr})
    lr32 = float(np.float32(lr))  # Keras keeps the learning rate in a float32 variable: 0.03 -> 0.0299999993
    step = np.eye(2) - lr32 * BOWL_A
    expected = np.stack([np.linalg.matrix_power(step, k) @ x0 for k in range(steps + 1)])
    assert path.positions.shape == (steps + 1, 2)
    np.testing.assert_allclose(path.positions, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(path.losses, 0.5 * np.einsum("ki,ij,kj->k", expected, BOWL_A, expected), atol=1e-13)
    # "steps to minimum" is the first k with |(I - lr A)^k x0| <= tol
    first = int(np.argmax(np.linalg.norm(expected, axis=1) <= s.tol))
    assert path.steps_to_min == first and path.reached == 0 and not path.diverged


@pytest.mark.parametrize("name,start", [("bowl", (-2.5, -0.5)), ("rosenbrock", (-1.2, 1.0)),
                                        ("beale", (1.0, 1.5)), ("himmelblau", (0.0, 0.0))])
def test_adam_first_step_moves_each_coordinate_by_lr(name, start):
    s = get_surface(name)
    for lr in (0.01, 0.1):
        p = O.run_path(s, "adam", start, 1, {"learning_rate": lr})
        g = gradient(s, np.array([start]))[0]
        step = p.positions[1] - p.positions[0]
        np.testing.assert_allclose(np.abs(step), lr, rtol=1e-4)
        assert np.all(np.sign(step) == -np.sign(g))  # downhill in each coordinate


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_and_nesterov_follow_the_hand_recursion(nesterov):
    s, lr, m, start = get_surface("rosenbrock"), 1e-3, 0.9, (-1.2, 1.0)
    lr32, m32 = float(np.float32(lr)), float(np.float32(m))  # Keras' float32 hyperparameters
    name = "nesterov" if nesterov else "momentum"
    path = O.run_path(s, name, start, 6, {"learning_rate": lr, "momentum": m})
    x, v = np.array(start), np.zeros(2)
    expected = [x.copy()]
    for _ in range(6):
        g = gradient(s, x[None])[0]
        v = m32 * v - lr32 * g
        x = x + (m32 * v - lr32 * g if nesterov else v)
        expected.append(x.copy())
    np.testing.assert_allclose(path.positions, np.array(expected), rtol=1e-10, atol=1e-12)


def test_a_learning_rate_above_two_over_lambda_max_diverges_and_is_flagged():
    s = get_surface("bowl")  # lambda_max = 20: SGD is stable only for lr < 0.1
    ok = O.run_path(s, "sgd", (-2.5, -0.5), 200, {"learning_rate": 0.095})
    bad = O.run_path(s, "sgd", (-2.5, -0.5), 2000, {"learning_rate": 0.2})
    assert not ok.diverged and ok.steps_to_min is not None
    assert bad.diverged and bad.steps_to_min is None
    assert np.isfinite(bad.positions).all() and np.isfinite(bad.losses).all()
    assert len(bad.positions) == bad.diverged_at < 2001
    # each step multiplies the steep component by |1 - 0.2 * 20| = 3, so it stops within ~40 steps
    assert bad.diverged_at < 60
    # an overflow to inf/NaN is cut the same way
    inf = O.run_path(s, "sgd", (-2.5, -0.5), 2000, {"learning_rate": 1e3})
    assert inf.diverged and np.isfinite(inf.positions).all() and len(inf.positions) >= 1


def test_all_twelve_keras_optimizers_run_with_their_settings_and_quickly():
    s = get_surface("himmelblau")
    configs = {n: O.default_config(s, n) for n in O.OPTIMIZERS}
    assert len(configs) == 12
    O.run_paths(s, {"sgd": None}, s.starts[0], 5)  # import TensorFlow before timing
    t0 = time.perf_counter()
    paths = O.run_paths(s, configs, s.starts[0], 300)
    seconds = time.perf_counter() - t0
    print(f"12 optimizers x 300 steps: {seconds:.2f} s")
    assert list(paths) == list(O.OPTIMIZERS)
    for n, p in paths.items():
        assert p.positions.shape == (301, 2) and np.isfinite(p.positions).all(), n
        assert p.config["learning_rate"] == configs[n]["learning_rate"]
    assert seconds < 10.0  # ~1 s on an idle 2-core machine; generous for a shared one
    # the default settings reach a minimum for most optimizers on this surface
    assert sum(p.steps_to_min is not None for p in paths.values()) >= 8


def test_make_optimizer_builds_the_named_keras_class_with_settings():
    import keras

    opt = O.make_optimizer("nesterov", {"learning_rate": 0.05, "momentum": 0.5})
    assert isinstance(opt, keras.optimizers.SGD) and opt.nesterov and opt.momentum == 0.5
    assert float(opt.learning_rate) == pytest.approx(0.05)
    assert isinstance(O.make_optimizer("ftrl"), keras.optimizers.Ftrl)
    assert isinstance(O.make_optimizer("lion", {"beta_2": 0.9}), keras.optimizers.Lion)
    with pytest.raises(ValueError, match="Unknown optimizer"):
        O.run_paths(get_surface("bowl"), {"sgdd": None}, (1.0, 1.0), 3)


def test_summary_table_lists_steps_to_minimum_final_loss_and_divergence():
    s = get_surface("bowl")
    paths = O.run_paths(s, {"sgd": {"learning_rate": 0.05}, "momentum": {"learning_rate": 0.2}},
                        (-2.5, -0.5), 300)
    table = O.summary_frame(paths, s)
    assert list(table["optimizer"]) == ["SGD", "Momentum"]
    sgd = table.iloc[0]
    assert sgd["steps to minimum"] == str(paths["sgd"].steps_to_min) and not sgd["diverged"]
    assert sgd["final loss"] == pytest.approx(paths["sgd"].losses[-1])
    assert table.iloc[1]["diverged"] == paths["momentum"].diverged
    # no None / NaN / <NA> printed where there is no number: words a student can read
    never = O.summary_frame(O.run_paths(s, {"sgd": {"learning_rate": 1e-6}}, (-2.5, -0.5), 5), s).iloc[0]
    assert never["steps to minimum"] == "not reached" and never["minimum reached"] == "not reached"
    assert never["diverged at step"] == "—"


def test_oscillating_loss_is_drawn_thin_so_it_does_not_fill_a_solid_block():
    from synaptic_core.viz.labs_optim import loss_per_step

    s = get_surface("bowl")
    paths = O.run_paths(s, {"lion": {"learning_rate": 0.3}, "sgd": {"learning_rate": 0.05}}, (-2.5, -0.5), 300)
    fig = loss_per_step(s, paths)
    widths = {t.name: t.line.width for t in fig.data if t.mode == "lines"}
    assert widths[paths["sgd"].title] == 2
    assert widths[paths["lion"].title] < 1


def test_animated_figure_frames_hold_the_computed_positions():
    s = get_surface("saddle")
    paths = O.run_paths(s, {"sgd": None, "adam": None}, s.starts[0], 90)
    fig = V.animated_paths(s, paths, s.starts[0], max_frames=30)
    names = [f.name for f in fig.frames]
    ks = V.frame_steps(90, 30)
    assert names == [str(k) for k in ks] and ks[0] == 0 and ks[-1] == 90
    # Play / Pause buttons animate the frames; the slider has one step per frame and starts at the end
    play, pause = fig.layout.updatemenus[0].buttons
    assert play.method == pause.method == "animate" and play.args[0] is None and play.args[1]["fromcurrent"]
    slider = fig.layout.sliders[0]
    assert [st.args[0][0] for st in slider.steps] == names and slider.active == len(names) - 1
    # the landscape is a picture, the moving traces are trail + head per optimizer
    assert fig.layout.images[0].source.startswith("data:image/png;base64,")
    frame = fig.frames[len(ks) // 2]
    k = int(frame.name)
    trail_sgd, trail_adam, head_sgd, head_adam = frame.data
    assert list(frame.traces) == [1, 2, 3, 4]
    assert fig.data[1].name == "SGD" and fig.data[2].name == "Adam"
    np.testing.assert_allclose(trail_sgd.x, paths["sgd"].positions[: k + 1, 0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(trail_adam.y, paths["adam"].positions[: k + 1, 1], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose([head_adam.x[0], head_adam.y[0]], paths["adam"].positions[k], rtol=1e-9)
    assert head_sgd.text[0].endswith(f"step {k}")


def test_animation_of_a_diverged_path_stops_at_its_last_finite_point():
    s = get_surface("bowl")
    paths = O.run_paths(s, {"sgd": {"learning_rate": 0.3}}, (-2.5, -0.5), 400)
    p = paths["sgd"]
    assert p.diverged
    fig = V.animated_paths(s, paths, (-2.5, -0.5), max_frames=20)
    last = fig.frames[-1].data
    assert len(last[0].x) == len(p.positions)
    np.testing.assert_allclose([last[1].x[0], last[1].y[0]], p.positions[-1], rtol=1e-9)


def test_loss_chart_and_3d_view_show_each_path():
    s = get_surface("rosenbrock")
    paths = O.run_paths(s, {"adam": None, "sgd": None}, s.starts[1], 50)
    loss = V.loss_per_step(s, paths)
    lines = [t for t in loss.data if t.mode == "lines"]
    assert [t.name for t in lines] == ["SGD", "Adam"]  # the optimizer table's order
    np.testing.assert_allclose(lines[1].y, np.maximum(paths["adam"].losses - s.min_value, V.GAP_FLOOR), rtol=1e-6)
    assert loss.layout.yaxis.type == "log"
    fig3 = V.surface_3d(s, paths)
    assert fig3.data[0].type == "surface" and [t.name for t in fig3.data[1:]] == ["SGD", "Adam"]


def test_long_trails_are_thinned_in_the_frames_but_not_in_the_opening_picture():
    s = get_surface("bowl")
    paths = O.run_paths(s, {"sgd": {"learning_rate": 0.01}}, (-2.5, -0.5), 900)
    fig = V.animated_paths(s, paths, (-2.5, -0.5), max_frames=10, trail_points=100)
    assert len(fig.data[1].x) == 901  # the finished path, every step
    for frame in fig.frames:
        trail, head = frame.data
        k = int(frame.name)
        assert len(trail.x) <= 101
        np.testing.assert_allclose([trail.x[-1], trail.y[-1]], paths["sgd"].positions[k], rtol=1e-6)
        np.testing.assert_allclose([head.x[0], head.y[0]], paths["sgd"].positions[k], rtol=1e-12)
