"""The Search page in AppTest: it opens from the Playground's setup, refuses an empty selection,
starts a study through the server's StudyManager with this person as owner, and shows the study
(trials table, figures) from the ``?study=`` link -- Stop only for the owner.

The manager is real, over a threaded FakeRunner whose runs are ``tests/unit/searchfakes.fake_train``
(epochs in milliseconds, no TensorFlow), so a study of three trials ends in about a second.
"""

from __future__ import annotations

import sys

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, TIMEOUT
from fakes import FakeRunner
from shown import shown

UNIT = str(ROOT / "tests" / "unit")
if UNIT not in sys.path:
    sys.path.insert(0, UNIT)
from searchfakes import fake_train  # noqa: E402

from synaptic_core.search import StudyManager  # noqa: E402

PAGE = "app_pages/search.py"
CIRCLE = {"dataset": "circle", "model": "mlp", "epochs": "3"}


@pytest.fixture
def manager(tmp_path):
    runner = FakeRunner(max_jobs=2, target=fake_train)
    manager = StudyManager(runner, store_path=tmp_path / "studies.db", poll=0.01)
    yield manager
    manager.shutdown(timeout=10)
    runner.shutdown()


def _open(manager: StudyManager, owner: str = "me", **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["synaptic_runner"] = manager.runner
    at.session_state["synaptic_store"] = manager.runner.store
    at.session_state["synaptic_study_manager"] = manager
    at.session_state["synaptic_owner"] = owner
    at.query_params.update(query)
    at.switch_page(PAGE)
    return at.run()


def _texts(at: AppTest) -> str:
    return " ".join(shown(str(e.value)) for kind in ("markdown", "caption", "error", "warning") for e in getattr(at, kind))


def _button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def test_the_page_opens_with_the_playgrounds_setup_and_sensible_defaults(manager):
    at = _open(manager, **CIRCLE)
    assert not at.exception and not at.error
    vary = at.multiselect(key="search_vary")
    assert vary.value == ["lr"] and "Dense layers (units per layer)" in " ".join(vary.options)
    assert at.selectbox(key="search_sampler").value == "tpe"
    assert at.selectbox(key="search_pruner").value == "median"
    assert at.number_input(key="search_epochs").value == 3
    assert "Circle" in _texts(at) and "Learning rate: 0.0001 to 0.3, log scale" in _texts(at)
    assert not _button(at, "search_start").disabled


def test_an_empty_selection_says_why_and_cannot_start(manager):
    at = _open(manager, **CIRCLE)
    at.multiselect(key="search_vary").set_value([]).run()
    assert any("choose at least one parameter" in shown(e.value) for e in at.error)
    assert _button(at, "search_start").disabled
    assert not manager.studies()


def test_start_runs_a_study_owned_by_this_person_and_shows_it(manager):
    at = _open(manager, **CIRCLE)
    at.multiselect(key="search_vary").set_value(["lr", "activation"])
    at.selectbox(key="search_sampler").set_value("random")
    at.number_input(key="search_trials").set_value(3)
    _button(at, "search_start").click().run()
    assert not at.exception, at.exception
    study_id = at.query_params["study"]
    study_id = study_id[0] if isinstance(study_id, list) else study_id
    config = manager.config(study_id)
    assert config.owner == "me" and config.sampler == "random" and config.spec().epochs == 3
    assert [d["name"] for d in config.space] == ["lr", "activation"]
    assert manager.wait(study_id, timeout=30)
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 3 and set(table["state"]) <= {"complete", "pruned"}
    assert "Best so far" in _texts(at)
    assert not any(b.key == "search_stop" for b in at.button)  # finished: nothing to stop
    _button(at, "search_train_best").click().run()
    spec, owner = manager.runner.submitted[-1]
    assert owner == "me" and spec.validation_split == 0.0 and spec.dataset == "circle"


def test_a_running_study_has_stop_for_its_owner_only(manager):
    from synaptic_core.specs import RunSpec

    slow = RunSpec().replace(dataset="circle", model="mlp", hidden=(16,), epochs=50, n_points=4000)  # ~40 ms/batch
    study_id = manager.start(slow, "lr", n_trials=20, owner="me")
    try:
        other = _open(manager, owner="someone-else", study=study_id)
        assert not other.exception and not any(b.key == "search_stop" for b in other.button)
        at = _open(manager, study=study_id)
        _button(at, "search_stop").click().run()
        assert not at.exception
        assert manager.wait(study_id, timeout=30)
    finally:
        manager.stop(study_id)


def test_a_bad_study_link_is_shown_as_text(manager):
    at = _open(manager, study="[x](https://evil.example)")
    assert not at.exception
    assert at.error and "[x](https://evil.example)" in shown(at.error[0].value)
    assert "\\[x\\]" in at.error[0].value  # escaped: no link is drawn


def test_a_finished_study_is_listed_and_its_owner_can_run_more_trials(manager):
    from synaptic_core.specs import RunSpec

    study_id = manager.start(RunSpec().replace(dataset="circle", model="mlp", epochs=2), "lr", n_trials=2,
                             owner="me")
    assert manager.wait(study_id, timeout=30)
    at = _open(manager)
    links = [link.proto.label for link in at.get("page_link") if "2 trials" in link.proto.label]
    assert links and "Circle" in links[0]
    at = _open(manager, study=study_id)
    at.number_input(key="search_more_n").set_value(2)
    _button(at, "search_more").click().run()
    assert not at.exception and not at.error
    assert manager.wait(study_id, timeout=30) and manager.status(study_id)["n_trials"] == 4
    assert not any(b.key == "search_more" for b in _open(manager, owner="someone-else", study=study_id).button)


def test_the_setup_starts_from_the_playgrounds_current_spec(manager):
    from synaptic_core.specs import RunSpec

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["synaptic_runner"] = manager.runner
    at.session_state["synaptic_store"] = manager.runner.store
    at.session_state["synaptic_study_manager"] = manager
    at.session_state["synaptic_owner"] = "me"
    at.session_state["pg_spec"] = RunSpec().replace(dataset="xor", model="mlp", epochs=7).as_dict()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    assert at.number_input(key="search_epochs").value == 7 and "Exclusive or" in _texts(at)


def test_a_links_bad_values_are_shown_as_text_and_the_page_stays_usable(manager):
    hostile = "<b>**x**</b>[a](http://e.x)"
    at = _open(manager, dataset=hostile, model=hostile, epochs="3")
    assert not at.exception
    raw = "\n".join(e.value for e in (*at.warning, *at.error))
    assert raw and "<b>" not in raw and "**x**" not in raw and "](" not in raw
    assert hostile in " ".join(shown(e.value) for e in at.warning)
    assert not _button(at, "search_start").disabled


def test_an_interrupted_study_says_so_and_its_owner_resumes_it(manager):
    """A study whose server died (a trial left RUNNING, its session's process gone) is shown as interrupted;
    Resume re-runs the interrupted trial first and what the session still owed."""
    from synaptic_core.search import session as sessions
    from synaptic_core.search.results import trials_table
    from synaptic_core.search.storage import load_study
    from synaptic_core.specs import RunSpec

    study_id = manager.create(RunSpec().replace(dataset="circle", model="mlp", epochs=2), "lr", n_trials=2,
                              owner="me", sampler="random", pruner="none")
    study = load_study(study_id, manager.store_path, for_driving=True)
    record = sessions.begin(study, 2, None)
    orphan = study.ask(manager.config(study_id).search_space().distributions())
    orphan.set_user_attr("run_id", "gone")
    study.set_user_attr(sessions.ATTR, sessions.Session(**{**record.__dict__, "pid": 2**22 + 7}).to_json())
    assert not any(b.key == "search_resume" for b in _open(manager, owner="someone-else", study=study_id).button)
    at = _open(manager, study=study_id)
    assert not at.exception
    assert "interrupted" in " ".join(shown(w.value) for w in at.warning)
    _button(at, "search_resume").click().run()
    assert not at.exception and not at.error
    assert manager.wait(study_id, timeout=30)
    rows = trials_table(manager.study(study_id))
    assert [r["state"] for r in rows] == ["interrupted", "complete", "complete"]
    assert rows[1]["params"] == rows[0]["params"]
    assert manager.status(study_id)["state"] == "finished"


def test_cross_validation_is_offered_for_tabular_sets_only_and_starts_a_k_fold_study(manager):
    from synaptic_core.store.studies import study_runs

    assert not any(t.key == "search_cv" for t in _open(manager, **CIRCLE).toggle)  # not for a toy set
    at = _open(manager, dataset="sonar", model="mlp", epochs="2")
    assert not at.exception
    at.toggle(key="search_cv").set_value(True).run()
    at.number_input(key="search_folds").set_value(3)
    at.selectbox(key="search_sampler").set_value("random")
    at.number_input(key="search_trials").set_value(2)
    _button(at, "search_start").click().run()
    assert not at.exception, at.exception
    study_id = at.query_params["study"]
    study_id = study_id[0] if isinstance(study_id, list) else study_id
    assert manager.config(study_id).folds == 3
    assert manager.wait(study_id, timeout=60)
    assert [r["fold"] for r in study_runs(manager.runner.store, study_id)] == [0, 1, 2] * 2
    at.run()
    assert not at.exception and "3-fold cross-validation" in _texts(at)
    assert manager.status(study_id)["n_complete"] == 2


def test_a_study_run_by_another_process_is_watched_without_controls(manager):
    import subprocess

    from synaptic_core.search import session as sessions
    from synaptic_core.search.storage import load_study
    from synaptic_core.specs import RunSpec

    study_id = manager.create(RunSpec().replace(dataset="circle", model="mlp", epochs=2), "lr", n_trials=2,
                              owner="me")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # the CLI driving it
    try:
        study = load_study(study_id, manager.store_path)
        record = sessions.begin(study, 2, None)
        study.set_user_attr(sessions.ATTR, sessions.Session(**{**record.__dict__, "pid": other.pid}).to_json())
        at = _open(manager, study=study_id)
        assert not at.exception
        assert "being run by another process" in _texts(at)
        keys = {b.key for b in at.button}
        assert not keys & {"search_stop", "search_more", "search_resume"}
    finally:
        other.kill()
        other.wait()
