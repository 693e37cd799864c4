"""The REST API with FastAPI's TestClient: every endpoint, every error, images in every accepted form.

Runs are real: a toy MLP and a small MNIST MLP trained for one epoch into a temporary store
(``serving_runs``); predictions are compared with the saved model's own outputs.
"""

from __future__ import annotations

import base64
import io
import json
import math
import shlex
import shutil

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from serving_runs import make_store
from synaptic_core.identity import new_token, owner_id
from synaptic_core.serving import create_app
from synaptic_core.serving import app as app_module
from synaptic_core.serving.views import curl_command


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    home = tmp_path_factory.mktemp("serving-home")
    store, token, ids = make_store(home, ("toy", "image"))
    toy = store.get_run(ids["toy"])
    ids["running"] = store.create_run(toy["spec"], owner=owner_id(token), status="running")
    ids["failed"] = store.create_run(toy["spec"], owner=owner_id(token), status="failed")
    ids["other"] = store.create_run(toy["spec"], owner=owner_id(new_token()), status="queued")
    # a run whose stored result points at a model outside its own folder (another run's file)
    ids["foreign"] = store.create_run(toy["spec"], owner=owner_id(token), status="running")
    store.set_result(ids["foreign"], toy["result"], status="done")
    # a run whose model file is a symlink leading out of the artifacts folder
    ids["symlink"] = store.create_run(toy["spec"], owner=owner_id(token), status="running")
    outside = home / "outside.keras"
    shutil.copyfile(toy["result"]["model_path"], outside)
    (store.artifacts_dir(ids["symlink"])).mkdir(parents=True)
    link = store.artifacts_dir(ids["symlink"]) / "model.keras"
    link.symlink_to(outside)
    store.set_result(ids["symlink"], {**toy["result"], "model_path": str(link)}, status="done")
    yield store, token, ids
    store.close()


@pytest.fixture(scope="module")
def client(runs):
    store, _, _ = runs
    with TestClient(create_app(store, max_inputs=8, max_body_bytes=200_000)) as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def model_probs(store, run_id: str, x: np.ndarray) -> np.ndarray:
    import keras

    model = keras.saving.load_model(store.get_run(run_id)["result"]["model_path"], compile=False)
    return np.asarray(model(np.asarray(x, np.float32), training=False))


def probs_of(answer: dict) -> np.ndarray:
    return np.array([list(o["probabilities"].values()) for o in answer["outputs"]])


def png_b64(arr: np.ndarray, mode: str | None = None) -> str:
    buf = io.BytesIO()
    Image.fromarray(arr.astype(np.uint8), mode).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


@pytest.fixture(scope="module")
def digits():
    from synaptic_core.data import load_dataset

    return load_dataset("mnist").x_test[:3, :, :, 0]  # (3, 28, 28) uint8


# -- listing and viewing -------------------------------------------------------------------------

def test_health_and_docs(client):
    assert client.get("/v1/health").json() == {"status": "ok"}
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/runs", "/v1/runs/{run_id}", "/v1/runs/{run_id}/predict"} <= set(paths)
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_list_needs_a_token(client):
    for headers in ({}, {"Authorization": "Bearer short"}, {"Authorization": "Basic abc"}):
        r = client.get("/v1/runs", headers=headers)
        assert r.status_code == 401 and "token" in r.json()["detail"]
        assert r.headers["www-authenticate"] == "Bearer"


def test_list_shows_only_the_callers_runs(client, runs):
    store, token, ids = runs
    mine = client.get("/v1/runs", headers=auth(token)).json()
    assert {r["run_id"] for r in mine} == {ids[k] for k in ("toy", "image", "running", "failed", "foreign",
                                                             "symlink")}
    assert all(r["yours"] for r in mine) and ids["other"] not in {r["run_id"] for r in mine}
    assert client.get("/v1/runs", headers=auth(new_token())).json() == []
    done = client.get("/v1/runs", params={"status": "failed"}, headers=auth(token)).json()
    assert [r["run_id"] for r in done] == [ids["failed"]]
    assert len(client.get("/v1/runs", params={"limit": 2}, headers=auth(token)).json()) == 2
    assert client.get("/v1/runs", params={"limit": 0}, headers=auth(token)).status_code == 422


