"""Deleting one's own uploads (only one's own; files kept while someone else lists them), the per-person
quota, and the zip preview that the page shows before anything is stored."""

from __future__ import annotations

import pytest

from synaptic_core.data.uploads import (UploadError, UploadLimits, delete, exists, ingest_csv, ingest_zip, owned,
                                        owner_bytes, preview_image_zip, remember)

from uploadfiles import classification_csv, image_zip, regression_csv


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path / "home"))


def test_only_the_owner_deletes_and_files_stay_while_someone_else_lists_them():
    up = ingest_csv(classification_csv(), "plants.csv", owner="alice")
    with pytest.raises(UploadError, match="not in your list"):
        delete("mallory", up.name)
    with pytest.raises(UploadError, match="not in your list"):
        delete(None, up.name)
    remember("bob", up.name)  # bob followed a link to it
    assert delete("alice", up.name) is False  # off alice's list, kept for bob
    assert owned("alice") == [] and owned("bob") == [up.name] and exists(up.name)
    with pytest.raises(UploadError):
        delete("alice", up.name)  # no longer hers
    assert delete("bob", up.name) is True and not exists(up.name)
    again = ingest_csv(classification_csv(), "plants.csv", owner="alice")  # the same file can be uploaded again
    assert again.name == up.name and exists(again.name)


def test_malformed_names_are_refused():
    with pytest.raises(UploadError):
        delete("alice", "../../etc")
    with pytest.raises(UploadError):
        delete("alice", "upload:../../x")


def test_per_person_quota_counts_what_they_stored_first(monkeypatch):
    small = ingest_csv(classification_csv(), "a.csv", owner="alice")
    used = owner_bytes("alice")
    assert used > 0 and owner_bytes("bob") == 0
    limits = UploadLimits(max_owner_bytes=used + 100)
    with pytest.raises(UploadError, match="pass your limit"):
        ingest_csv(regression_csv(), "b.csv", owner="alice", limits=limits)
    # the env variable sets it, like the other limits
    monkeypatch.setenv("SYNAPTIC_UPLOAD_MAX_OWNER_BYTES", str(used + 100))
    assert UploadLimits.from_env().max_owner_bytes == used + 100
    with pytest.raises(UploadError, match="Delete some of your uploads"):
        ingest_csv(regression_csv(), "b.csv", owner="alice")
    # the same content again costs nothing; someone else's copy or a followed link is not charged to bob
    assert ingest_csv(classification_csv(), "a.csv", owner="alice", limits=limits).name == small.name
    assert ingest_csv(classification_csv(), "a.csv", owner="bob", limits=UploadLimits(max_owner_bytes=1)).name == small.name
    assert owner_bytes("bob") == 0
    delete("alice", small.name)
    assert owner_bytes("alice") == 0
    assert exists(small.name)  # bob lists it too
    ingest_csv(regression_csv(), "b.csv", owner="alice", limits=UploadLimits(max_owner_bytes=10_000))  # room again


def test_zip_preview_keeps_a_few_of_each_class_and_fails_like_ingest():
    preview = preview_image_zip(image_zip(("cats", "dogs", "owls"), per_class=7), size=16, color="grey", per_class=3)
    assert preview.class_counts == {"cats": 7, "dogs": 7, "owls": 7}
    assert preview.images.shape == (9, 16, 16, 1) and preview.labels == ["cats"] * 3 + ["dogs"] * 3 + ["owls"] * 3
    assert not exists("upload:" + "0" * 16) and owned("me") == []
    with pytest.raises(UploadError, match="one class folder"):
        preview_image_zip(image_zip(("cats",), per_class=3))
    up = ingest_zip(image_zip(("cats", "dogs", "owls"), per_class=7), size=16, color="grey", owner="me")
    assert up.meta["class_counts"] == preview.class_counts
