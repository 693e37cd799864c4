"""Streamlit-side helpers shared by the pages: services, sidebar, spec widgets, live view, results.

Unlike ``synaptic_core`` this package may import streamlit. It must not import TensorFlow at
module level: everything here is imported by ``app.py`` and has to load in well under a second.
"""
