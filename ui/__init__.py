"""Streamlit-side helpers shared by the pages: services, sidebar, the one training-page controller
(``controller``: ``page_state`` + ``param_widgets``), live view, results.

Unlike ``synaptic_core`` this package may import streamlit. It must not import TensorFlow at
module level: everything here is imported by ``app.py`` and has to load in well under a second.
"""
