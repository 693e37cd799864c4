"""A class on one server: N browser students (``SYNAPTIC_LOAD_STUDENTS``, 30 for the issue's figure)
open the page at the same moment and each train a small toy run (``synaptic_core.bench.classload``).

Asserts that every student got a usable page and a result, that no page showed an exception or an
error message, that the server log has no error, and that the server exited on SIGTERM; prints the
figures (time to a usable page and to a result, server CPU per student and per idle tab, memory,
SIGTERM exit) and whether each of the issue's targets was met. Opt-in (tests/load/conftest.py):

    SYNAPTIC_LOAD_STUDENTS=30 .venv/bin/python -m pytest tests/load -q

By default the students open a new class's link (toy Playground, a class password) and join it;
``SYNAPTIC_LOAD_PATH=/playground?dataset=circle&model=mlp`` opens a plain page instead;
``SYNAPTIC_LOAD_PROXY=nginx`` sends the students through nginx in front of the server
(``python -m synaptic_core.class_proxy``'s configuration; needs the nginx system package).
"""

from __future__ import annotations

import os

import pytest

from synaptic_core.bench.browser import CHROMIUM, chromium_available
from synaptic_core.bench.classload import report, run_class

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]


def test_a_class_trains_on_one_server(request) -> None:
    if not chromium_available():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    students = int(os.environ["SYNAPTIC_LOAD_STUDENTS"])
    figures = run_class(students, os.environ.get("SYNAPTIC_LOAD_PATH") or None,  # None: a new class's link
                        proxy=os.environ.get("SYNAPTIC_LOAD_PROXY", "none"))  # nginx: through the class launcher's nginx
    lines = report(figures)
    request.config.classroom_report = lines
    print("\n".join(lines))
    assert figures["usable"] == students, "\n".join(lines)
    assert figures["finished"] == students, "\n".join(lines)
    assert not figures["problems"], "\n".join(lines) + "\n--- server log (end) ---\n" + figures["server_log_tail"]