def test_anyone_with_the_id_views_a_run_without_paths(client, runs):
    store, token, ids = runs
    seen = client.get(f"/v1/runs/{ids['image']}").json()
    assert seen["status"] == "done" and seen["yours"] is False and seen["task"] == "image"
    assert seen["spec"]["dataset"] == "mnist" and 0 <= seen["metrics"]["test"]["accuracy"] <= 1
    assert seen["predict"]["input"]["shape"] == [28, 28, 1]
    assert "path" not in json.dumps(seen) and str(store.home) not in json.dumps(seen)
    assert "owner" not in seen
    assert client.get(f"/v1/runs/{ids['image']}", headers=auth(token)).json()["yours"] is True
    assert client.get(f"/v1/runs/{ids['other']}").json()["status"] == "queued"


@pytest.mark.parametrize("bad", ["nope", "20990101-000000-abcdef", "..", "a%2F..%2Fb", "x" * 65])
def test_unknown_runs_are_404(client, bad):
    assert client.get(f"/v1/runs/{bad}").status_code == 404
    r = client.post(f"/v1/runs/{bad}/predict", json={"inputs": [[0, 0]]})
    assert r.status_code == 404  # ".." never reaches a route; real-looking ids get "no run with id"
    assert "no run" in r.json()["detail"] or ".." in bad


# -- predictions ---------------------------------------------------------------------------------

def test_toy_predictions_are_the_models_own(client, runs):
    store, _, ids = runs
    points = [[1.0, 1.0], [-2.5, 3.0], [0.0, 0.0]]
    r = client.post(f"/v1/runs/{ids['toy']}/predict", json={"inputs": points})
    assert r.status_code == 200
    body = r.json()
    assert body["task"] == "toy" and len(body["outputs"]) == 3
    out = body["outputs"][0]
    assert set(out) == {"class", "class_index", "probabilities"}
    assert list(out["probabilities"]) == ["negative", "positive"]
    assert out["class"] == list(out["probabilities"])[out["class_index"]]
    np.testing.assert_allclose(probs_of(body), model_probs(store, ids["toy"], points), atol=1e-5)
    assert all(math.isclose(sum(o["probabilities"].values()), 1.0, abs_tol=1e-5) for o in body["outputs"])


def test_image_as_array_png_data_url_rgb_and_channel_axis_agree(client, runs, digits):
    store, _, ids = runs
    url = f"/v1/runs/{ids['image']}/predict"
    expected = model_probs(store, ids["image"], digits[..., None].astype(np.float32))
    forms = {
        "array": [d.tolist() for d in digits],
        "array_hw1": [d[..., None].tolist() for d in digits],
        "png": [png_b64(d) for d in digits],
        "data_url": ["data:image/png;base64," + png_b64(d) for d in digits],
        "rgb": [np.repeat(d[..., None], 3, axis=2).tolist() for d in digits],
        "rgb_png": [png_b64(np.repeat(d[..., None], 3, axis=2)) for d in digits],
        # white ink on a transparent background reads as white ink on black
        "rgba_png": [png_b64(np.dstack([np.full_like(d, 255)] * 3 + [d]), "RGBA") for d in digits],
    }
    for name, items in forms.items():
        r = client.post(url, json={"inputs": items})
        assert r.status_code == 200, (name, r.text)
        np.testing.assert_allclose(probs_of(r.json()), expected, atol=2e-3 if name == "rgba_png" else 1e-5,
                                   err_msg=name)
    assert [o["class"] for o in r.json()["outputs"]] == [str(int(k)) for k in expected.argmax(1)]


def test_images_of_another_size_are_resized(client, runs, digits):
    store, _, ids = runs
    big = np.kron(digits[0], np.ones((3, 2), np.uint8))  # 84 x 56
    resized = np.asarray(Image.fromarray(big).resize((28, 28), Image.Resampling.BILINEAR), np.float32)
    expected = model_probs(store, ids["image"], resized[None, ..., None])
    for item in (big.tolist(), png_b64(big)):
        r = client.post(f"/v1/runs/{ids['image']}/predict", json={"inputs": [item]})
        assert r.status_code == 200
        np.testing.assert_allclose(probs_of(r.json()), expected, atol=1e-5)


