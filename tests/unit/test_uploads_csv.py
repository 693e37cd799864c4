"""CSV uploads: each bad file gets a clear message; good ones become a classification or a regression."""

from __future__ import annotations

import numpy as np
import pytest

from synaptic_core.data import load_dataset
from synaptic_core.data.uploads import UploadError, UploadLimits, ingest_csv, parse_csv, plan_table, read_meta
from synaptic_core.presets import layered_spec

from uploadfiles import classification_csv, regression_csv


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _table(n: int, target: str = "y", values=None) -> bytes:
    rows = ["a,b," + target]
    for i in range(n):
        v = values[i] if values is not None else str(i % 2)
        rows.append(f"{i},{i * 2 % 7},{v}")
    return ("\n".join(rows) + "\n").encode()


def _error(data: bytes, **kw) -> UploadError:
    with pytest.raises(UploadError) as info:
        ingest_csv(data, "bad.csv", **kw)
    assert "Traceback" not in str(info.value) and str(info.value).strip()
    return info.value


# -- one test per bad file ---------------------------------------------------------------------------------------
def test_empty_file():
    assert "empty" in str(_error(b""))
    assert "empty" in str(_error(b"   \n\n"))


def test_header_only_and_one_row():
    assert "0 data rows" in str(_error(b"a,b,y\n"))
    err = _error(b"a,b,y\n1,2,3\n")
    assert "1 data row;" in str(err) and "at least 10" in str(err)


def test_one_class():
    err = _error(_table(20, values=["same"] * 20))
    assert "only one class" in str(err) and err.field == "target"


def test_nan_target():
    values = [str(i % 2) for i in range(20)]
    values[4] = "NaN"
    err = _error(_table(20, values=values))
    assert "empty or NaN" in str(err) and "line 6" in str(err) and err.field == "target"


def test_inf_target():
    values = [f"{i * 0.37:.2f}" for i in range(20)]
    values[7] = "inf"
    err = _error(_table(20, values=values))
    assert "infinite" in str(err) and "line 9" in str(err)


def test_inf_feature():
    rows = ["a,y"] + [f"{'-inf' if i == 3 else i},{i % 2}" for i in range(20)]
    assert "infinite" in str(_error("\n".join(rows).encode()))


def test_mixed_types_in_a_feature():
    rows = ["a,b,y"] + [f"{'abc' if i == 5 else i},{i},{i % 2}" for i in range(20)]
    err = _error("\n".join(rows).encode())
    assert "mixes numbers with text" in str(err) and "'abc' (line 7)" in str(err)


def test_mixed_types_in_the_target():
    values = [str(i * 1.5) for i in range(20)]
    values[2] = "lots"
    err = _error(_table(20, values=values))
    assert "mixes numbers with text" in str(err) and err.field == "target"


def test_latin1_is_read_with_a_note():
    high = "\xe9lev\xe9"
    rows = ["ville,taille,classe"] + [f"Montr\xe9al{i % 3},{i},{high if i % 2 else 'bas'}" for i in range(20)]
    up = ingest_csv("\n".join(rows).encode("latin-1"), "villes.csv", target="classe")
    assert up.meta["encoding"] == "latin-1" and any("Latin-1" in n for n in up.meta["notes"])
    assert up.meta["class_names"] == ["bas", "\xe9lev\xe9"]


def test_utf8_with_bom_and_semicolons():
    rows = ["a;b;y"] + [f"{i};{i % 3};{'x' if i % 2 else 'z'}" for i in range(20)]
    up = ingest_csv(("\ufeff" + "\n".join(rows)).encode("utf-8"), "bom.csv")
    assert up.meta["encoding"] == "utf-8" and up.meta["target"] == "y" and up.meta["numeric"] == ["a", "b"]


def test_utf16_or_binary_is_refused():
    err = _error(_table(20).decode().encode("utf-16"))
    assert "NUL bytes" in str(err) and "UTF-8" in str(err)
    assert "control characters" in str(_error(bytes(range(1, 32)) * 20))


def test_too_big_too_many_rows_or_columns():
    small = UploadLimits(max_bytes=100, max_rows=15, max_columns=3)
    with pytest.raises(UploadError, match="more than the limit of 0.0001 MB"):
        parse_csv(_table(20), small)
    with pytest.raises(UploadError, match="more than 15 rows"):
        parse_csv(_table(20), UploadLimits(max_rows=15))
    with pytest.raises(UploadError, match="4 columns, more than the limit of 3"):
        parse_csv(b"a,b,c,d\n" + b"1,2,3,4\n" * 20, UploadLimits(max_columns=3))


def test_not_a_csv():
    assert "well-formed" in str(_error(b"a,b,y\n" + b"1,2,3\n" * 12 + b"1,2,3,4,5,6\n"))


def test_unknown_target_and_single_column():
    assert "no column 'price'" in str(_error(_table(20), target="price"))
    assert "1 column" in str(_error(b"y\n" + b"1\n" * 20))


