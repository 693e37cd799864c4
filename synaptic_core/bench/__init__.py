"""Benchmarks of the app and the engine, run by ``python -m synaptic_core bench``.

Each module measures one thing and returns a plain dict (JSON-ready). Nothing here is
imported by the app, and nothing here imports TensorFlow at module level.

* ``coldstart``: seconds from ``streamlit run app.py`` to a healthy server and to a home
  page rendered in a real browser.
* ``appserver`` / ``browser``: start a headless Streamlit server and drive Debian's
  chromium; shared with the real-browser tests in ``tests/e2e``.
"""
