"""The Runs page (app_pages/runs.py): this person's runs, filters, CSV, rename/tag/delete with the owner
checked in the handler, a shared run link, train again with another seed, and Compare."""

from __future__ import annotations

import csv
import io
import json

import pytest

from shown import texts
from synaptic_core.presets import layered_spec
from synaptic_core.store import labels

PAGE = "app_pages/runs.py"


def _hist(*accs):
    return [{"epoch": i, "epochs": len(accs), "loss": 1 - a, "accuracy": a, "val_loss": 1.05 - a,
             "val_accuracy": a - 0.05} for i, a in enumerate(accs)]


def _result(test, hist, model_path=None):
    return {"test": {"accuracy": test, "loss": 1 - test}, "history": hist, "params": 1000, "epochs_run": len(hist),
            "train_seconds": 2.0, "model_path": model_path}


@pytest.fixture
def runs(runner, tmp_path):
    """Three runs of mine on xor (lr 0.05 twice with two seeds, lr 0.2 once) and one of someone else."""
    base = layered_spec({"dataset": "xor", "model": "mlp"})
    specs = {"a": base.replace(lr=0.05, seed=0), "b": base.replace(lr=0.05, seed=1), "c": base.replace(lr=0.2)}
    for (run_id, spec), acc in zip(specs.items(), (0.8, 0.84, 0.9)):
        runner.add_run(run_id, "done", [], result=_result(acc, _hist(acc - 0.2, acc)), spec=spec)
        folder = runner.store.artifacts_dir(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "model.keras").write_bytes(b"w")
    runner.add_run("theirs", "done", [], result=_result(0.7, _hist(0.6, 0.7)), spec=base, owner="someone-else")
    return specs


