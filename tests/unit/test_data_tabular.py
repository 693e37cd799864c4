"""Tabular preprocessing: churn cleaning, one-hot, standardisation from training rows only, split."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synaptic_core.data import DataError, load_dataset
from synaptic_core.data.tabular import TEST_RATIO, make_tabular, one_hot, read_table, standardise, stratified_split
from synaptic_core.specs import RunSpec

CHURN = "WA_Fn-UseC_-Telco-Customer-Churn.csv"
YES_NO = ("Yes", "No")


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    monkeypatch.delenv("SYNAPTIC_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))


def churn_csv(path: Path, n=200, seed=0, blanks=3, charge_scale=1.0) -> pd.DataFrame:
    """A small CSV in the telco layout (CRLF, blank " " TotalCharges where tenure is 0)."""
    rng = np.random.default_rng(seed)
    pick = lambda *vals: rng.choice(vals, n)  # noqa: E731
    tenure = rng.integers(1, 72, n)
    tenure[:blanks] = 0
    monthly = np.round(rng.uniform(18, 120, n), 2)
    total = [f"{t * m * charge_scale:.2f}" for t, m in zip(tenure, monthly)]
    total[:blanks] = [" "] * blanks
    df = pd.DataFrame({
        "customerID": [f"{i:04d}-ABCDE" for i in range(n)], "gender": pick("Female", "Male"),
        "SeniorCitizen": rng.integers(0, 2, n), "Partner": pick(*YES_NO), "Dependents": pick(*YES_NO),
        "tenure": tenure, "PhoneService": pick(*YES_NO), "MultipleLines": pick("Yes", "No", "No phone service"),
        "InternetService": pick("DSL", "Fiber optic", "No"), "OnlineSecurity": pick(*YES_NO),
        "OnlineBackup": pick(*YES_NO), "DeviceProtection": pick(*YES_NO), "TechSupport": pick(*YES_NO),
        "StreamingTV": pick(*YES_NO), "StreamingMovies": pick(*YES_NO),
        "Contract": pick("Month-to-month", "One year", "Two year"), "PaperlessBilling": pick(*YES_NO),
        "PaymentMethod": pick("Electronic check", "Mailed check", "Bank transfer (automatic)"),
        "MonthlyCharges": monthly, "TotalCharges": total, "Churn": np.where(np.arange(n) % 4 == 0, "Yes", "No"),
    })
    df.to_csv(path, index=False, lineterminator="\r\n")
    return df


def test_churn_blank_total_charges_become_zero_and_rows_are_kept(tmp_path):
    churn_csv(tmp_path / CHURN, n=100, blanks=3)
    features, y = read_table("churn", tmp_path / CHURN)
    assert len(features) == 100 and len(y) == 100
    assert features["TotalCharges"].dtype == np.float64 and not features["TotalCharges"].isna().any()
    assert features["TotalCharges"].iloc[:3].tolist() == [0.0, 0.0, 0.0]
    assert "customerID" not in features.columns and "Churn" not in features.columns
    assert y.sum() == 25


def test_churn_one_hot_and_standardised(tmp_path, monkeypatch):
    churn_csv(tmp_path / CHURN)
    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(tmp_path))
    ds = load_dataset(RunSpec().replace(dataset="churn", seed=0, subset=0))
    assert ds.task == "tabular" and ds.class_names == ["stayed", "churned"]
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    # 4 numeric columns kept; in this fake 11 text columns have 2 values and 4 have 3
    assert ds.x_train.shape == (160, 4 + 2 * 11 + 3 * 4) and ds.x_test.shape == (40, ds.x_train.shape[1])
    assert np.isfinite(ds.x_train).all() and np.isfinite(ds.x_test).all()
    assert ds.source_label == f"Telco customer churn — local data dir ({tmp_path}), 160 of 160 training rows used"


def test_scaler_uses_training_rows_only(tmp_path, monkeypatch):
    """Changing only the test rows' values must leave the training features unchanged."""
    base = churn_csv(tmp_path / CHURN)
    a = make_tabular("churn", tmp_path / CHURN, seed=3)
    _, test_rows = stratified_split((base["Churn"] == "Yes").to_numpy(np.int64), TEST_RATIO, seed=3)
    changed = base.copy()
    changed.loc[test_rows, "MonthlyCharges"] *= 50.0  # wild test values
    changed.loc[test_rows, "tenure"] += 1000
    other = tmp_path / "other" / CHURN
    other.parent.mkdir()
    changed.to_csv(other, index=False)
    b = make_tabular("churn", other, seed=3)
    np.testing.assert_allclose(a[0], b[0], rtol=1e-6)  # x_train identical: no statistic from test rows
    assert not np.allclose(a[2], b[2])  # while the test features did change
    np.testing.assert_allclose(a[0].mean(axis=0), 0, atol=1e-5)  # train columns: mean 0, std 1
    np.testing.assert_allclose(a[0].std(axis=0), 1, atol=1e-4)


def test_standardise_uses_train_statistics():
    train = np.array([[0.0, 5.0], [2.0, 5.0]])
    test = np.array([[4.0, 9.0]])
    tr, te, mean, std = standardise(train, test)
    assert mean.tolist() == [1.0, 5.0] and std.tolist() == [1.0, 1.0]  # constant column: std 1
    assert te.tolist() == [[3.0, 4.0]] and tr.tolist() == [[-1.0, 0.0], [1.0, 0.0]]


def test_one_hot_categories_come_from_train():
    train = pd.DataFrame({"n": [1.0, 2.0], "c": ["a", "b"]})
    test = pd.DataFrame({"n": [3.0], "c": ["z"]})  # unseen in train
    tr, te = one_hot(train, test)
    assert list(tr.columns) == ["n", "c_a", "c_b"] and list(te.columns) == ["n", "c_a", "c_b"]
    assert te.iloc[0].tolist() == [3.0, 0.0, 0.0]


def test_stratified_split_deterministic_disjoint_and_proportional():
    y = np.r_[np.zeros(111, np.int64), np.ones(97, np.int64)]
    tr, te = stratified_split(y, 0.2, seed=5)
    tr2, te2 = stratified_split(y, 0.2, seed=5)
    np.testing.assert_array_equal(tr, tr2)
    np.testing.assert_array_equal(te, te2)
    assert not set(tr) & set(te) and len(tr) + len(te) == len(y)
    assert np.bincount(y[te]).tolist() == [22, 19]
    assert not np.array_equal(te, stratified_split(y, 0.2, seed=6)[1])


def test_bundled_sonar_and_churn_counts():
    sonar = load_dataset(RunSpec().replace(dataset="sonar", subset=0))
    assert sonar.source == "bundled" and sonar.x_train.shape == (167, 60) and sonar.x_test.shape == (41, 60)
    assert np.bincount(sonar.y_test).tolist() == [22, 19] and sonar.class_names == ["mine", "rock"]
    assert sonar.source_label == "Sonar (mines vs rocks) — bundled copy, 167 of 167 training rows used, offline"
    churn = load_dataset(RunSpec().replace(dataset="churn", subset=0))
    assert churn.x_train.shape == (5634, 45) and churn.x_test.shape == (1409, 45)
    assert np.isfinite(churn.x_train).all() and np.bincount(churn.y_test).tolist() == [1035, 374]


def test_sonar_bad_label_is_a_data_error(tmp_path, monkeypatch):
    row = ",".join(["0.5"] * 60)
    (tmp_path / "sonar.all-data").write_text(f"{row},M\n{row},X\n")
    monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match=r"sonar\.all-data: labels \['X'\] are not M or R"):
        load_dataset("sonar")
