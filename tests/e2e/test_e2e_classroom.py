"""Teacher mode in a real browser (issue 11): a teacher creates a class, two students (two browser
contexts, so two identity cookies) join it by its link with their names and each train a small toy
run; the teacher's board shows both and ranks them on the leaderboard, with private scores from the
hidden split; a locked setting cannot be changed by editing the URL (the run trains with the
teacher's value, read back from the server's store). The class keeps the form's default locks (dataset
and model): choosing more in the multiselect is covered by the AppTest."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from synaptic_core.bench.browser import VIEWPORT, button_by_key, by_key, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

COOKIE = "synaptic_owner"
TEACHER_LR = 0.03
CLASS_SETTINGS = f"dataset=circle&model=mlp&hidden=4&epochs=3&n_points=200&lr={TEACHER_LR}"
RUN_TIMEOUT_S = 240


def _go(page, url: str) -> None:
    page.goto(url, timeout=120_000)  # three browsers and a training on a loaded 2-core machine
    wait_idle(page, timeout_ms=120_000)


def _wait_cookie(page) -> None:
    """The identity element writes this browser's owner cookie on a first visit."""
    deadline = time.monotonic() + 60
    while not any(c["name"] == COOKIE for c in page.context.cookies()):
        assert time.monotonic() < deadline, "no owner cookie 60 s after the first visit"
        page.wait_for_timeout(100)


@pytest.fixture
def students(_chromium):
    """Two more browser contexts: two students, each with their own cookies."""
    contexts = [_chromium.new_context(viewport=VIEWPORT) for _ in range(2)]
    pages = []
    for context in contexts:
        context.set_default_timeout(60_000)
        pages.append(context.new_page())
    yield pages
    for context in contexts:
        context.close()


def _create_class(page, app_server) -> str:
    _go(page, app_server.url + "/classroom")
    _wait_cookie(page)
    link = by_key(page, "class_new_link").locator("input")
    link.fill(CLASS_SETTINGS)
    link.press("Enter")
    wait_idle(page, timeout_ms=60_000)
    # the form has taken the link (the idle flag alone can be seen before the rerun starts)
    expect(page.get_by_text(f"Learning rate: {TEACHER_LR:g}")).to_be_visible(timeout=60_000)
    by_key(page, "class_new_name").locator("input").fill("Period 3")
    page.get_by_role("button", name="Create class", exact=True).click()
    deadline = time.monotonic() + 60
    while "class=" not in page.url:
        assert time.monotonic() < deadline, "the class's board never opened"
        page.wait_for_timeout(100)
    token = re.search(r"[?&]class=([A-Za-z0-9_-]{16})", page.url).group(1)
    expect(page.get_by_text(f"/playground?class={token}")).to_be_visible(timeout=30_000)
    return token


def _join_and_train(page, url: str, name: str, tamper: str = "") -> None:
    _go(page, url)
    _wait_cookie(page)
    by_key(page, "class_join_name").locator("input").fill(name)
    page.get_by_role("button", name="Join class", exact=True).click()
    expect(button_by_key(page, "train")).to_be_visible(timeout=120_000)
    if tamper:  # edit the address bar: a new page load with the URL as typed
        _go(page, url + tamper)
        expect(page.get_by_text("Model is set by the teacher").first).to_be_visible(timeout=60_000)
        deadline = time.monotonic() + 30  # the page writes the URL back: the free value only
        while "model=" in page.url or "epochs=2" not in page.url:
            assert time.monotonic() < deadline, f"the class page's URL still holds a locked value: {page.url}"
            page.wait_for_timeout(100)
    train = button_by_key(page, "train")
    expect(train).to_be_enabled(timeout=60_000)
    train.click()


def _class_runs(app_server, token: str) -> list[dict]:
    """The class's runs as the server's store has them (the fixture's SYNAPTIC_HOME)."""
    from synaptic_core.classroom import class_runs, get_class
    from synaptic_core.store import RunStore

    store = RunStore(Path(app_server.log_path).parent / "home" / "runs.db", read_only=True)
    try:
        return class_runs(store, get_class(store, token))
    finally:
        store.close()


def test_a_class_from_link_to_leaderboard(page, students, app_server):
    token = _create_class(page, app_server)
    url = f"{app_server.url}/playground?class={token}"
    ann, bob = students
    _join_and_train(ann, url, "Ann")
    _join_and_train(bob, url, "Bob", tamper="&model=logreg&dataset=spiral&epochs=2")

    for student in (ann, bob):
        expect(by_key(student, "results")).to_be_visible(timeout=RUN_TIMEOUT_S * 1000)

    # The board (a fragment redrawn every 2 s) lists both, ranked, with private scores once the scorer ran.
    board = by_key(page, "class_leaderboard")
    expect(board.get_by_text("Ann", exact=True)).to_be_visible(timeout=RUN_TIMEOUT_S * 1000)
    expect(board.get_by_text("Bob", exact=True)).to_be_visible(timeout=60_000)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:  # cells: public rank, student, public score, private score, private rank, finished runs, run
        rows = [row.locator("td").all_inner_texts() for row in board.locator("tbody tr").all()]
        if len(rows) == 2 and all(len(r) >= 4 and r[2].endswith("%") and r[3].endswith("%") for r in rows):
            break  # public and private scores for both
        assert time.monotonic() < deadline, f"no private scores on the board: {rows}"
        page.wait_for_timeout(500)
    ranks = [int(r[0]) for r in rows]
    publics = [float(r[2].rstrip("%")) for r in rows]
    assert ranks == sorted(ranks) and ranks[0] == 1 and publics == sorted(publics, reverse=True), rows
    assert sorted(r[1] for r in rows) == ["Ann", "Bob"], rows
    expect(page.locator(".st-key-class_curves .js-plotly-plot")).to_have_count(1, timeout=30_000)

    # On the server: both runs trained the teacher's locked dataset and model; Bob's free epochs count.
    runs = _class_runs(app_server, token)
    assert len(runs) == 2, runs
    assert all((r["spec"]["dataset"], r["spec"]["model"], r["spec"]["lr"]) == ("circle", "mlp", TEACHER_LR)
               for r in runs), [r["spec"] for r in runs]
    assert sorted(r["spec"]["epochs"] for r in runs) == [2, 3]
    assert all(r["private_score"] is not None for r in runs)
