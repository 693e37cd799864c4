"""The classroom load test is opt-in: it takes minutes and wants a quiet machine.

It is collected only when ``SYNAPTIC_LOAD_STUDENTS`` is set (how many browser students), so the
default run (``pytest``, ``bash scripts/test.sh``, CI) never starts it:

    SYNAPTIC_LOAD_STUDENTS=30 .venv/bin/python -m pytest tests/load -q

Its figures are printed at the end of the run (``pytest_terminal_summary``), with or without ``-s``.
"""

from __future__ import annotations

import os

if not os.environ.get("SYNAPTIC_LOAD_STUDENTS", "").strip():
    collect_ignore_glob = ["test_*.py"]


def pytest_terminal_summary(terminalreporter) -> None:
    lines = getattr(terminalreporter.config, "classroom_report", None)  # left there by the test
    if lines:
        terminalreporter.section("classroom load test")
        for line in lines:
            terminalreporter.write_line(line)
