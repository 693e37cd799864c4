"""Who is who in the app (ui/identity.py): the owner id comes from the token the browser keeps, so a
reload (a new session with the same cookie) still owns its runs and sees Stop; anyone else does not.

AppTest cannot run the cookie element's JavaScript, so these tests stand in for the browser by
replacing ``identity.cookie_token`` (what the WebSocket's cookie said); the real cookie round trip
is tested in a real browser (tests/e2e/test_e2e_runs.py).
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, TIMEOUT
from synaptic_core.identity import is_token, new_token, owner_id
from ui import identity

PLAYGROUND = "app_pages/playground.py"


def _open(runner, page=PLAYGROUND, **query) -> AppTest:
    """The app as a browser opens it: no owner pinned in the session (unlike the ``open_app`` fixture)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["synaptic_runner"] = runner
    at.session_state["synaptic_store"] = runner.store
    at.query_params.update(query)
    at.switch_page(page)
    return at.run()


def _running(runner, owner):
    runner.add_run("live", "running", [{"type": "status", "stage": "training", "message": "Training…"}],
                   owner=owner)


@pytest.fixture
def cookie(monkeypatch):
    """``cookie.set(token)``: the token this 'browser' sends with its WebSocket (None: no cookie)."""
    class Jar:
        token: str | None = None

        def set(self, value):
            self.token = value

    jar = Jar()
    monkeypatch.setattr(identity, "cookie_token", lambda: jar.token)
    return jar


def test_a_first_visit_gets_a_token_and_trains_under_its_owner_id(runner, cookie):
    at = _open(runner)
    assert not at.exception
    token = at.session_state["synaptic_token"]
    assert is_token(token)
    at.button(key="train").click().run()
    (_, owner), = runner.submitted
    assert owner == owner_id(token) and owner.startswith("o-")
    assert token not in str(dict(at.query_params))  # never in a shareable URL


def test_the_cookie_decides_the_owner(runner, cookie):
    token = new_token()
    cookie.set(token)
    at = _open(runner)
    assert at.session_state["synaptic_token"] == token
    at.button(key="train").click().run()
    assert runner.submitted[0][1] == owner_id(token)


def test_a_reload_keeps_the_stop_button_and_others_never_get_it(runner, cookie):
    token = new_token()
    _running(runner, owner_id(token))
    cookie.set(token)  # the same browser, after a reload: a new session, the same cookie
    at = _open(runner, run="live")
    assert [b for b in at.button if b.key == "stop"]
    at.button(key="stop").click().run()
    assert runner.cancelled == [("live", False)]

    cookie.set(new_token())  # another browser with the run's link
    other = _open(runner, run="live")
    assert not [b for b in other.button if b.key == "stop"]
    assert any("only the person who started it can stop it" in c.value for c in other.caption)


def test_the_runner_refuses_a_stop_from_someone_else(runner):
    """The handler asks the runner with the caller's owner id: a stale Stop from another owner is refused."""
    from synaptic_core.jobs.policy import NotAllowed

    _running(runner, owner_id(new_token()))
    with pytest.raises(NotAllowed):
        runner.cancel("live", by=owner_id(new_token()))


def test_runs_page_lists_the_browsers_runs(runner, cookie):
    token = new_token()
    runner.add_run("mine", "done", [], owner=owner_id(token))
    runner.add_run("old-session", "done", [], owner="ab12cd34ef56")  # a run from before identities
    cookie.set(token)
    at = _open(runner, page="app_pages/runs.py")
    assert not at.exception
    assert list(at.dataframe[0].value["Run"]) == ["mine"]
