"""The Playground's "Upload your own data": preview, choices, errors as text, and the upload picked as the dataset."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from shown import texts

PAGE = "app_pages/playground.py"
UPLOADER = "pg_upload_file"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path / "home"))


def _regression_csv() -> bytes:
    rng = np.random.default_rng(0)
    rows = ["size,rooms,area,price"]
    for _ in range(60):
        size, rooms = rng.uniform(30, 200), int(rng.integers(1, 6))
        rows.append(f"{size:.1f},{rooms},{rng.choice(['north', 'south'])},{1000 * size + 5000 * rooms:.0f}")
    return ("\n".join(rows) + "\n").encode()


def _png(seed: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_csv_preview_choices_and_use(open_app):
    at = open_app(PAGE)
    at.file_uploader(key=UPLOADER).set_value(("houses.csv", _regression_csv(), "text/csv")).run()
    assert not at.exception and not at.error
    assert at.selectbox(key="pg_upload_target").value == "price"
    shown = texts(at.caption)
    assert "Regression" in shown and "2 numeric and 1 text feature column" in shown
    at.selectbox(key="pg_upload_target").set_value("rooms").run()
    assert "Classification into 5 classes" in texts(at.caption)
    at.selectbox(key="pg_upload_target").set_value("price").run()
    at.button(key="pg_upload_use").click().run()
    assert not at.exception and not at.error, texts(at.error)
    name = at.selectbox(key="w_dataset").value
    assert name.startswith("upload:") and at.query_params["dataset"] == name
    assert at.selectbox(key="w_model").value == "mlp"
    assert "houses (your CSV)" in texts(at.caption) and "your upload" in texts(at.caption)
    assert at.button(key="train").disabled is False


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"a,b\n1,2\n", "1 data row"),
    (b"a,y\n" + b"".join(b"%d,same\n" % i for i in range(20)), "only one class"),
    (b"a,y\n" + b"".join(b"%d,%s\n" % (i, b"inf" if i == 3 else b"%d.5" % i) for i in range(20)), "infinite"),
])
def test_bad_csv_is_explained_as_text(open_app, content, message):
    at = open_app(PAGE)
    at.file_uploader(key=UPLOADER).set_value(("bad.csv", content, "text/csv")).run()
    assert not at.exception
    assert message in texts(at.error)
    assert at.button(key="pg_upload_use").disabled


def test_hostile_zip_is_refused_with_a_message(open_app):
    at = open_app(PAGE)
    data = _zip({"cats/1.png": _png(0), "cats/2.png": _png(1), "dogs/1.png": _png(2), "../../evil.png": _png(3)})
    at.file_uploader(key=UPLOADER).set_value(("evil.zip", data, "application/zip")).run()
    assert not at.exception and "outside the archive" in texts(at.error)  # said by the preview, before storing
    assert at.button(key="pg_upload_use").disabled
    assert at.selectbox(key="w_dataset").value == "mnist"


def test_image_zip_is_picked_with_class_counts(open_app):
    at = open_app(PAGE)
    data = _zip({f"{c}/{i}.png": _png(10 * k + i) for k, c in enumerate(("cats", "dogs")) for i in range(4)})
    at.file_uploader(key=UPLOADER).set_value(("pets.zip", data, "application/zip")).run()
    at.selectbox(key="pg_upload_size").set_value(16)
    at.radio(key="pg_upload_color").set_value("grey")
    at.button(key="pg_upload_use").click().run()
    assert not at.exception and not at.error, texts(at.error)
    assert at.selectbox(key="w_dataset").value.startswith("upload:")
    assert "Images per class: cats 4, dogs 4" in texts(at.caption)
    assert at.selectbox(key="w_model").value == "cnn"


def test_a_link_to_an_upload_works_for_someone_else(open_app):
    from synaptic_core.data.uploads import ingest_csv, owned

    up = ingest_csv(_regression_csv(), "shared.csv", owner="o-teacher")
    at = open_app(PAGE, owner="o-student", dataset=up.name)
    assert not at.exception and not at.error, texts(at.error)
    assert at.selectbox(key="w_dataset").value == up.name
    assert owned("o-student") == [up.name]
    other = open_app(PAGE, owner="o-other", dataset="upload:0123456789abcdef")
    assert other.selectbox(key="w_dataset").value == "mnist"  # not stored here: the page says so and opens MNIST


def test_regression_results_show_errors_and_scatter_plots_not_a_confusion_matrix(open_app, runner):
    from synaptic_core.data.uploads import ingest_csv
    from synaptic_core.presets import layered_spec

    up = ingest_csv(_regression_csv(), "houses.csv", owner="me")
    spec = layered_spec({"dataset": up.name})
    result = {"dataset": up.name, "model": "mlp", "params": 50, "epochs_run": 1, "class_names": [],
              "history": [{"epoch": 0, "loss": 0.5, "mae": 0.4}], "task": "tabular-regression",
              "test": {"loss": 0.1, "mse": 4.0e6, "mae": 1500.0, "rmse": 2000.0, "r2": 0.93},
              "regression": {"target": "price", "y_true": [1.0, 2.0, 3.0], "y_pred": [1.1, 1.9, 3.2]},
              "source_label": "houses (your CSV)"}
    runner.add_run("r7", "done", [{"type": "epoch", "epoch": 0, "epochs": 1, "loss": 0.5, "accuracy": None,
                                   "val_loss": None, "val_accuracy": None, "t": 1.0}], result=result, spec=spec)
    at = open_app(PAGE, dataset=up.name, run="r7")
    assert not at.exception and not at.error, texts(at.error)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Test MAE"] == "1500" and metrics["Test R²"] == "0.930" and "Test accuracy" not in metrics
    charts = [c.proto.id for c in at.get("plotly_chart")]
    assert any("regression_scatter" in i for i in charts) and not any("confusion" in i for i in charts)


def test_zip_preview_grid_and_counts_before_use(open_app):
    at = open_app(PAGE)
    data = _zip({f"{c}/{i}.png": _png(10 * k + i) for k, c in enumerate(("cats", "dogs")) for i in range(6)})
    at.file_uploader(key=UPLOADER).set_value(("pets.zip", data, "application/zip")).run()
    assert not at.exception and not at.error, texts(at.error)
    assert "12 images in 2 classes: cats 6, dogs 6" in texts(at.caption)
    preview = [c for c in at.get("plotly_chart") if "pg_upload_preview" in c.proto.id]
    assert len(preview) == 1
    import json

    spec = json.loads(preview[0].proto.spec)
    captions = [a["text"] for a in spec["layout"]["annotations"]]
    assert captions.count("cats") == 4 and captions.count("dogs") == 4  # four of each class
    from synaptic_core.data.uploads import owned

    assert owned("me") == []  # nothing stored before "Use this data"


def test_a_bad_zip_is_explained_in_the_preview_and_cannot_be_used(open_app):
    at = open_app(PAGE)
    data = _zip({"cats/1.png": _png(0), "cats/2.png": _png(1), "dogs/1.png": _png(2), "dogs/2.png": b"not an image"})
    at.file_uploader(key=UPLOADER).set_value(("broken.zip", data, "application/zip")).run()
    assert not at.exception and "not a readable image" in texts(at.error)
    assert at.button(key="pg_upload_use").disabled


def test_delete_own_upload_from_the_page(open_app):
    from synaptic_core.data.uploads import exists, ingest_csv, owned

    up = ingest_csv(_regression_csv(), "houses.csv", owner="me")
    at = open_app(PAGE, dataset=up.name)
    assert at.selectbox(key="w_dataset").value == up.name
    assert at.selectbox(key="pg_upload_mine").value == up.name
    at.button(key="pg_upload_delete").click().run()
    assert not at.exception and not at.error, texts(at.error)
    assert owned("me") == [] and not exists(up.name)
    assert at.selectbox(key="w_dataset").value == "mnist"  # the page moves off the deleted data
    assert "Deleted." in [s.value for s in at.success]