@pytest.mark.parametrize("item,words", [
    ([1.0] * 28, "[28, 28, 1]"),                                      # a row, not an image
    (np.zeros((28, 28, 5)).tolist(), "1, 3 or 4 channels"),
    (np.zeros((2, 28, 28, 1)).tolist(), "[28, 28, 1]"),
    ([[1, 2], [3]], "rectangular"),
    ([["a", "b"], ["c", "d"]], "rectangular"),
    ((np.ones((28, 28)) * 300).tolist(), "0..255"),
    ((np.ones((28, 28)) * -1).tolist(), "0..255"),
    ("not base64 at all!", "base64"),
    (base64.b64encode(b"GIF89a not a png").decode(), "PNG or JPEG"),
    ({"pixels": 1}, "numbers"),
    (None, "numbers"),
])
def test_bad_images_are_422_naming_the_problem(client, runs, item, words):
    _, _, ids = runs
    r = client.post(f"/v1/runs/{ids['image']}/predict", json={"inputs": [np.zeros((28, 28)).tolist(), item]})
    assert r.status_code == 422, r.text
    assert "inputs[1]" in r.json()["detail"] and words in r.json()["detail"]


def test_non_finite_numbers_are_422(client, runs):
    _, _, ids = runs
    body = '{"inputs": [[NaN, 1.0]]}'
    r = client.post(f"/v1/runs/{ids['toy']}/predict", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422 and "finite" in r.json()["detail"]


def test_wrong_toy_shape_names_the_expected_shape(client, runs):
    _, _, ids = runs
    r = client.post(f"/v1/runs/{ids['toy']}/predict", json={"inputs": [[1.0, 2.0, 3.0]]})
    assert r.status_code == 422 and "[x1, x2]" in r.json()["detail"] and "[3]" in r.json()["detail"]


def test_malformed_bodies(client, runs):
    _, _, ids = runs
    url = f"/v1/runs/{ids['toy']}/predict"
    assert client.post(url, content=b"{not json", headers={"content-type": "application/json"}).status_code == 422
    assert client.post(url, json={"rows": [[0, 0]]}).status_code == 422
    assert client.post(url, json={"inputs": "0,0"}).status_code == 422
    r = client.post(url, json={"inputs": []})
    assert r.status_code == 422 and "empty" in r.json()["detail"]


def test_too_many_inputs_and_oversized_bodies_are_413(client, runs):
    _, _, ids = runs
    url = f"/v1/runs/{ids['toy']}/predict"
    r = client.post(url, json={"inputs": [[0, 0]] * 9})
    assert r.status_code == 413 and "at most 8" in r.json()["detail"]
    big = json.dumps({"inputs": [[0.123456789] * 2] * 20_000}).encode()
    r = client.post(url, content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "200,000 bytes" in r.json()["detail"]

    def chunks():  # a streamed body declares no length: the limit is counted while reading
        for _ in range(100):
            yield b" " * 4096

    r = client.post(url, content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_unfinished_and_failed_runs_are_409(client, runs):
    _, _, ids = runs
    r = client.post(f"/v1/runs/{ids['running']}/predict", json={"inputs": [[0, 0]]})
    assert r.status_code == 409 and "running" in r.json()["detail"]
    r = client.post(f"/v1/runs/{ids['failed']}/predict", json={"inputs": [[0, 0]]})
    assert r.status_code == 409 and "failed" in r.json()["detail"]


def test_models_outside_the_runs_own_folder_are_never_loaded(client, runs, monkeypatch):
    import keras

    _, _, ids = runs
    loaded = []
    real = keras.saving.load_model
    monkeypatch.setattr(keras.saving, "load_model", lambda p, **kw: loaded.append(str(p)) or real(p, **kw))
    for key in ("foreign", "symlink"):
        r = client.post(f"/v1/runs/{ids[key]}/predict", json={"inputs": [[0, 0]]})
        assert r.status_code == 409 and "refusing" in r.json()["detail"], r.text
    assert loaded == []


def test_a_damaged_model_file_is_409_not_a_crash(client, runs):
    store, _, ids = runs
    toy = store.get_run(ids["toy"])
    run_id = store.create_run(toy["spec"], owner=None, status="running")  # nobody's: listings stay as they were
    folder = store.artifacts_dir(run_id)
    folder.mkdir(parents=True)
    (folder / "model.keras").write_bytes(b"PK\x03\x04 not really a zip")
    store.set_result(run_id, {**toy["result"], "model_path": str(folder / "model.keras")}, status="done")
    r = client.post(f"/v1/runs/{run_id}/predict", json={"inputs": [[0, 0]]})
    assert r.status_code == 409 and "could not load" in r.json()["detail"]
    assert client.get("/v1/health").status_code == 200


def test_a_run_that_changes_after_a_prediction_is_seen_changed(client, runs, monkeypatch):
    store, _, ids = runs
    toy = store.get_run(ids["toy"])
    run_id = store.create_run(toy["spec"], owner=None, status="running")
    folder = store.artifacts_dir(run_id)
    folder.mkdir(parents=True)
    shutil.copyfile(toy["result"]["model_path"], folder / "model.keras")
    store.set_result(run_id, {**toy["result"], "model_path": str(folder / "model.keras")}, status="done")
    monkeypatch.setattr(app_module, "RUN_TTL_S", 0.0)  # finished runs' rows are reused for RUN_TTL_S
    assert client.post(f"/v1/runs/{run_id}/predict", json={"inputs": [[0, 0]]}).status_code == 200
    store.set_status(run_id, "failed")
    assert client.post(f"/v1/runs/{run_id}/predict", json={"inputs": [[0, 0]]}).status_code == 409


def test_models_are_loaded_once_and_evicted_least_recently_used(runs, monkeypatch):
    store, _, ids = runs
    calls = []
    real = app_module.load_predictor
    monkeypatch.setattr(app_module, "load_predictor", lambda run, d: calls.append(run["id"]) or real(run, d))
    with TestClient(create_app(store, cache_size=1)) as c:
        for key in ("toy", "toy", "image", "image", "toy"):
            body = {"inputs": [[0, 0]]} if key == "toy" else {"inputs": [np.zeros((28, 28)).tolist()]}
            assert c.post(f"/v1/runs/{ids[key]}/predict", json=body).status_code == 200
    assert calls == [ids["toy"], ids["image"], ids["toy"]]


def test_the_same_app_serves_again_after_a_restart(runs):
    store, _, ids = runs
    app = create_app(store)
    for _ in range(2):  # lifespan shutdown stops the worker threads; a new start makes new ones
        with TestClient(app) as c:
            assert c.post(f"/v1/runs/{ids['toy']}/predict", json={"inputs": [[0, 0]]}).status_code == 200


def test_concurrent_requests_all_get_their_own_answers(runs, digits):
    from concurrent.futures import ThreadPoolExecutor

    store, _, ids = runs
    with TestClient(create_app(store)) as c:
        url = f"/v1/runs/{ids['image']}/predict"
        items = [digits[i % 3].tolist() for i in range(24)]
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda it: c.post(url, json={"inputs": [it]}).json(), items))
        expected = model_probs(store, ids["image"], digits[..., None])
        for i, a in enumerate(answers):
            np.testing.assert_allclose(probs_of(a)[0], expected[i % 3], atol=1e-5)


def test_the_curl_command_of_a_run_works(client, runs):
    _, _, ids = runs
    cmd = curl_command("http://127.0.0.1:8000", ids["image"], "image", [28, 28, 1])
    args = shlex.split(cmd)
    assert args[:4] == ["curl", "-s", "-X", "POST"]
    url, body = args[4], args[args.index("-d") + 1]
    assert url == f"http://127.0.0.1:8000/v1/runs/{ids['image']}/predict"
    r = client.post(url.removeprefix("http://127.0.0.1:8000"), content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200 and len(r.json()["outputs"]) == 1


def test_serve_is_a_cli_command():
    from synaptic_core.cli import build_parser
    from synaptic_core.serving.cli import cmd_serve

    args = build_parser().parse_args(["serve", "--port", "8123", "--host", "127.0.0.1"])
    assert args.func is cmd_serve and (args.host, args.port) == ("127.0.0.1", 8123)
    assert build_parser().parse_args(["serve"]).port == 8000
