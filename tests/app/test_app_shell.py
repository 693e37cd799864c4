"""The frame: Home renders fast with the sidebar's device panel and job queue."""

from __future__ import annotations


def _sidebar_text(at) -> str:
    return "\n".join(str(c.value) for c in at.sidebar.caption)


def test_home_renders_with_device_panel_and_queue(open_app):
    at = open_app()
    assert not at.exception
    assert at.title[0].value == "SynapticHub"
    text = _sidebar_text(at)
    assert "CPU" in text and "core" in text
    assert "detecting" in text  # no warm worker has reported TensorFlow/GPU yet
    assert "0 running · 0 queued · at most 2 at once" in text


def test_sidebar_shows_reported_device(open_app, runner):
    runner.device_info = {"cpu": {"model": "Test CPU", "cores": 4, "usable_cores": 4, "machine": "x86_64"},
                          "gpus": [], "tensorflow": "2.21.0", "keras": "3.15.1", "onednn": True}
    text = _sidebar_text(open_app())
    assert "CPU · Test CPU · 4 cores · oneDNN on" in text
    assert "TensorFlow 2.21.0 · Keras 3.15.1" in text
    assert "No GPU" in text and "detecting" not in text


def test_sidebar_shows_my_place_in_the_queue(open_app, runner):
    runner.extra_queue = [("other1", "someone-else")]
    runner.add_run("mine", "queued", owner="me", position=2)
    runner.add_run("busy", "running", owner="someone-else")
    text = _sidebar_text(open_app())
    assert "1 running · 2 queued · at most 2 at once" in text
    assert "Your place in the queue: 2" in text


def test_home_links_the_playground(open_app):
    at = open_app()
    assert any("Playground" in str(link.proto.label) for link in at.get("page_link"))
