"""Teacher mode's core (synaptic_core/classroom): the class record, joining, the server-side rules that
hold locked and hidden settings and limits whatever the URL says, and the public/private leaderboard."""

from __future__ import annotations

import numpy as np
import pytest

from synaptic_core.classroom import (ClassError, add_run, class_owners, class_runs, classes_of, create_class,
                                     enforce, get_class, hidden_split, is_teacher, join, leaderboard, member_name,
                                     members, needs_score, runs_used, set_private_score, spec_from_query, url_query)
from synaptic_core.classroom.classes import check_password, hash_password
from synaptic_core.classroom.leaderboard import HIDDEN_POINTS, accuracy, labels_for
from synaptic_core.data.toy import make_toy
from synaptic_core.presets import layered_spec
from synaptic_core.store import RunStore

TEACHER = "o-" + "a" * 32
ANN, BOB = "o-" + "b" * 32, "o-" + "c" * 32
BASE = layered_spec({"dataset": "circle", "model": "mlp"}).replace(lr=0.03, epochs=8, hidden=(8, 8))


@pytest.fixture
def store(tmp_path):
    s = RunStore(tmp_path / "runs.db")
    yield s
    s.close()


@pytest.fixture
def klass(store):
    return create_class(store, TEACHER, "  Period  3 ", BASE, {"lr": "locked", "seed": "hidden", "epochs": "free"},
                        {"max_epochs": 10, "max_params": 5000, "runs_per_student": 2})


def test_a_class_is_kept_with_its_settings_and_teacher(store, klass):
    again = get_class(store, klass.id)
    assert again == klass and again.name == "Period 3" and again.spec == BASE
    assert klass.locked == {"lr", "dataset"} and klass.hidden == {"seed"}  # the dataset is always held
    assert is_teacher(klass, TEACHER) and not is_teacher(klass, ANN)
    assert classes_of(store, TEACHER) == [klass] and classes_of(store, ANN) == []
    assert len(klass.id) == 16 and klass.link() == f"/playground?class={klass.id}"
    assert get_class(store, "x" * 16) is None and get_class(store, "../etc") is None and get_class(store, None) is None


@pytest.mark.parametrize("kwargs, words", [
    ({"name": ""}, "name"), ({"name": "a\u202eb"}, "control"), ({"modes": {"lr": "secret"}}, "mode"),
    ({"modes": {"nope": "locked"}}, "not a parameter"), ({"limits": {"max_epochs": -1}}, "max epochs"),
    ({"limits": {"runs_per_student": 1.5}}, "runs per student"), ({"page": "draw"}, "page")])
def test_a_class_refuses_unusable_settings(store, kwargs, words):
    args = {"name": "C", "spec": BASE, "modes": None, "limits": None, "page": "playground", **kwargs}
    with pytest.raises(ClassError, match=f"(?i){words}"):
        create_class(store, TEACHER, args["name"], args["spec"], args["modes"], args["limits"], page=args["page"])


def test_passwords_are_salted_hashes_checked_in_constant_time():
    one, two = hash_password("open sesame"), hash_password("open sesame")
    assert one != two and "open sesame" not in one and one.startswith("scrypt$")
    assert check_password(one, "open sesame") and not check_password(one, "open sesamE")
    assert not check_password(one, None) and not check_password(one, "") and not check_password(one, "x" * 500)
    assert not check_password("junk", "open sesame") and check_password(None, "anything")


def test_joining_needs_the_password_once_and_a_free_display_name(store):
    klass = create_class(store, TEACHER, "C", BASE, password="pw-123")
    row = store._conn().execute("SELECT password FROM classes WHERE id = ?", (klass.id,)).fetchone()[0]
    assert "pw-123" not in row
    with pytest.raises(ClassError, match="not the class password"):
        join(store, klass, ANN, "Ann", "wrong")
    assert member_name(store, klass, ANN) is None
    assert join(store, klass, ANN, "  Ann  ", "pw-123") == "Ann"
    assert join(store, klass, ANN, "Ann B.", None) == "Ann B."  # a member renames without the password again
    with pytest.raises(ClassError, match="already uses the name"):
        join(store, klass, BOB, "ann b.", "pw-123")
    with pytest.raises(ClassError, match="control"):
        join(store, klass, BOB, "Bob\x00", "pw-123")
    with pytest.raises(ClassError, match="at most 40"):
        join(store, klass, BOB, "B" * 41, "pw-123")
    with pytest.raises(ClassError, match="Type the name"):
        join(store, klass, BOB, "   ", "pw-123")
    assert join(store, klass, BOB, "[click](http://evil.example) **Bob**", "pw-123")  # kept; pages show it as text
    assert list(members(store, klass)) == [ANN, BOB]


