"""``train --csv PATH --target COLUMN`` and ``--image-zip PATH``: the same checks and store as the page's upload."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from uploadfiles import bomb_zip, regression_csv

ROOT = Path(__file__).resolve().parents[2]


def run_cli(home: Path, *args, timeout=300):
    env = {**os.environ, "SYNAPTIC_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "synaptic_core", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)


@pytest.mark.slow
def test_train_on_a_csv_regression_prints_one_json_line(tmp_path):
    csv = tmp_path / "prices.csv"
    csv.write_bytes(regression_csv(120))
    out = run_cli(tmp_path / "home", "train", "--csv", str(csv), "--target", "price", "--epochs", "3", "--json")
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["dataset"].startswith("upload:") and result["task"] == "tabular-regression"
    assert {"mae", "rmse", "r2"} <= set(result["test"]) and result["epochs_run"] == 3
    assert f"--dataset {result['dataset']}" in out.stderr  # how to reuse it
    key = result["dataset"].split(":")[1]
    assert (tmp_path / "home" / "uploads" / key / "table.csv").is_file()


def test_bad_files_exit_2_with_the_message(tmp_path):
    csv = tmp_path / "one.csv"
    csv.write_text("a,b\n1,2\n")
    out = run_cli(tmp_path / "home", "train", "--csv", str(csv), "--json")
    assert out.returncode == 2
    error = json.loads(out.stdout)["error"]
    assert error["kind"] == "data" and "1 data row" in error["message"]
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(bomb_zip())
    out = run_cli(tmp_path / "home", "train", "--image-zip", str(bomb))
    assert out.returncode == 2 and "zip bomb" in out.stderr
    out = run_cli(tmp_path / "home", "train", "--csv", str(tmp_path / "missing.csv"))
    assert out.returncode == 2 and "Could not read" in out.stderr
    out = run_cli(tmp_path / "home", "train", "--csv", str(csv), "--dataset", "mnist")
    assert out.returncode == 2 and "give one of them" in out.stderr
