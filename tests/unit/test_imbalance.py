"""Rare classes (synaptic_core.training.imbalance): each handling changes the training rows only,
with the class counts it promises, seeded; SMOTE keeps shapes and types; focal loss compiles and trains."""

from __future__ import annotations

import numpy as np
import pytest

from synaptic_core.specs import RunSpec
from synaptic_core.tasks import get_task
from synaptic_core.training import imbalance
from synaptic_core.training.imbalance import ImbalanceError, balanced_weights, prepare_fit, resample

TABLE = get_task("tabular")
RNG = np.random.default_rng(0)
X = RNG.normal(size=(130, 3)).astype(np.float32)
Y = np.r_[np.zeros(100, np.int64), np.ones(30, np.int64)]  # 100 : 30
X_VAL, Y_VAL = RNG.normal(size=(20, 3)).astype(np.float32), np.r_[np.zeros(15, np.int64), np.ones(5, np.int64)]


def _fit(method: str, loss: str = "auto", seed: int = 0):
    spec = RunSpec().replace(imbalance=method, loss=loss, seed=seed)
    return prepare_fit(spec, TABLE, X, Y, (X_VAL, Y_VAL), 2)


@pytest.mark.parametrize("method, after", [("none", [100, 30]), ("class_weights", [100, 30]),
                                           ("undersample", [30, 30]), ("oversample", [100, 100]),
                                           ("smote", [100, 100])])
def test_class_counts_after_each_handling_and_validation_untouched(method, after):
    fit = _fit(method)
    assert fit.counts_before == [100, 30]
    assert fit.counts_after == after == np.bincount(fit.y, minlength=2).tolist()
    assert len(fit.x) == len(fit.y) == sum(after)
    assert fit.val[0] is X_VAL and fit.val[1] is Y_VAL  # the validation rows are the very same arrays
    assert (fit.class_weight is not None) == (method == "class_weights")


def test_class_weights_are_balanced():
    w = _fit("class_weights").class_weight
    assert w == pytest.approx({0: 130 / (2 * 100), 1: 130 / (2 * 30)})
    assert balanced_weights(np.array([0, 0, 2]), 3) == pytest.approx({0: 0.75, 1: 1.0, 2: 1.5})  # absent: 1


def test_random_resampling_keeps_original_rows_and_is_seeded():
    over = _fit("oversample", seed=3)
    originals = {tuple(r) for r in X.round(6)}
    assert {tuple(r) for r in over.x.round(6)} <= originals  # copies only
    again = _fit("oversample", seed=3)
    other = _fit("oversample", seed=4)
    assert np.array_equal(over.x, again.x) and np.array_equal(over.y, again.y)
    assert not np.array_equal(over.x, other.x)
    under = _fit("undersample")
    assert {tuple(r) for r in under.x[under.y == 1].round(6)} == {tuple(r) for r in X[Y == 1].round(6)}


def test_smote_makes_new_minority_rows_between_minority_rows():
    fit = _fit("smote")
    new = {tuple(r) for r in fit.x[fit.y == 1].round(5)} - {tuple(r) for r in X.round(5)}
    assert len(new) == 70  # 100 - 30 synthetic rows, all of class 1
    minority = X[Y == 1]
    new = np.array(sorted(new))
    assert (new >= minority.min(axis=0) - 1e-5).all() and (new <= minority.max(axis=0) + 1e-5).all()
    assert fit.x.dtype == np.float32


def test_smote_keeps_image_shape_and_dtype():
    x = RNG.integers(0, 256, (40, 4, 4, 1), dtype=np.uint8)
    y = np.r_[np.zeros(32, np.int64), np.ones(8, np.int64)]
    xr, yr = resample(x, y, "smote", seed=1)
    assert xr.shape == (64, 4, 4, 1) and xr.dtype == np.uint8 and np.bincount(yr).tolist() == [32, 32]


def test_smote_refuses_token_ids_and_too_few_rows():
    with pytest.raises(ImbalanceError, match="token ids"):
        resample(np.ones((10, 5), np.int32), np.r_[np.zeros(7, np.int64), np.ones(3, np.int64)], "smote", 0)
    with pytest.raises(ImbalanceError, match="at least 2"):
        resample(np.ones((10, 2), np.float32), np.r_[np.zeros(9, np.int64), np.ones(1, np.int64)], "smote", 0)
    xr, yr = resample(np.arange(20, dtype=np.float32).reshape(10, 2), np.r_[np.zeros(7), np.ones(3)], "smote", 0)
    assert np.bincount(yr).tolist() == [7, 7]  # k shrinks to the rare class's size


def test_regression_refuses_class_handling():
    spec = RunSpec().replace(imbalance="smote")
    with pytest.raises(ImbalanceError, match="classification only"):
        prepare_fit(spec, get_task("series"), X, Y.astype(np.float32), None, 0)


def test_focal_loss_uses_kerass_own_and_one_hot_labels():
    import keras

    spec = RunSpec().replace(loss="focal")
    assert isinstance(imbalance.loss_for(spec, TABLE, 2), keras.losses.BinaryFocalCrossentropy)
    assert isinstance(imbalance.loss_for(spec, TABLE, 3), keras.losses.CategoricalFocalCrossentropy)
    assert imbalance.loss_for(RunSpec(), TABLE, 2) == "sparse_categorical_crossentropy"
    fit = _fit("none", loss="focal")
    assert fit.y.shape == (130, 2) and fit.val[1].shape == (20, 2) and fit.y[:, 1].sum() == 30
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss=imbalance.loss_for(spec, TABLE, 2), metrics=["accuracy"])
    hist = model.fit(fit.x, fit.y, validation_data=fit.val, epochs=1, verbose=0)
    assert np.isfinite(hist.history["loss"][0]) and 0 <= hist.history["accuracy"][0] <= 1


def test_train_resamples_only_the_training_rows(tmp_path):
    """Through train(): the data event's training count changes, validation and test do not."""
    from synaptic_core.training import train

    from recording_sink import Sink

    base = RunSpec().replace(dataset="circle", model="logreg", n_points=200, classes=(0, 1), epochs=1,
                             batch_size=64, validation_split=0.2)
    counts = {}
    for method in ("none", "undersample", "smote"):
        sink = Sink()
        r = train(base.replace(imbalance=method, loss="focal" if method == "smote" else "auto"), sink,
                  tmp_path / method)
        data = next(e for e in sink.events if e["type"] == "data")
        counts[method] = (data["n_train"], data["n_val"], data["n_test"], data["imbalance"]["after"])
        assert r["imbalance"]["method"] == method and r["n_test"] == 100
    assert counts["none"][1:3] == counts["undersample"][1:3] == counts["smote"][1:3]  # val and test kept
    before = counts["none"][3]
    assert counts["undersample"][3] == [min(before)] * 2 and counts["smote"][3] == [max(before)] * 2


def test_describe_says_what_was_done_to_the_training_rows():
    assert imbalance.describe(_fit("none").summary("none")) == ""
    text = imbalance.describe(_fit("smote").summary("smote"), ["stayed", "churned"])
    assert text.startswith("SMOTE: training rows per class 100 / 30 → 100 / 100 (stayed / churned)")
    assert "untouched" in text
    assert "0.65 / 2.17" in imbalance.describe(_fit("class_weights").summary("class_weights"))
