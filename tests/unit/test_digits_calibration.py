"""Calibration of the digit reader: expected calibration error, temperature fitting, "unsure", storage."""

import json

import numpy as np
import pytest

from synaptic_core.digits import calibration as cal


def test_ece_of_perfectly_calibrated_and_of_overconfident_predictions():
    # 10 predictions at 0.8 of which 8 right: calibrated; at 1.0 with 8 right: ECE 0.2
    probs = np.tile([0.8, 0.2], (10, 1))
    labels = np.array([0] * 8 + [1] * 2)
    assert cal.ece(probs, labels) == pytest.approx(0.0, abs=1e-12)
    sure = np.tile([1.0, 0.0], (10, 1))
    assert cal.ece(sure, labels) == pytest.approx(0.2)


def test_ece_weights_bins_by_their_share():
    probs = np.array([[0.95, 0.05]] * 4 + [[0.55, 0.45]] * 4)
    labels = np.array([0, 0, 0, 0, 0, 0, 1, 1])  # bin 0.95: 4/4 right (gap .05); bin 0.55: 2/4 (gap .05)
    assert cal.ece(probs, labels) == pytest.approx(0.05)


def test_fit_temperature_recovers_the_temperature_that_made_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (20000, 10))
    true_t = 2.5  # the labels follow softmax(logits / 2.5): a model that is overconfident by that factor
    p = cal.softmax(logits / true_t)
    labels = (p.cumsum(1) > rng.random((len(p), 1))).argmax(1)
    t = cal.fit_temperature(logits, labels)
    assert t == pytest.approx(true_t, rel=0.05)
    raw, fixed = cal.softmax(logits), cal.softmax(logits / t)
    assert cal.ece(fixed, labels) < 0.02 < cal.ece(raw, labels)
    assert cal.nll(logits, labels, t) < cal.nll(logits, labels, 1.0)


def test_temperature_keeps_the_answer_and_softens_or_sharpens():
    probs = cal.softmax(np.array([[3.0, 1.0, 0.0], [0.0, 2.0, 0.5]]))
    soft, sharp = cal.apply_temperature(probs, 2.0), cal.apply_temperature(probs, 0.5)
    assert (soft.argmax(1) == probs.argmax(1)).all() and (sharp.argmax(1) == probs.argmax(1)).all()
    assert (soft.max(1) < probs.max(1)).all() and (sharp.max(1) > probs.max(1)).all()
    assert np.allclose(soft.sum(1), 1) and np.array_equal(cal.apply_temperature(probs, 1.0), probs)
    assert np.allclose(cal.apply_temperature(probs, 2.0), cal.softmax(np.log(probs) / 2.0))


def test_unsure_below_the_threshold_of_the_calibrated_probability():
    assert cal.is_unsure(np.array([0.5, 0.3, 0.2]))
    assert not cal.is_unsure(np.array([0.9, 0.05, 0.05]))
    assert cal.is_unsure(np.array([cal.UNSURE_BELOW - 0.01, 1 - cal.UNSURE_BELOW + 0.01]))
    assert not cal.is_unsure(np.array([cal.UNSURE_BELOW, 1 - cal.UNSURE_BELOW]))
    # a confident raw answer can become unsure once calibrated
    raw = cal.softmax(np.array([2.0, 0.5, 0.0, 0.0]))
    assert not cal.is_unsure(raw, 0.6) and cal.is_unsure(cal.apply_temperature(raw, 3.0), 0.6)


def test_temperature_is_stored_beside_the_model_and_a_bad_file_means_none(tmp_path):
    model = tmp_path / "digit_cnn.keras"
    assert cal.calibration_path(model) == tmp_path / "digit_cnn.calibration.json"
    assert cal.load_temperature(model) == 1.0  # no file: no change
    cal.save_calibration(model, 1.7, {"fitted_on": "validation"})
    assert cal.load_temperature(model) == pytest.approx(1.7)
    assert json.loads(cal.calibration_path(model).read_text())["fitted_on"] == "validation"
    for bad in ('{"temperature": "NaN"}', '{"temperature": -1}', '{"temperature": 1e9}', "not json", "[]"):
        cal.calibration_path(model).write_text(bad)
        assert cal.load_temperature(model) == 1.0
