"""AppTest: FER-2013 opens on the Playground with its bundled sample; CIFAR-100, not downloaded yet, says so
and offers the download (nothing is fetched until the button is pressed)."""

from __future__ import annotations

import urllib.request

PAGE = "app_pages/playground.py"


def test_fer2013_and_cifar100_open_on_the_playground(open_app, monkeypatch, tmp_path):
    monkeypatch.delenv("SYNAPTIC_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))

    def refuse(*args, **kwargs):
        raise AssertionError("network touched")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    at = open_app(PAGE, dataset="fer2013")
    assert not at.exception
    assert any("FER" in c.value and "2013" in c.value and "bundled sample" in c.value for c in at.caption)

    at = open_app(PAGE, dataset="cifar100")
    assert not at.exception
    assert any("not downloaded yet" in e.value for e in at.error)
    assert at.button(key="download_data").label == "Download CIFAR-100"
