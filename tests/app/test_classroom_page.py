"""Teacher mode in AppTest: the Classroom page creates a class and shows its board to its teacher only;
the class link's Playground asks for a name (and password), draws locked settings disabled and hidden
ones not at all, queues runs with the teacher's values whatever the URL says, and counts them."""

from __future__ import annotations

import pytest

from shown import shown, texts
from synaptic_core.classroom import add_run, classes_of, create_class, get_class, join, set_private_score
from synaptic_core.presets import layered_spec

PAGE = "app_pages/classroom.py"
PLAYGROUND = "app_pages/playground.py"
BASE = layered_spec({"dataset": "circle", "model": "mlp"}).replace(lr=0.03, epochs=3, hidden=(8,))


def _submit(at, label: str):
    next(b for b in at.button if b.label == label).click()
    return at.run()


@pytest.fixture
def klass(runner):
    return create_class(runner.store, "teacher", "Period 3", BASE, {"lr": "locked", "seed": "hidden"},
                        {"max_epochs": 5, "max_params": 5000, "runs_per_student": 2}, password="pw")


def test_a_teacher_creates_a_class_and_gets_its_link_and_board(open_app, runner):
    at = open_app(PAGE, owner="teacher")
    assert not at.exception
    at.text_input(key="class_new_link").set_value("/playground?dataset=circle&model=mlp&epochs=3&hidden=8").run()
    at.text_input(key="class_new_name").set_value("Period 3")
    at.multiselect(key="class_new_locked").set_value(["dataset", "model", "lr"])
    at.multiselect(key="class_new_hidden").set_value(["seed"])
    at.text_input(key="class_new_password").set_value("pw")
    at = _submit(at, "Create class")
    assert not at.exception and not at.error
    (klass,) = classes_of(runner.store, "teacher")
    assert klass.name == "Period 3" and klass.spec.epochs == 3 and klass.spec.hidden == (8,)
    assert klass.locked == {"dataset", "model", "lr"} and klass.hidden == {"seed"} and klass.has_password
    assert at.query_params["class"] in (klass.id, [klass.id])
    assert f"/playground?class={klass.id}" in at.code[0].value
    assert {m.label for m in at.metric} >= {"Students joined", "Training now"}


def test_an_empty_class_name_is_refused_with_a_message(open_app, runner):
    at = open_app(PAGE, owner="teacher")
    at = _submit(at, "Create class")
    assert "Give the class a name" in texts(at.error) and classes_of(runner.store, "teacher") == []


def test_the_board_is_the_teachers_only(open_app, klass):
    other = open_app(PAGE, owner="student", **{"class": klass.id})
    assert not other.exception and "Only the teacher" in texts(other.warning)
    assert not other.metric and not other.code


def test_the_board_shows_the_class_runs_leaderboard_and_stops_a_run_as_the_teacher(open_app, runner, klass):
    join(runner.store, klass, "ann", "Ann", "pw")
    join(runner.store, klass, "bob", "Bob", "pw")
    result = lambda acc: {"test": {"accuracy": acc, "loss": 0.2}, "history": [  # noqa: E731
        {"epoch": 0, "loss": 0.5, "accuracy": acc - 0.1, "val_loss": 0.6, "val_accuracy": acc - 0.1},
        {"epoch": 1, "loss": 0.3, "accuracy": acc, "val_loss": 0.4, "val_accuracy": acc}]}
    runner.add_run("ra", "done", [], result=result(0.95), spec=BASE, owner="ann")
    runner.add_run("rb", "done", [], result=result(0.90), spec=BASE, owner="bob")
    runner.add_run("rq", "running", [], spec=BASE, owner="bob")
    for run_id, owner in (("ra", "ann"), ("rb", "bob"), ("rq", "bob")):
        add_run(runner.store, klass, run_id, owner)
    set_private_score(runner.store, "ra", 0.70)
    set_private_score(runner.store, "rb", 0.93)
    at = open_app(PAGE, owner="teacher", **{"class": klass.id})
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Students joined"] == "2" and metrics["Training now"] == "1"
    board = at.table[0].value  # the leaderboard
    assert list(board["Student"]) == ["Ann", "Bob"] and list(board["Public rank"]) == [1, 2]
    assert list(board["Private rank"]) == ["2", "1"] and list(board["Private score"]) == ["70.0%", "93.0%"]
    chart = next(c for c in at.get("plotly_chart") if "class_curves" in c.proto.id)
    assert "Ann" in chart.proto.spec and "Bob" in chart.proto.spec
    at.button(key="class_stop_rq").click().run()
    assert not at.exception and runner.cancelled and runner.cancelled[-1][0] == "rq"


