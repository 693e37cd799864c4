"""Test-session environment shared by every test folder (unit, app, e2e).

Why here: these variables are read when the engine starts (store location, data sources,
TensorFlow's log level), so they are set in ``pytest_configure``, before any test module
is imported.

* ``SYNAPTIC_HOME`` -> a fresh temporary folder per session: tests never touch the
  developer's run history in ``~/.synaptichub``.
* ``SYNAPTIC_DATA_DIR`` removed: tests run on the bundled samples in ``assets/data``
  unless a test sets it (monkeypatch.setenv) on purpose.
* ``KERAS_HOME`` -> inside the temporary folder, so a Keras dataset cache on the
  developer's machine cannot stand in for the bundled sample.
* ``TF_CPP_MIN_LOG_LEVEL=2``: keep TensorFlow's C++ info lines out of test output.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_SESSION_TMP = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="synaptic-tests-"))
    config.stash[_SESSION_TMP] = tmp
    (tmp / "home").mkdir()
    os.environ["SYNAPTIC_HOME"] = str(tmp / "home")
    os.environ["KERAS_HOME"] = str(tmp / "keras")
    os.environ.pop("SYNAPTIC_DATA_DIR", None)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_unconfigure(config: pytest.Config) -> None:
    tmp = config.stash.get(_SESSION_TMP, None)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
