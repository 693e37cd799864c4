"""Predict for every task: table rows, review text, series windows and characters, read as training read them.

Each run is trained for real (one epoch, tiny) into a temporary store; the API's answer is
compared with the saved model applied to the inputs the training pipeline itself produced.
"""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from serving_runs import SPECS, make_store
from synaptic_core.serving import create_app


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    store, token, ids = make_store(tmp_path_factory.mktemp("serving-tasks"), ("tabular", "text", "series", "chars"))
    yield store, ids
    store.close()


@pytest.fixture(scope="module")
def client(runs):
    with TestClient(create_app(runs[0])) as c:
        yield c


def model_out(store, run_id: str, x: np.ndarray) -> np.ndarray:
    import keras

    model = keras.saving.load_model(store.get_run(run_id)["result"]["model_path"], compile=False)
    return np.asarray(model(x, training=False))


def probs_of(answer: dict) -> np.ndarray:
    return np.array([list(o["probabilities"].values()) for o in answer["outputs"]])


@pytest.fixture(scope="module")
def churn_test_rows():
    """The raw test rows of the run's split (same seed) and the features the data layer made of them."""
    from synaptic_core.data import load_dataset
    from synaptic_core.data.tabular import TEST_RATIO, read_table, stratified_split

    ds = load_dataset(SPECS["tabular"])
    features, y = read_table("churn", ds.path)
    _, te = stratified_split(y, TEST_RATIO, SPECS["tabular"].seed)
    return features.iloc[te[:5]].to_dict("records"), ds.x_test[:5]


def test_table_rows_as_objects_and_arrays_are_encoded_as_in_training(client, runs, churn_test_rows):
    store, ids = runs
    rows, x_expected = churn_test_rows
    expected = model_out(store, ids["tabular"], x_expected)
    url = f"/v1/runs/{ids['tabular']}/predict"
    r = client.post(url, json={"inputs": rows})
    assert r.status_code == 200, r.text
    assert list(r.json()["outputs"][0]["probabilities"]) == ["stayed", "churned"]
    np.testing.assert_allclose(probs_of(r.json()), expected, atol=1e-5)
    r = client.post(url, json={"inputs": [list(row.values()) for row in rows]})
    np.testing.assert_allclose(probs_of(r.json()), expected, atol=1e-5)


@pytest.mark.parametrize("change,words", [
    (lambda row: {k: v for k, v in row.items() if k != "tenure"}, "missing tenure"),
    (lambda row: {**row, "shoe_size": 43}, "unknown shoe_size"),
    (lambda row: {**row, "Contract": "Forever"}, "'Month-to-month'"),
    (lambda row: {**row, "tenure": "twelve"}, "expected a finite number"),
    (lambda row: {**row, "tenure": True}, "expected a finite number"),
    (lambda row: list(row.values())[:-1], "needs 19 values"),
    (lambda row: "a row", "object keyed by feature name"),
])
def test_bad_table_rows_are_422_naming_features(client, runs, churn_test_rows, change, words):
    _, ids = runs
    r = client.post(f"/v1/runs/{ids['tabular']}/predict", json={"inputs": [change(churn_test_rows[0][0])]})
    assert r.status_code == 422 and words in r.json()["detail"], r.text


def test_a_changed_data_file_makes_a_tabular_run_unservable(runs, monkeypatch):
    """If the data the encoding is rebuilt from is not what the run trained on, refuse rather than guess."""
    store, ids = runs
    run = store.get_run(ids["tabular"])
    store_run = {**run, "result": {**run["result"], "n_test": run["result"]["n_test"] + 1}}
    from synaptic_core.serving.predictor import Unservable, load_predictor

    with pytest.raises(Unservable, match="not served"):
        load_predictor(store_run, store.artifacts_dir(ids["tabular"]))


def test_review_text_is_tokenised_with_the_runs_vocabulary(client, runs):
    from synaptic_core.data import load_dataset
    from synaptic_core.sequences.text import Vocabulary

    store, ids = runs
    ds = load_dataset(SPECS["text"])
    texts = ["A wonderful, moving film.", "Terrible. I want my money back!", ""]
    x = Vocabulary(tuple(ds.extra["vocab"])).encode(texts, SPECS["text"].seq_len)
    r = client.post(f"/v1/runs/{ids['text']}/predict", json={"inputs": texts})
    assert r.status_code == 200, r.text
    assert list(r.json()["outputs"][0]["probabilities"]) == ["negative", "positive"]
    np.testing.assert_allclose(probs_of(r.json()), model_out(store, ids["text"], x), atol=1e-5)
    r = client.post(f"/v1/runs/{ids['text']}/predict", json={"inputs": [["not", "a", "string"]]})
    assert r.status_code == 422 and "string" in r.json()["detail"]


def test_series_windows_are_scaled_like_training_and_answered_in_data_units(client, runs):
    store, ids = runs
    series = store.get_run(ids["series"])["result"]["series"]
    split, look_back = series["split"], series["look_back"]
    first_test_window = series["values"][split - look_back:split]
    r = client.post(f"/v1/runs/{ids['series']}/predict", json={"inputs": [first_test_window,
                                                                           [[v] for v in first_test_window]]})
    assert r.status_code == 200, r.text
    values = [o["value"] for o in r.json()["outputs"]]
    # training reported its own prediction for that window, in data units
    assert values[0] == pytest.approx(series["test_pred"][0], abs=1e-4) and values[1] == values[0]
    r = client.post(f"/v1/runs/{ids['series']}/predict", json={"inputs": [first_test_window[:-1]]})
    assert r.status_code == 422 and f"{look_back} numbers" in r.json()["detail"]


def test_characters_predict_the_next_one(client, runs):
    import json

    store, ids = runs
    meta = json.loads(open(store.get_run(ids["chars"])["result"]["alphabet_path"]).read())
    alphabet, seq_len = meta["alphabet"], meta["seq_len"]
    text = "To be, or not to be, that is"
    ids_ = [alphabet.index(c) for c in text[-seq_len:]]
    r = client.post(f"/v1/runs/{ids['chars']}/predict", json={"inputs": [text, "T"]})
    assert r.status_code == 200, r.text
    out = r.json()["outputs"][0]
    assert list(out["probabilities"]) == list(alphabet)
    np.testing.assert_allclose(probs_of(r.json())[0], model_out(store, ids["chars"], np.array([ids_]))[0],
                               atol=1e-5)
    r = client.post(f"/v1/runs/{ids['chars']}/predict", json={"inputs": ["emoji \U0001F600"]})
    assert r.status_code == 422 and "never saw" in r.json()["detail"]


def test_run_views_describe_each_tasks_input(client, runs):
    _, ids = runs
    kinds = {k: client.get(f"/v1/runs/{ids[k]}").json()["predict"]["input"]["kind"] for k in ids}
    assert kinds == {"tabular": "tabular", "text": "text", "series": "series", "chars": "chars"}
