"""The drawing canvas behind one small function: what the draw page reads, and what tests replace.

``draw_canvas`` wraps ``streamlit-drawable-canvas`` 0.13 (Components v2, no iframe): a 280x280
canvas, white pen on black, free drawing, sent to the app after every stroke (the component
debounces the sends by 200 ms, so a stroke costs one rerun, not one per mouse move). Its own
toolbar (shown whenever the canvas is not disabled; 0.13 has no switch for it) gives undo, redo
and "Reset canvas & history", which is the page's clear button. Mouse, pen and touch all draw.

Test hook: AppTest cannot drive a custom component (it sees an ``UnknownElement``), so app
tests replace this function, e.g. ``monkeypatch.setattr(ui.canvas, "draw_canvas", fake)``.
The page calls it as ``canvas.draw_canvas(...)`` (a module attribute looked up at each run),
which is what makes the replacement visible to the script AppTest runs in this process.
"""

from __future__ import annotations

import numpy as np

SIZE = 280  # canvas pixels per side: ten times MNIST's 28
INK = "#FFFFFF"
PAPER = "#000000"


def draw_canvas(stroke_width: int, key: str) -> np.ndarray | None:
    """Show the canvas; return the drawing as opaque (280, 280, 4) uint8 RGBA, or None before any.

    The background comes back as (0, 0, 0, 255) and the ink as R=G=B=255 (grey at the
    anti-aliased edges); alpha is 255 everywhere, so the ink must be read from the colour.
    """
    from streamlit_drawable_canvas import st_canvas

    result = st_canvas(
        stroke_width=int(stroke_width), stroke_color=INK, background_color=PAPER,
        update_streamlit=True, height=SIZE, width=SIZE, drawing_mode="freedraw",
        return_image_data=True, key=key,
    )
    image = result.image_data
    return None if image is None else np.asarray(image)