def test_a_student_joins_with_name_and_password_then_sees_locked_and_hidden_settings(open_app, runner, klass):
    at = open_app(PLAYGROUND, owner="ann", **{"class": klass.id})
    assert not at.exception and not [b for b in at.button if b.key == "train"]  # the join form, not the page
    at.text_input(key="class_join_name").set_value("Ann")
    at.text_input(key="class_join_password").set_value("wrong")
    at = _submit(at, "Join class")
    assert "not the class password" in texts(at.error)
    at.text_input(key="class_join_password").set_value("pw")
    at = _submit(at, "Join class")
    assert not at.exception and "you are Ann" in texts(at.info)
    assert at.select_slider(key="w_lr").disabled and at.selectbox(key="w_dataset").disabled
    assert not at.selectbox(key="w_optimizer").disabled and not at.number_input(key="w_epochs").disabled
    assert "w_seed" not in {w.key for w in at.number_input}  # hidden
    at.button(key="train").click().run()
    assert not at.exception
    spec, owner = runner.submitted[-1]
    assert owner == "ann" and spec.lr == 0.03 and spec.seed == BASE.seed and spec.epochs == 3
    assert at.query_params["class"] in (klass.id, [klass.id])
    assert "lr" not in at.query_params and "seed" not in at.query_params


def test_editing_the_url_cannot_change_a_locked_value(open_app, runner, klass):
    join(runner.store, klass, "ann", "Ann", "pw")
    at = open_app(PLAYGROUND, owner="ann", **{"class": klass.id, "lr": "0.9", "seed": "42", "epochs": "50",
                                             "dataset": "spiral"})
    assert not at.exception
    shown = texts(at.info) + texts(at.error)
    assert "Learning rate is set by the teacher" in shown and "at most 5" in shown
    assert at.select_slider(key="w_lr").value == 0.03
    at.button(key="train").click().run()
    spec, _ = runner.submitted[-1]
    assert (spec.lr, spec.seed, spec.dataset, spec.epochs) == (0.03, BASE.seed, "circle", 5)
    assert get_class(runner.store, klass.id) is not None


def test_class_limits_keep_train_off_with_a_message(open_app, runner, klass):
    join(runner.store, klass, "ann", "Ann", "pw")
    for run_id in ("r1", "r2"):
        runner.add_run(run_id, "done", [], spec=BASE, owner="ann")
        add_run(runner.store, klass, run_id, "ann")
    at = open_app(PLAYGROUND, owner="ann", **{"class": klass.id})
    assert "used all 2 runs" in texts(at.error) and at.button(key="train").disabled
    big = open_app(PLAYGROUND, owner="bob", **{"class": klass.id})
    big.text_input(key="class_join_name").set_value("Bob")
    big.text_input(key="class_join_password").set_value("pw")
    big = _submit(big, "Join class")
    big.text_input(key="w_hidden").set_value("256, 256").run()
    assert "this class allows at most 5,000" in texts(big.error) and big.button(key="train").disabled


def test_an_unknown_class_link_opens_the_plain_playground(open_app):
    at = open_app(PLAYGROUND, **{"class": "x" * 16})
    assert not at.exception and "not known on this server" in texts(at.error)
    assert at.button(key="train")


def test_a_students_name_is_shown_as_text_on_the_board(open_app, runner, klass):
    name = "[x](http://evil.example) **B**"
    join(runner.store, klass, "mal", name, "pw")
    runner.add_run("rm", "done", [], result={"test": {"accuracy": 0.5}}, spec=BASE, owner="mal")
    add_run(runner.store, klass, "rm", "mal")
    at = open_app(PAGE, owner="teacher", **{"class": klass.id})
    (cell,) = list(at.table[0].value["Student"])
    assert shown(cell) == name and "](" not in cell.replace("\\]\\(", "")


def test_the_teacher_previews_the_class_page_without_joining(open_app, klass):
    at = open_app(PLAYGROUND, owner="teacher", **{"class": klass.id})
    assert not at.exception and "you are its teacher" in texts(at.info)
    assert at.button(key="train") and at.select_slider(key="w_lr").disabled


