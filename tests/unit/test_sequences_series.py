"""Time-series windows without leakage: a time-ordered split, a scaler fitted on the training
period only, and no training window (input or target) holding a test-period value."""

from __future__ import annotations

import numpy as np
import pytest

from synaptic_core.sequences.series import MinMax, forecast, naive_rmse, rmse, sine, split_series, windows
from synaptic_core.specs import RunSpec


def test_windows_pair_each_window_with_the_next_value():
    x, y = windows(np.arange(6.0), look_back=3)
    assert x.tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    assert y.tolist() == [3, 4, 5]
    x, y = windows(np.arange(3.0), look_back=3)
    assert x.shape == (0, 3) and y.shape == (0,)


@pytest.mark.parametrize("look_back", [1, 3, 12])
def test_no_training_window_contains_a_test_period_value(look_back):
    values = np.arange(100.0) * 3 + 7  # distinct values: each one names its own time step
    s = split_series(values, look_back, train_ratio=0.67)
    assert s.split == 67
    step = lambda v: np.rint((s.scaler.inverse(v) - 7) / 3).astype(int)  # scaled value -> time step
    train_steps = np.concatenate([step(s.x_train).ravel(), step(s.y_train)])
    assert train_steps.max() == s.split - 1, "training windows and targets stop before the test period"
    assert len(s.y_train) == s.split - look_back
    # test targets are exactly the test period; test inputs may read the last look_back training values
    assert step(s.y_test).tolist() == list(range(s.split, 100))
    assert step(s.x_test).min() == s.split - look_back
    assert s.x_train.shape == (s.split - look_back, look_back, 1)


def test_scaler_sees_only_the_training_period_on_airline_passengers():
    """Real data (bundled copy): the test years are busier than any training month, so scaled test values pass 1."""
    from synaptic_core.sequences.prepare import load_sequence_dataset

    spec = RunSpec.from_mapping({"dataset": "airline-passengers", "look_back": 1, "train_ratio": 0.67})
    ds = load_sequence_dataset(spec)
    s = ds.extra["split"]
    assert len(s.values) == 144 and s.split == 96
    assert (s.scaler.lo, s.scaler.hi) == (s.values[:96].min(), s.values[:96].max())
    assert s.values[96:].max() > s.scaler.hi
    assert ds.x_train.min() >= 0.0 and ds.x_train.max() <= 1.0 and ds.y_train.max() <= 1.0
    assert ds.y_test.max() > 1.0
    np.testing.assert_allclose(s.scaler.inverse(ds.y_test), s.values[96:], rtol=1e-5)


def test_minmax_round_trip_and_a_flat_series_does_not_divide_by_zero():
    m = MinMax.fit(np.array([10.0, 20.0, 30.0]))
    np.testing.assert_allclose(m.transform([10, 20, 40]), [0, 0.5, 1.5])
    np.testing.assert_allclose(m.inverse(m.transform([12.5])), [12.5], rtol=1e-6)
    flat = MinMax.fit(np.array([5.0, 5.0]))
    assert np.isfinite(flat.transform([5.0, 6.0])).all()


def test_split_refuses_a_look_back_longer_than_the_training_period():
    with pytest.raises(ValueError, match="look_back 70 is too long"):
        split_series(np.arange(100.0), 70, 0.67)


def test_naive_baseline_is_the_last_value_rmse_by_hand():
    values = np.array([1.0, 2.0, 4.0, 7.0, 11.0, 16.0])  # differences 1, 2, 3, 4, 5
    s = split_series(values, look_back=1, train_ratio=0.5)  # train 1,2,4; test 7,11,16
    naive = naive_rmse(s)
    assert naive["train"] == pytest.approx(np.sqrt((1 + 4) / 2))
    assert naive["test"] == pytest.approx(np.sqrt((9 + 16 + 25) / 3))
    assert rmse([1, 2], [1, 4]) == pytest.approx(np.sqrt(2))


def test_forecast_feeds_each_prediction_back_into_the_window():
    seen = []

    def predict_next(window):
        seen.append(window.reshape(-1).tolist())
        return window[0, -1, 0] + 1.0

    out = forecast(predict_next, np.array([1.0, 2.0, 3.0]), steps=3)
    assert out.tolist() == [4.0, 5.0, 6.0]
    assert seen == [[1, 2, 3], [2, 3, 4], [3, 4, 5]]


def test_sine_has_its_cycle_and_noise():
    clean = sine(200, cycle=40, noise=0.0, seed=0)
    np.testing.assert_allclose(clean[:160], clean[40:200], atol=1e-9)
    assert clean.min() == pytest.approx(1.0, abs=1e-3) and clean.max() == pytest.approx(3.0, abs=1e-3)
    noisy = sine(5000, cycle=50, noise=0.2, seed=1)
    assert np.std(noisy - sine(5000, 50, 0.0, 1)) == pytest.approx(0.2, rel=0.05)
    np.testing.assert_array_equal(noisy, sine(5000, 50, 0.2, 1))