def test_locked_and_hidden_values_are_put_back_and_limits_applied(klass):
    asked = BASE.replace(lr=0.5, seed=7, epochs=50, dataset="xor", hidden=(4,))
    done = enforce(klass, asked)
    assert done.spec == BASE.replace(epochs=10, hidden=(4,))  # hidden layers are free here
    assert done.ok
    text = " ".join(done.notes)
    assert "Learning rate is set by the teacher to 0.03; 0.5 was not used." in text
    assert "Seed is set by the teacher" in text and "7" not in text.split("Seed")[1].split(".")[0]  # hidden: not shown
    assert "at most 10; 50 was lowered to 10" in text
    assert enforce(klass, BASE).notes == [] and enforce(klass, BASE).spec == BASE


def test_class_limits_block_training_with_a_message(klass):
    big = enforce(klass, BASE.replace(hidden=(512, 512)))
    assert not big.ok and "parameters; this class allows at most 5,000" in big.problems[0]
    used = enforce(klass, BASE, runs_used=2)
    assert not used.ok and "used all 2 runs" in used.problems[0]
    assert enforce(klass, BASE, runs_used=1).ok


def test_a_class_link_cannot_change_a_locked_value(klass):
    query = url_query(klass, BASE.replace(epochs=3, hidden=(16,)), run_id="r1")
    assert query == {"class": klass.id, "epochs": "3", "hidden": "16", "run": "r1"}  # nothing locked or hidden
    spec, notes = spec_from_query(klass, query)
    assert spec == BASE.replace(epochs=3, hidden=(16,)) and notes == []
    tampered = {**query, "lr": "0.9", "seed": "42", "dataset": "spiral", "epochs": "500"}
    spec, notes = spec_from_query(klass, tampered)
    assert spec.lr == 0.03 and spec.seed == BASE.seed and spec.dataset == "circle" and spec.epochs == 10
    assert any("Learning rate is set by the teacher" in n for n in notes)
    assert any("Dataset is set by the teacher" in n for n in notes)
    for hostile in ({"lr": "nan"}, {"epochs": "inf"}, {"seed": "1e400"}, {"hidden": "[x](http://a.b)"},
                    {"lr": "<img src=x>"}, {"epochs": "9" * 5000}):
        spec, notes = spec_from_query(klass, {"class": klass.id, **hostile})  # never raises
        assert spec.lr == 0.03 and spec.epochs <= 10 and not spec.errors()


def test_runs_of_a_class_and_their_private_scores(store, klass):
    join(store, klass, ANN, "Ann")
    run_id = store.create_run(BASE, owner=ANN)
    add_run(store, klass, run_id, ANN)
    add_run(store, klass, run_id, ANN)  # recorded once
    assert runs_used(store, klass, ANN) == 1 and runs_used(store, klass, BOB) == 0
    assert class_owners(store, klass) == {ANN}
    store.set_result(run_id, {"test": {"accuracy": 0.9}, "model_path": "/x/model.keras"}, status="done")
    (run,) = class_runs(store, klass)
    assert run["id"] == run_id and needs_score(run)
    set_private_score(store, run_id, 0.8)
    (run,) = class_runs(store, klass)
    assert run["private_score"] == 0.8 and not needs_score(run)


def _run(run_id, owner, public, private=None, created=0.0, status="done"):
    return {"id": run_id, "owner": owner, "status": status, "created": created, "private_score": private,
            "result": {"test": {"accuracy": public}}}


def test_the_leaderboard_ranks_each_students_best_public_run_and_shows_its_private_score():
    names = {ANN: "Ann", BOB: "Bob", "o-x": "Xi"}
    runs = [_run("a1", ANN, 0.95, 0.80, 1), _run("a2", ANN, 0.90, 0.88, 2), _run("b1", BOB, 0.92, 0.91, 3),
            _run("x1", "o-x", 0.92, None, 4), _run("x2", "o-x", 0.99, 0.5, 5, status="running")]
    board = leaderboard(runs, names)
    assert [(e.name, e.run_id, e.public_rank, e.private_rank) for e in board] == [
        ("Ann", "a1", 1, 2), ("Bob", "b1", 2, 1), ("Xi", "x1", 2, None)]  # ties share a rank; unscored: none
    assert board[0].runs == 2 and board[0].public == 0.95 and board[0].private == 0.80
    assert leaderboard([], names) == []