def test_wrong_passwords_make_this_browser_wait_and_say_how_long(open_app, klass, monkeypatch):
    """After five wrong passwords the join form says, as text, how many seconds to wait; the count is this
    session's (the page passes its client key to the core's limiter): another browser still joins."""
    from synaptic_core.classroom import ATTEMPTS
    from ui import classroom_mode

    at = open_app(PLAYGROUND, owner="ann", **{"class": klass.id})
    at.text_input(key="class_join_name").set_value("Ann")
    for i in range(5):
        at.text_input(key="class_join_password").set_value(f"guess {i}")
        at = _submit(at, "Join class")
        assert "not the class password" in texts(at.error)
    assert "wait 5 seconds" in texts(at.error)
    at.text_input(key="class_join_password").set_value("pw")
    at = _submit(at, "Join class")
    assert not at.exception and "Too many wrong passwords for this device: wait" in texts(at.error)
    assert not [b for b in at.button if b.key == "train"]  # still the join form
    assert (klass.id, "session:test session id") in ATTEMPTS._clients  # AppTest's one session (no IP address)
    monkeypatch.setattr(classroom_mode, "client_key", lambda: "session:bob")  # another browser
    bob = open_app(PLAYGROUND, owner="bob", **{"class": klass.id})
    bob.text_input(key="class_join_name").set_value("Bob")
    bob.text_input(key="class_join_password").set_value("pw")
    bob = _submit(bob, "Join class")
    assert not bob.exception and "you are Bob" in texts(bob.info)


WIDGET_KINDS = ("selectbox", "multiselect", "slider", "select_slider", "number_input", "text_input", "toggle",
                "checkbox", "radio")


@pytest.mark.parametrize("start", [{"dataset": "mnist", "model": "cnn", "classes": (0, 1, 2), "subset": 500},
                                   {"dataset": "circle", "model": "mlp", "noise": 0.2, "features": ("x1", "x2")}])
@pytest.mark.parametrize("mode", ["locked", "hidden"])
def test_every_locked_control_is_drawn_disabled_and_every_hidden_one_not_at_all(open_app, runner, start, mode):
    """A class that locks (hides) every parameter: each control of the Playground is disabled (absent),
    the data ones too (source, classes kept, examples used, noise, ...), and Train queues the teacher's spec."""
    from synaptic_core.specs import PARAMS

    spec = layered_spec({k: v for k, v in start.items() if k in ("dataset", "model")}).replace(
        **{k: v for k, v in start.items() if k not in ("dataset", "model")})
    klass = create_class(runner.store, "teacher", "All fixed", spec, {p.name: mode for p in PARAMS})
    join(runner.store, klass, "ann", "Ann")
    at = open_app(PLAYGROUND, owner="ann", **{"class": klass.id})
    assert not at.exception and not at.error
    controls = {w.key: w.disabled for kind in WIDGET_KINDS for w in at.get(kind) if (w.key or "").startswith("w_")}
    if mode == "locked":
        data = {"w_dataset", "w_classes", "w_subset", "w_source"} if start["dataset"] == "mnist" else \
            {"w_dataset", "w_noise", "w_n_points", "w_train_ratio", "w_features"}
        assert data <= set(controls) and {"w_lr", "w_epochs"} <= set(controls)
        assert [k for k, off in controls.items() if not off] == []
    else:
        assert controls == {}
    assert not at.get("file_uploader"), "a class that fixes the dataset offers no upload"
    at.button(key="train").click().run()
    assert not at.exception
    submitted, _ = runner.submitted[-1]
    assert submitted == spec


def test_a_finished_class_run_is_scored_without_the_board(open_app, runner, klass, monkeypatch):
    """The student's class page (which reruns when their run ends) has the run scored on the hidden split;
    nobody opens the board. The scoring child is replaced by an in-process fake (tests/unit/test_class_scoring)."""
    import time

    from synaptic_core.classroom import class_runs
    from synaptic_core.classroom.scoring import Scorer

    monkeypatch.setattr(Scorer, "_child", lambda self, class_id, run_ids: ([{"run_id": r, "score": 0.75}
                                                                             for r in run_ids], None))
    join(runner.store, klass, "ann", "Ann", "pw")
    runner.add_run("ra", "done", [], result={"test": {"accuracy": 0.9}, "model_path": "/x/model.keras"}, spec=BASE,
                   owner="ann")
    add_run(runner.store, klass, "ra", "ann")
    at = open_app(PLAYGROUND, owner="ann", **{"class": klass.id})
    assert not at.exception
    deadline = time.monotonic() + 60
    while class_runs(runner.store, klass)[0]["private_score"] is None:
        assert time.monotonic() < deadline, "the run was not scored"
        time.sleep(0.02)
    assert class_runs(runner.store, klass)[0]["private_score"] == 0.75
