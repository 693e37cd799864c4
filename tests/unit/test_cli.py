"""The CLI: dataset listing, the train --json contract through the real job path, presets, bad flags."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from synaptic_core.cli import CONTRACT_KEYS, build_parser, spec_from_args
from synaptic_core.presets import layered_spec

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args, timeout=240):
    return subprocess.run([sys.executable, "-m", "synaptic_core", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_datasets_lists_every_required_name_with_its_source():
    out = run_cli("datasets", "--json")
    assert out.returncode == 0, out.stderr
    rows = {r["name"]: r for r in json.loads(out.stdout)}
    for name in ("mnist", "fashion-mnist", "cifar10", "circle", "xor", "gauss", "spiral", "sonar", "churn"):
        assert name in rows
    assert rows["mnist"]["source"] == "bundled" and rows["circle"]["source"] == "generated"


def test_train_json_line_keeps_the_contract_keys():
    out = run_cli("train", "--dataset", "xor", "--model", "mlp", "--hidden", "8", "--epochs", "2", "--json",
                  "--quiet")
    assert out.returncode == 0, out.stderr
    lines = [l for l in out.stdout.splitlines() if l.strip()]
    assert len(lines) == 1
    result = json.loads(lines[0])
    for key in CONTRACT_KEYS:
        assert key in result, key
    assert result["epochs_run"] == 2 and len(result["history"]) == 2
    assert set(result["test"]) >= {"loss", "accuracy"}
    assert result["samples_per_second"] > 0 and result["params"] == 2 * 8 + 8 + 8 * 2 + 2


def test_invalid_flag_value_exits_2_with_the_allowed_range():
    out = run_cli("train", "--dataset", "xor", "--lr", "50")
    assert out.returncode == 2
    assert "allowed 1e-06 to 10" in out.stderr


def test_diverging_run_reports_the_nan_error_as_json():
    out = run_cli("train", "--dataset", "gauss", "--model", "mlp", "--hidden", "64,64,64", "--activation", "linear",
                  "--optimizer", "sgd", "--lr", "10", "--noise", "0.5", "--epochs", "3", "--json", "--quiet")
    assert out.returncode == 1
    err = json.loads(out.stdout.strip().splitlines()[-1])["error"]
    assert err["kind"] == "nan" and re.search(r"NaN at epoch \d+, batch \d+", err["message"])


def test_flags_override_dataset_defaults_which_override_the_model_preset():
    args = build_parser().parse_args(["train", "--dataset", "airline-passengers", "--model", "lstm", "--epochs", "7"])
    spec = spec_from_args(args)
    assert spec.units == 4 and spec.look_back == 1  # dataset defaults beat the LSTM preset's 64 units
    assert spec.train_ratio == 0.67 and spec.validation_split == 0.0
    assert spec.epochs == 7
    assert layered_spec({"dataset": "airline-passengers", "model": "lstm", "units": 32}).units == 32
    assert layered_spec({"model": "cnn"}).dropout == 0.25  # the CNN preset
    assert layered_spec({"model": "cnn"}, use_presets=False).dropout == 0.0


@pytest.mark.parametrize("flag", ["--batch-size", "--look-back", "--units", "--validation-split"])
def test_every_spec_parameter_is_a_flag(flag):
    assert flag in build_parser()._subparsers._group_actions[0].choices["train"].format_help()


def test_progress_and_summary_print_only_the_metrics_a_run_has(capsys):
    """A regression run (airline passengers) has no accuracy: printing it crashed with a TypeError."""
    from synaptic_core.cli import _progress_printer, summary_line

    show = _progress_printer(quiet=False)
    show({"type": "epoch", "epoch": 0, "epochs": 3, "loss": 0.1557, "accuracy": None, "val_loss": None,
          "val_accuracy": None, "lr": 0.001, "t": 1.1})
    show({"type": "epoch", "epoch": 1, "epochs": 3, "loss": 0.5, "accuracy": 0.75, "val_loss": 0.6,
          "val_accuracy": 0.7, "lr": 0.001, "t": 2.0})
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["epoch 1/3  loss 0.1557  (1.1 s)",
                     "epoch 2/3  loss 0.5000  acc 0.7500  val_loss 0.6000  val_acc 0.7000  (2.0 s)"]
    _progress_printer(quiet=True)({"type": "epoch", "epoch": 0, "epochs": 1, "loss": 1.0})
    assert capsys.readouterr().err == ""

    series = {"test": {"rmse": 52.1, "loss": 0.02}, "epochs_run": 3, "train_seconds": 2.5,
              "samples_per_second": 120.0, "model_path": "/tmp/m.keras"}
    assert summary_line("r1", series) == ("run r1: test loss 0.0200, rmse 52.1000, 3 epochs in 2.5 s "
                                          "(120 samples/s); model: /tmp/m.keras")
    image = {"test": {"accuracy": 0.9, "loss": 0.3}, "epochs_run": 1, "train_seconds": 1.0,
             "samples_per_second": 10.0, "model_path": "m.keras"}
    assert summary_line("r2", image).startswith("run r2: test accuracy 0.9000, loss 0.3000, 1 epochs")


def test_regression_run_prints_progress_without_accuracy():
    out = run_cli("train", "--dataset", "airline-passengers", "--model", "lstm", "--units", "4", "--look-back", "1",
                  "--epochs", "2", "--batch-size", "8", "--json")
    assert out.returncode == 0, out.stderr
    assert re.search(r"^epoch 2/2  loss \d+\.\d{4}  \(\d+\.\d s\)$", out.stderr, re.M), out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "rmse" in result["test"] and "accuracy" not in result["test"]
