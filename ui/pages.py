"""The app's page list: one place where every page is registered.

``app.py`` turns each row into an ``st.Page`` for ``st.navigation``. To add a page, append a
row ``(path, title, icon)``: the path is relative to the app folder (``app_pages/draw.py``), the
icon a Material symbol (``:material/draw:``) or an emoji. The first row is the default page.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)
APP_DIR = Path(__file__).resolve().parents[1]

PAGES: list[tuple[str, str, str]] = [
    ("app_pages/home.py", "Home", ":material/home:"),
    ("app_pages/draw.py", "Draw a digit", ":material/draw:"),
    ("app_pages/playground.py", "Playground", ":material/science:"),
    ("app_pages/activations.py", "Activation functions", ":material/show_chart:"),
    ("app_pages/gradient_descent.py", "Gradient descent: batch vs mini-batch vs SGD", ":material/trending_down:"),
    ("app_pages/optimizers.py", "Optimizers on loss surfaces", ":material/landscape:"),
    ("app_pages/losses.py", "Loss functions", ":material/functions:"),
    ("app_pages/scratch.py", "Under the hood: softmax regression", ":material/build:"),
    ("app_pages/sentiment.py", "Sentiment", ":material/sentiment_satisfied:"),
    ("app_pages/text_generation.py", "Text generation", ":material/edit_note:"),
    ("app_pages/time_series.py", "Time series", ":material/timeline:"),
    ("app_pages/runs.py", "Runs", ":material/table_view:"),
    ("app_pages/classroom.py", "Classroom", ":material/school:"),
    ("app_pages/search.py", "Hyperparameter search", ":material/tune:"),
]


def available_pages() -> list[tuple[str, str, str]]:
    """The rows of PAGES whose file exists: one missing page must not take the whole app down."""
    rows = [row for row in PAGES if (APP_DIR / row[0]).is_file()]
    for path, _, _ in set(PAGES) - set(rows):
        log.error("page %s is listed in ui/pages.py but its file is missing; not shown", path)
    return rows
