"""Binary results at any threshold (synaptic_core.training.thresholds), checked against scikit-learn,
and the evaluation that stores them."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, precision_recall_curve, precision_recall_fscore_support

from synaptic_core.training import thresholds

RNG = np.random.default_rng(7)
Y = (RNG.random(300) < 0.25).astype(np.int64)
P1 = np.clip(0.35 * Y + RNG.random(300) * 0.7, 0, 1).round(2)  # rounded: many tied scores


@pytest.mark.parametrize("t", [0.1, 0.3, 0.5, 0.62, 0.9])
def test_report_matches_sklearn_at_each_threshold(t):
    rep = thresholds.report(Y, P1, t)
    pred = (P1 >= t).astype(int)
    p, r, f, s = precision_recall_fscore_support(Y, pred, labels=[0, 1], zero_division=0)
    for c in (0, 1):
        row = rep["per_class"][c]
        assert row["precision"] == pytest.approx(p[c]) if row["precision"] is not None else p[c] == 0
        assert row["recall"] == pytest.approx(r[c]) and row["f1"] == pytest.approx(f[c])
        assert row["support"] == s[c]
    tn, fp, fn, tp = np.bincount(Y * 2 + pred, minlength=4)
    assert rep["confusion"] == [[tn, fp], [fn, tp]]
    assert rep["accuracy"] == pytest.approx((tp + tn) / len(Y))


def test_lower_threshold_raises_minority_recall():
    recalls = [thresholds.report(Y, P1, t)["per_class"][1]["recall"] for t in (0.8, 0.5, 0.2)]
    assert recalls[0] < recalls[1] < recalls[2]


def test_threshold_half_agrees_with_argmax_of_two_softmax_columns():
    p1 = RNG.random(200)
    probs = np.stack([1 - p1, p1], axis=1)
    from synaptic_core.training.evaluate import confusion_matrix

    assert thresholds.report(Y[:200], p1, 0.5)["confusion"] == confusion_matrix(Y[:200], probs.argmax(1), 2).tolist()


def test_pr_curve_and_auc_match_sklearn():
    precision, recall, thr = thresholds.pr_curve(Y, P1)
    sp, sr, st = precision_recall_curve(Y, P1)
    n = len(st)  # scikit-learn may stop once recall reaches 1; the rest of ours adds no area
    assert np.allclose(precision[-n - 1:], sp[-n - 1:]) and np.allclose(recall[-n - 1:], sr[-n - 1:])
    assert np.allclose(thr[-n:], st)
    assert thresholds.pr_auc(Y, P1) == pytest.approx(average_precision_score(Y, P1))
    perfect = thresholds.pr_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9]))
    assert perfect == pytest.approx(1.0)
    assert thresholds.pr_auc(np.zeros(5, int), np.linspace(0, 1, 5)) is None


def test_summary_thins_the_curve_and_keeps_the_area(tmp_path):
    y = (RNG.random(5000) < 0.1).astype(np.int64)
    p1 = RNG.random(5000) * 0.8 + 0.2 * y
    s = thresholds.summary(y, p1)
    assert len(s["pr_curve"]["precision"]) <= thresholds.CURVE_POINTS + 1
    assert s["pr_auc"] == pytest.approx(average_precision_score(y, p1))
    assert s["positive_rate"] == pytest.approx(y.mean()) and s["threshold"] == 0.5
    path = thresholds.save_scores(tmp_path / "scores.npz", y, p1)
    y2, p2 = thresholds.load_scores(path)
    assert np.array_equal(y2, y) and np.allclose(p2, p1, atol=1e-6)
    np.savez(tmp_path / "bad.npz", y_true=np.zeros(3), p1=np.zeros(4))
    with pytest.raises(ValueError, match="do not match"):
        thresholds.load_scores(tmp_path / "bad.npz")


def test_evaluation_of_a_binary_run_stores_scores_and_pr_auc(tmp_path):
    from types import SimpleNamespace

    from synaptic_core.training.evaluate import classification_results

    p1_no_ties = np.where(P1 == 0.5, 0.51, P1)  # argmax breaks an exact tie towards class 0

    class Model:  # predict returns fixed probabilities: no Keras needed
        def predict(self, x, batch_size=None, verbose=0):
            return np.stack([1 - p1_no_ties, p1_no_ties], axis=1)

    ds = SimpleNamespace(x_test=np.zeros((300, 2), np.float32), y_test=Y, n_classes=2)
    out = classification_results(None, Model(), ds, tmp_path)
    assert out["binary"]["pr_auc"] == pytest.approx(average_precision_score(Y, p1_no_ties))
    y, p1 = thresholds.load_scores(out["scores_path"])
    assert np.array_equal(y, Y) and np.allclose(p1, p1_no_ties)
    assert out["binary"]["confusion"] == out["confusion"]  # the 0.5 report is the argmax one
    ds3 = SimpleNamespace(x_test=np.zeros((3, 2), np.float32), y_test=np.array([0, 1, 2]), n_classes=3)

    class Model3:
        def predict(self, x, batch_size=None, verbose=0):
            return np.eye(3)

    assert "binary" not in classification_results(None, Model3(), ds3, tmp_path)


def test_best_f1_is_the_maximum_over_thresholds():
    f1, t = thresholds.best_f1(Y, P1)
    grid = [thresholds.report(Y, P1, s)["per_class"][1]["f1"] for s in np.unique(P1)]
    assert f1 == pytest.approx(max(grid)) and thresholds.report(Y, P1, t)["per_class"][1]["f1"] == pytest.approx(f1)
    assert thresholds.best_f1(np.zeros(3, int), np.ones(3)) is None