def test_the_hidden_split_is_fixed_per_class_and_unseen(klass):
    x, y = hidden_split(klass)
    again_x, again_y = hidden_split(klass)
    assert x.shape == (HIDDEN_POINTS, 2) and x.dtype == np.float32 and set(np.unique(y)) == {0, 1}
    np.testing.assert_array_equal(x, again_x)
    np.testing.assert_array_equal(y, again_y)
    other = hidden_split(type(klass)(**{**klass.__dict__, "eval_seed": klass.eval_seed + 1}))
    assert not np.array_equal(x, other[0])
    for seed in range(5):  # no student's training or test point is in it
        x_tr, _, x_te, _ = make_toy("circle", 600, 0.1, 0.5, seed)
        seen = {tuple(p) for p in np.concatenate([x_tr, x_te]).tolist()}
        assert not seen & {tuple(p) for p in x.tolist()}
    mnist = type(klass)(**{**klass.__dict__, "spec": layered_spec({"dataset": "mnist"})})
    assert hidden_split(mnist) is None


def test_scores_follow_the_runs_classes():
    y = np.array([0, 1, 1, 0])
    keep, labels = labels_for(y, (1, 0))
    assert keep.all() and labels.tolist() == [1, 0, 0, 1]
    assert accuracy(np.array([[0.1, 0.9], [0.8, 0.2], [0.7, 0.3], [0.4, 0.6]]), labels) == 1.0
    assert accuracy(np.array([[0.9], [0.1]]), np.array([1, 1])) == 0.5


@pytest.mark.slow
def test_the_scorer_scores_a_finished_run_on_the_hidden_split_in_a_child_process(store, klass):
    """A model that predicts "inside the circle" from the radius scores about 1.0 on the hidden split; the
    score is computed by the child process and written by the parent; a run without a model file says why."""
    import keras

    from synaptic_core.classroom.scoring import Scorer

    x, y = hidden_split(klass)
    # a fixed model that says "inside" (class 1) when r² < 2.5² = 6.25, from the features x1, x2
    inputs = keras.Input((2,))
    squares = keras.layers.Multiply()([inputs, inputs])  # x1², x2² (no Lambda: safe_mode refuses one)
    logit = keras.layers.Dense(2, kernel_initializer=keras.initializers.Constant([[1.0, -1.0], [1.0, -1.0]]),
                               bias_initializer=keras.initializers.Constant([-6.25, 6.25]))(squares)
    model = keras.Model(inputs, keras.layers.Softmax()(logit))
    good, missing = store.create_run(BASE, owner=ANN), store.create_run(BASE, owner=BOB)
    folder = store.artifacts_dir(good)
    folder.mkdir(parents=True)
    expected = accuracy(np.asarray(model(x)), y)
    assert expected > 0.8
    model.save(folder / "model.keras")
    for run_id, path in ((good, folder / "model.keras"), (missing, store.artifacts_dir(missing) / "model.keras")):
        add_run(store, klass, run_id, store.get_run(run_id)["owner"])
        store.set_result(run_id, {"test": {"accuracy": 0.9}, "model_path": str(path)}, status="done")
    Scorer(store).request(klass.id, wait=True)
    scores = {r["id"]: (r["private_score"], r["score_error"]) for r in class_runs(store, klass)}
    assert scores[good][0] is not None and abs(scores[good][0] - expected) < 1e-6, scores
    assert scores[missing][0] is None and "missing" in scores[missing][1]


def test_random_and_hostile_class_links_never_raise_nor_unlock(klass):
    import random

    from synaptic_core.specs import PARAMS

    rng = random.Random(11)
    pieces = ["0", "-1", "1e400", "nan", "inf", "0.5", "x" * 300, "[a](http://b.c)", "<b>", "1,2,3", "", " ", "\x00",
              "spiral", "cnn", "true", "9" * 400, "\u202e", "%00", "relu,tanh"]
    names = [p.name for p in PARAMS] + ["class", "run", "page", "évil"]
    for _ in range(300):
        query = {rng.choice(names): rng.choice(pieces) + rng.choice(pieces) for _ in range(rng.randint(0, 6))}
        spec, notes = spec_from_query(klass, query)
        assert all(isinstance(n, str) for n in notes)
        assert (spec.lr, spec.seed, spec.dataset) == (BASE.lr, BASE.seed, BASE.dataset) and spec.epochs <= 10
        assert not spec.errors()


def test_the_classroom_uses_only_public_helpers_of_other_packages():
    """A class name is checked by the store's public text check (one copy, ``labels.clean_text``); no module
    of the classroom imports a private (underscore) name from outside its own package."""
    import ast
    from pathlib import Path

    from synaptic_core.classroom import classes
    from synaptic_core.store import labels

    assert not hasattr(labels, "_plain") and labels.clean_text("  Period   3 ", "class name", 80) == "Period 3"
    with pytest.raises(ClassError, match="class name has at most 80"):
        classes.clean_class_name("x" * 81)
    for path in Path(classes.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module.startswith("synaptic_core."):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.name} imports {private} from {node.module}"