def test_class_with_one_row():
    values = ["a", "b"] * 9 + ["a", "c"]
    assert "Class 'c'" in str(_error(_table(20, values=values)))


def test_dropping_missing_rows_that_leaves_too_few_suggests_fill():
    rows = ["a,b,y"] + [f"{'' if i < 15 else i},{i},{i % 2}" for i in range(20)]
    err = _error("\n".join(rows).encode(), missing="drop")
    assert "fill" in str(err) and err.field == "missing"
    up = ingest_csv("\n".join(rows).encode(), "m.csv", missing="fill")
    assert up.meta["n_missing_rows"] == 15 and up.meta["n_rows"] == 20


def test_identifier_column_is_left_out_with_a_note():
    rows = ["id,a,y"] + [f"cust-{i},{i},{i % 2}" for i in range(80)]
    up = ingest_csv("\n".join(rows).encode(), "ids.csv")
    assert up.meta["ignored"] == ["id"] and any("identifier" in n for n in up.meta["notes"])


# -- good files --------------------------------------------------------------------------------------------------
def test_classification_csv_is_stored_by_hash_and_loads_like_any_dataset(home):
    data = classification_csv()
    up = ingest_csv(data, "plants.csv", target="species", owner="o-me")
    assert up.name.startswith("upload:") and len(up.name) == len("upload:") + 16
    assert up.meta["task"] == "upload-table" and up.meta["class_names"] == ["short", "tall"]
    assert up.meta["numeric"] == ["height", "weight"] and up.meta["categorical"] == ["colour"]
    assert ingest_csv(data, "again.csv", target="species").name == up.name  # same content, same choices
    assert ingest_csv(data, "x.csv", target="species", missing="fill").name != up.name
    assert (home / "uploads" / up.name.split(":")[1] / "table.csv").is_file()
    assert not list((home / "uploads").rglob("*.pkl"))
    spec = layered_spec({"dataset": up.name})
    assert spec.errors(known_datasets=["mnist"]) == []  # a stored upload is a known dataset
    ds = load_dataset(spec)
    assert ds.x_train.dtype == np.float32 and ds.x_train.shape[1] == 5 and ds.n_classes == 2
    assert ds.source == "upload" and "your upload" in ds.source_label
    # standardised on the training rows only
    assert np.allclose(ds.x_train.mean(axis=0), 0, atol=1e-5)
    assert not np.allclose(ds.x_test.mean(axis=0), 0, atol=1e-5)


def test_integer_target_with_few_values_is_a_classification():
    up = ingest_csv(_table(30, values=[str(i % 3) for i in range(30)]), "t.csv")
    assert up.meta["kind"] == "classification" and up.meta["class_names"] == ["0", "1", "2"]
    ds = load_dataset(up.name)
    assert set(np.unique(ds.y_train)) == {0, 1, 2}


def test_regression_csv_scales_the_target_on_training_rows():
    up = ingest_csv(regression_csv(), "prices.csv", target="price")
    assert up.meta["task"] == "tabular-regression" and up.meta["class_names"] == []
    ds = load_dataset(layered_spec({"dataset": up.name}))
    assert ds.n_classes == 0 and ds.y_train.dtype == np.float32
    assert abs(float(ds.y_train.mean())) < 1e-5 and ds.extra["y_mean"] > 90 and ds.extra["target"] == "price"


def test_fill_uses_training_rows_and_plan_says_so():
    rows = ["a,c,y"] + [f"{'' if i % 5 == 0 else i},{'' if i % 7 == 0 else 'p' if i % 2 else 'q'},{i % 2}"
                        for i in range(40)]
    parsed = parse_csv("\n".join(rows).encode())
    plan = plan_table(parsed, "y", "fill")
    assert plan.n_missing_rows > 0 and any("filled" in n for n in plan.notes)
    up = ingest_csv("\n".join(rows).encode(), "f.csv", missing="fill")
    ds = load_dataset(up.name)
    assert np.isfinite(ds.x_train).all() and np.isfinite(ds.x_test).all()


def test_unknown_or_malformed_upload_names_are_not_datasets():
    from synaptic_core.data.registry import find_entry
    from synaptic_core.specs import RunSpec

    assert find_entry("upload:0123456789abcdef") is None and find_entry("upload:../../etc") is None
    assert RunSpec().replace(dataset="upload:0123456789abcdef").errors(known_datasets=["mnist"])
    assert read_meta("upload:../x") is None


def test_a_full_upload_store_refuses_new_uploads_but_keeps_serving_stored_ones():
    data = classification_csv()
    first = ingest_csv(data, "a.csv", target="species")
    full = UploadLimits(max_store_bytes=1)
    assert ingest_csv(data, "a.csv", target="species", limits=full).name == first.name  # already stored: reused
    with pytest.raises(UploadError, match="upload space is full"):
        ingest_csv(regression_csv(), "b.csv", limits=full)
