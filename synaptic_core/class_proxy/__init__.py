"""A class server behind nginx: nginx serves Streamlit's own frontend files, Streamlit the rest.

Why: every page a student opens first fetches Streamlit's frontend (117 files, 7.9 MB). Streamlit
serves them from Python, in the same process and under the same interpreter lock as every
student's script: about 0.15-0.3 s of that process's CPU per new browser, most of a first visit's
cost (docs/BENCHMARKS.md, "Classroom server"). nginx serves the same files straight from
Streamlit's installed package folder, in its own process, and passes everything else (the page,
``/_stcore/...``, the WebSocket) to Streamlit on the loopback address.

* ``nginx_conf``: the config (pure text, no nginx needed: unit-tested everywhere);
* ``nginx``: run nginx as a child process with that config, in a work folder (no root needed);
* ``__main__``: ``python -m synaptic_core.class_proxy``, the teacher's one command.

nginx is an optional system package (``apt-get install nginx``); nothing else in the app needs
it. This package never imports streamlit (it finds Streamlit's folder without importing it).
"""
