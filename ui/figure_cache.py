"""Figures every page open draws the same, built once per server process instead of once per open.

Why: building a Plotly figure runs Plotly's validators for every property: the Playground's empty
curves and its 24-image data preview cost more server CPU than the rest of its script together
(measured, docs/BENCHMARKS.md "Classroom server"). Thirty students opening the page share one
interpreter lock, so these are kept in ``st.cache_resource``: one copy per process, keyed by
their inputs, handed to every session.

Sharing one ``Figure`` object is safe because ``st.plotly_chart`` only reads it (it serialises a
copy, ``figure.to_dict()``); callers must not modify a figure they get from here.
"""

from __future__ import annotations

from typing import Any, Sequence

import streamlit as st


@st.cache_resource(show_spinner=False, max_entries=8)
def empty_curves(message: str | None = None) -> Any:
    """``synaptic_core.viz.empty_curves`` (read-only, shared)."""
    from synaptic_core.viz import empty_curves as build

    return build() if message is None else build(message)


@st.cache_resource(show_spinner=False, max_entries=32)
def image_grid(images: Any, titles: Sequence[str] | None = None, **options: Any) -> Any:
    """``synaptic_core.viz.image_grid`` (read-only, shared); keyed by the images' bytes, titles and options."""
    from synaptic_core.viz import image_grid as build

    return build(images, None if titles is None else list(titles), **options)
