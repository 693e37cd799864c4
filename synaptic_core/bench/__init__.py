"""Benchmarks of the app and the engine, run by ``python -m synaptic_core bench``.

Each module measures one thing and returns a plain dict (JSON-ready). Nothing here is
imported by the app, and nothing here imports TensorFlow at module level.

* ``coldstart``: seconds from ``streamlit run app.py`` to a healthy server and to a home
  page rendered in a real browser.
* ``appserver`` / ``browser``: start a headless Streamlit server and drive Debian's
  chromium; shared with the real-browser tests in ``tests/e2e``.
* ``print_figures`` (below): how a measuring command's ``main`` ends, JSON or one ``error:`` line.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable


def print_figures(measure: Callable[[], Any]) -> int:
    """Run ``measure`` and print its figures as indented JSON (exit status 0), or, when it refuses a setting
    (ValueError) or its server or browser would not start (RuntimeError), one ``error:`` line on stderr
    (status 1). The end of each measuring command's ``main``, written once."""
    try:
        result = measure()
    except (RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0
