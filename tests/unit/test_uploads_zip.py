"""Image-zip uploads: every hostile archive is refused with a message; a good one becomes an image dataset."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from synaptic_core.data import load_dataset
from synaptic_core.data.uploads import UploadError, UploadLimits, ingest_zip, owned
from synaptic_core.presets import layered_spec

from uploadfiles import bomb_zip, image_zip, png, symlink_zip, zip_of


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _error(data: bytes, **kw) -> str:
    with pytest.raises(UploadError) as info:
        ingest_zip(data, "bad.zip", **kw)
    return str(info.value)


def _nothing_stored(home) -> bool:
    return not (home / "uploads").exists() or not [p for p in (home / "uploads").iterdir() if p.name != "owners"]


def test_zip_bomb_is_refused_before_inflating(home):
    data = bomb_zip()
    assert len(data) < 200_000
    assert "zip bomb" in _error(data)
    assert _nothing_stored(home)


def test_declared_total_over_the_limit():
    data = image_zip()
    with pytest.raises(UploadError, match="unpack to more than"):
        ingest_zip(data, "x.zip", limits=UploadLimits(max_unpacked_bytes=1000))


@pytest.mark.parametrize("name", ["../evil.png", "cats/../../evil.png", "/etc/evil.png", "C:/evil.png",
                                  "cats\\..\\evil.png"])
def test_path_traversal_entries(name, home):
    entries = {"cats/1.png": png(), "cats/2.png": png(seed=1), "dogs/1.png": png(seed=2), "dogs/2.png": png(seed=3)}
    message = _error(zip_of({**entries, name: png(seed=9)}))
    assert "outside the archive" in message or "absolute or Windows-style" in message
    assert not (home.parent / "evil.png").exists()


def test_symlink_entry():
    assert "symbolic link" in _error(symlink_zip())


def test_nested_archive_by_name_and_by_content():
    inner = image_zip()
    assert "nested archives" in _error(zip_of({"cats/1.png": png(), "dogs/1.png": png(), "dogs/more.zip": inner}))
    assert "nested archives" in _error(zip_of({"cats/1.png": png(), "cats/2.png": png(seed=1), "dogs/1.png": png(),
                                                "dogs/2.png": inner}))


def test_corrupt_png():
    broken = png()[:40] + b"\x00garbage" * 10
    message = _error(zip_of({"cats/1.png": png(), "cats/2.png": png(seed=1), "dogs/1.png": png(seed=2),
                             "dogs/2.png": broken}))
    assert "'dogs/2.png' is not a readable image" in message


def test_non_image_file():
    message = _error(zip_of({"cats/1.png": png(), "cats/2.png": png(seed=1), "dogs/notes.txt": b"hello"}))
    assert "'dogs/notes.txt' is not an image file" in message


def test_text_named_png():
    message = _error(zip_of({"cats/1.png": png(), "cats/2.png": png(seed=1), "dogs/1.png": png(seed=2),
                             "dogs/2.png": b"just text, not a picture"}))
    assert "not a readable image" in message


def test_image_over_the_pixel_limit():
    message = _error(image_zip(), limits=UploadLimits(max_image_pixels=100))
    assert "pixels" in message


def test_total_pixels_and_image_count_limits():
    assert "pixels in all" in _error(image_zip(), limits=UploadLimits(max_total_pixels=500))
    assert "more than the limit of 3" in _error(image_zip(), limits=UploadLimits(max_images=3))
    assert "entries, more than" in _error(image_zip(), limits=UploadLimits(max_entries=3))


def test_not_a_zip_empty_and_too_big():
    assert "not a readable zip" in _error(b"PK\x03\x04 this is not really a zip")
    assert "not a readable zip" in _error(png())
    assert "empty" in _error(b"")
    assert "more than the limit" in _error(image_zip(), limits=UploadLimits(max_bytes=100))


def test_one_class_loose_files_and_tiny_classes():
    assert "one class folder" in _error(image_zip(classes=("cats",)))
    assert "not in a folder" in _error(zip_of({"1.png": png(), "2.png": png(seed=1)}))
    assert "least two" in _error(zip_of({"cats/1.png": png(), "cats/2.png": png(seed=1), "dogs/1.png": png()}))
    assert "holds no images" in _error(zip_of({"__MACOSX/._x.png": b"x", "cats/.DS_Store": b"x"}))


def test_bad_size_or_colour():
    assert "Image size 30" in _error(image_zip(), size=30)
    assert "Colour 'sepia'" in _error(image_zip(), color="sepia")


def test_good_zip_becomes_an_image_dataset(home):
    data = image_zip(classes=("cats", "dogs", "owls"), per_class=5, top="animals/")
    data = zip_of({**{i.filename: zipfile.ZipFile(io.BytesIO(data)).read(i) for i in
                      zipfile.ZipFile(io.BytesIO(data)).infolist()}, "__MACOSX/animals/._cats": b"x",
                   "animals/.DS_Store": b"x"})
    up = ingest_zip(data, "animals.zip", size=16, color="grey", owner="o-me")
    assert up.meta["class_names"] == ["cats", "dogs", "owls"]
    assert up.meta["class_counts"] == {"cats": 5, "dogs": 5, "owls": 5} and up.meta["input_shape"] == [16, 16, 1]
    assert owned("o-me") == [up.name] and owned("o-other") == []
    stored = home / "uploads" / up.name.split(":")[1] / "images.npz"
    with np.load(stored, allow_pickle=False) as z:
        assert z["x_train"].dtype == np.uint8
    ds = load_dataset(layered_spec({"dataset": up.name}))
    assert ds.task == "image" and ds.input_shape == (16, 16, 1) and ds.n_classes == 3
    assert len(ds.y_train) + len(ds.y_test) == 15 and set(np.unique(ds.y_test)) == {0, 1, 2}
    rgb = ingest_zip(data, "animals.zip", size=32, color="rgb")
    assert rgb.name != up.name and load_dataset(rgb.name).input_shape == (32, 32, 3)


def test_jpeg_gif_bmp_are_read():
    entries = {f"a/{i}.{ext}": png(seed=i, fmt=fmt) for i, (ext, fmt) in
               enumerate([("jpg", "JPEG"), ("gif", "GIF"), ("bmp", "BMP")])}
    entries.update({f"b/{i}.png": png(seed=10 + i) for i in range(3)})
    up = ingest_zip(zip_of(entries), "mixed.zip", size=16)
    assert up.meta["class_counts"] == {"a": 3, "b": 3}