def _charts(at) -> dict[str, dict]:
    return {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def _chart(at, key: str) -> dict:
    return next(spec for cid, spec in _charts(at).items() if key in cid)


def _buttons(at) -> dict[str, object]:
    return {b.key: b for b in at.button}


def test_no_runs_yet(open_app):
    at = open_app(PAGE)
    assert not at.exception
    assert "no runs yet" in texts(at.info)


def test_lists_only_my_runs_with_csv(open_app, runs):
    at = open_app(PAGE)
    assert not at.exception, [e.value for e in at.exception]
    frame = at.dataframe[0].value
    assert sorted(frame["Run"]) == ["a", "b", "c"]
    assert set(frame["Model"]) == {"Dense network"} and "Learning rate 0.2" in set(frame["Settings that differ"])
    assert sorted(frame["Test"]) == [0.8, 0.84, 0.9]
    assert any("3 of your 3 runs" in c.value for c in at.caption)
    download = [d for d in at.get("download_button") if d.proto.label.startswith("Download the table")]
    assert download


def test_csv_has_the_filtered_rows(runs, runner):
    from synaptic_core.runs import table

    rows = table.list_rows(runner.store, owner="me")
    parsed = list(csv.DictReader(io.StringIO(table.csv_text(rows))))
    assert {r["run_id"] for r in parsed} == {"a", "b", "c"} and {r["dataset"] for r in parsed} == {"xor"}


def test_search_and_sort(open_app, runs, runner):
    labels.set_name(runner.store, "c", "big step")
    at = open_app(PAGE)
    at.text_input(key="runs_search").input("big").run()
    assert list(at.dataframe[0].value["Run"]) == ["c"]
    at.text_input(key="runs_search").input("").run()
    at.selectbox(key="runs_sort").select("test").run()
    assert list(at.dataframe[0].value["Run"]) == ["c", "b", "a"]


def test_rename_tag_and_delete_one_run(open_app, runs, runner):
    at = open_app(PAGE)
    at.multiselect(key="runs_selected").select("b").run()
    assert not at.exception
    at.text_input(key="runs_one_name_b").input("seed one").run()
    at.button(key="runs_one_rename").click().run()
    at.text_input(key="runs_one_tags_b").input("sweep, Keep").run()
    at.button(key="runs_one_tag").click().run()
    assert labels.labels_of(runner.store, ["b"])["b"] == labels.Labels("seed one", ("keep", "sweep"))
    assert "seed one" in list(at.dataframe[0].value["Name"])

    at.button(key="runs_one_delete").click().run()
    assert "cannot be undone" in texts(at.warning)
    assert runner.store.get_run("b") is not None  # nothing yet: a confirmation first
    at.button(key="runs_one_delete_yes").click().run()
    assert not at.exception
    assert runner.store.get_run("b") is None and not runner.store.artifacts_dir("b").exists()
    assert "was deleted" in texts(at.success)
    assert sorted(at.dataframe[0].value["Run"]) == ["a", "c"]


def test_a_bad_name_is_refused_in_words(open_app, runs, runner):
    at = open_app(PAGE)
    at.multiselect(key="runs_selected").select("a").run()
    at.text_input(key="runs_one_name_a").input("sneaky \u202eevil").run()
    at.button(key="runs_one_rename").click().run()
    assert "control" in texts(at.error)
    assert labels.labels_of(runner.store, ["a"]) == {}


def test_delete_is_checked_again_in_the_handler(open_app, runs, runner):
    """A page drawn for the owner, clicked by someone else (a stale tab, a forged rerun): refused."""
    at = open_app(PAGE)
    at.multiselect(key="runs_selected").select("a").run()
    at.button(key="runs_one_delete").click().run()
    at.session_state["synaptic_owner"] = "intruder"
    at.button(key="runs_one_delete_yes").click().run()
    assert runner.store.get_run("a") is not None
    assert "Only the person who started" in texts(at.error)


def test_train_again_with_another_seed(open_app, runs, runner):
    at = open_app(PAGE)
    at.multiselect(key="runs_selected").select("a").run()
    at.button(key="runs_one_again").click().run()
    assert not at.exception
    (spec, owner), = runner.submitted
    assert owner == "me" and spec.seed == 2 and spec.replace(seed=0) == runs["a"]  # seeds 0 and 1 are taken
    assert "Queued run" in texts(at.success)
    links = [link for link in at.get("page_link") if link.proto.label == "Watch it train"]
    assert links and links[0].proto.page == "playground" and "run=fake1" in links[0].proto.query_string


def test_open_in_playground_link_carries_the_spec_and_run(open_app, runs):
    at = open_app(PAGE)
    at.multiselect(key="runs_selected").select("c").run()
    link = next(link for link in at.get("page_link") if link.proto.label == "Open in Playground")
    assert "run=c" in link.proto.query_string and "lr=0.2" in link.proto.query_string


def test_a_shared_link_shows_someone_elses_run_without_controls(open_app, runs, runner):
    labels.set_display_name(runner.store, "someone-else", "Ada")
    at = open_app(PAGE, run="theirs")
    assert not at.exception
    caption = " ".join(c.value for c in at.caption)
    assert "Shared run by Ada" in caption
    keys = set(_buttons(at))
    assert "shared_again" in keys and not {"shared_delete", "shared_rename", "shared_tag"} & keys
    assert "shared_curves_chart" in " ".join(_charts(at))
    at.button(key="shared_again").click().run()
    (spec, owner), = runner.submitted
    assert owner == "me"  # the copy is the viewer's own run


def test_my_own_shared_link_has_the_controls(open_app, runs):
    at = open_app(PAGE, run="a")
    assert {"shared_delete", "shared_rename", "shared_tag"} <= set(_buttons(at))


def test_unknown_shared_run_is_said_in_words(open_app, runs):
    at = open_app(PAGE, run="nosuch[run](x)")
    assert not at.exception
    assert "There is no run nosuch[run](x)" in texts(at.error)


def test_compare_two_runs(open_app, runs):
    at = open_app(PAGE)
    at.multiselect(key="runs_selected").select("a").select("c").run()
    assert not at.exception, [e.value for e in at.exception]
    curves = _chart(at, "compare_curves_chart")
    groups = {t["legendgroup"] for t in curves["data"]}
    assert groups == {"a", "c"}
    colors = {t["legendgroup"]: t["line"]["color"] for t in curves["data"]}
    assert colors["a"] != colors["c"]
    diff = next(df.value for df in at.dataframe if "Learning rate" in list(df.value.index))
    assert list(diff.loc["Learning rate"]) == ["0.05", "0.2"] and "Seed" not in diff.index  # a and c share seed 0
    assert "compare_parcoords_chart" in " ".join(_charts(at))


def test_group_three_runs_by_learning_rate(open_app, runs):
    at = open_app(PAGE)
    at.multiselect(key="runs_selected").set_value(["a", "b", "c"]).run()
    assert at.selectbox(key="compare_group").options == ["Learning rate", "Seed"]  # both repeat; lr first
    assert at.selectbox(key="compare_group").value == "lr"
    fig = _chart(at, "compare_groups_chart")
    assert fig["data"][0]["x"] == ["0.05", "0.2"]
    assert abs(fig["data"][0]["y"][0] - 0.82) < 1e-9 and fig["data"][0]["error_y"]["array"][0] > 0


def test_one_run_selected_does_not_compare(open_app, runs):
    at = open_app(PAGE)
    at.multiselect(key="runs_selected").select("a").run()
    assert "compare_curves_chart" not in " ".join(_charts(at))


def test_display_name_is_kept(open_app, runs, runner):
    at = open_app(PAGE)
    at.text_input(key="runs_display_name").input("Grace").run()
    at.button(key="runs_display_save").click().run()
    assert labels.display_name(runner.store, "me") == "Grace"
