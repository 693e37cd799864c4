"""The data section: source label, subset, the full-dataset download (with progress), previews."""

from __future__ import annotations

from pathlib import Path

import synaptic_core.data as data
from shown import texts
from synaptic_core.data import DataError

PAGE = "app_pages/playground.py"


def test_source_label_and_subset(open_app):
    at = open_app(PAGE, subset="500")
    captions = "\n".join(c.value for c in at.caption)
    assert "MNIST — bundled sample, 500 of 10,000 training images used, offline" in captions
    assert at.slider(key="w_subset").value == 500
    at.slider(key="w_subset").set_value(2000).run()
    assert at.query_params["subset"] == "2000"
    assert "2,000 of 10,000" in "\n".join(c.value for c in at.caption)


def test_subset_larger_than_the_source_means_all_and_stays_in_the_url(open_app):
    at = open_app(PAGE, dataset="sonar", subset="50000")
    assert not at.error
    assert at.slider(key="w_subset").value == at.slider(key="w_subset").max
    assert at.query_params["subset"] == "50000"
    assert at.dataframe  # tabular preview: the first rows


def test_download_failure_says_why(open_app, monkeypatch):
    calls = []

    def failing(name, progress=None):
        calls.append(name)
        progress(10, 100)
        raise DataError("MNIST: could not reach storage.googleapis.com (network unreachable).")

    monkeypatch.setattr(data, "download", failing)
    at = open_app(PAGE)
    at.button(key="download_data").click().run()
    assert calls == ["mnist"]
    text = texts(at.error)
    assert "network unreachable" in text and "bundled sample keeps working" in text
    assert not at.exception


def test_download_success_reloads_the_preview(open_app, monkeypatch, tmp_path: Path):
    def fake_download(name, progress=None):
        progress(100, 100)
        return tmp_path

    monkeypatch.setattr(data, "download", fake_download)
    at = open_app(PAGE)
    at.button(key="download_data").click().run()
    assert not at.exception and not at.error
