"""Every piece of text an AppTest page puts in front of a reader, for tests that read it as a student would.

Walks the element tree of an ``AppTest`` run and collects the string fields of each element's
protobuf message (Markdown bodies, labels, help tooltips, options, placeholders, metric values,
page-link labels, expander and tab labels...). Machine fields (ids, keys, form ids, URLs, script
hashes) and chart specs are left out: they are not read by a person (chart text is checked by
the figure builders' own unit tests).
"""

from __future__ import annotations

from typing import Any, Iterator

from google.protobuf.json_format import MessageToDict

SKIP_KEYS = frozenset({"id", "formId", "spec", "url", "pageScriptHash", "page", "args", "theme", "key",
                       "data", "src", "arrowData", "dataFrame", "mime", "fileName", "deltaPath", "iconImage"})


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if not value.startswith("data:"):
            yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in SKIP_KEYS:
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _nodes(child)


def page_texts(at: Any) -> list[str]:
    """The visible strings of every element of the last run (main area and sidebar), in tree order."""
    out: list[str] = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or getattr(node, "type", "") == "plotly_chart":
            continue
        try:
            fields = MessageToDict(proto)
        except TypeError:
            continue
        out.extend(s for s in _strings(fields) if s.strip())
    return out


# -- how wide each st.metric is in a 1280-pixel window ------------------------------------------
MAIN_WIDTH_PX = 820  # the main area of the wide layout next to the sidebar, in a 1280-pixel window (measured)
GAP_PX = {"xxsmall": 4, "xsmall": 8, "small": 16, "medium": 32, "large": 64, "xlarge": 96, "xxlarge": 128}
# Measured in chromium (Streamlit 1.67, its Source Sans label font): a metric label is cut with "…" once
# about 6.2 px per character, plus ~20 px for the help icon, exceed its column ("Perplexity" with help
# is cut in 79 px, not in 94; "Training time" with help fits 103).
LABEL_CHAR_PX = 6.2
HELP_ICON_PX = 20


def _columns_of(node: Any) -> list[Any]:
    children = list(getattr(node, "children", {}).values()) if isinstance(getattr(node, "children", None), dict) else []
    return children if children and all(getattr(c, "type", "") == "column" for c in children) else []


def metric_widths(at: Any, width: float = MAIN_WIDTH_PX) -> list[tuple[str, bool, float]]:
    """``(label, has_help, column width in px)`` of every st.metric in the main area."""
    out: list[tuple[str, bool, float]] = []

    def walk(node: Any, w: float) -> None:
        if getattr(node, "type", "") == "metric":
            out.append((node.proto.label, bool(node.proto.help), w))
            return
        columns = _columns_of(node)
        if columns:
            gap = GAP_PX.get(columns[0].gap or "small", 16)
            total = sum(c.weight for c in columns) or 1.0
            avail = w - gap * (len(columns) - 1)
            for c in columns:
                walk(c, avail * c.weight / total)
            return
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child, w)

    walk(at.main, width)
    return out


def cut_labels(at: Any) -> list[str]:
    """The metric labels a 1280-pixel window would cut off with "…"."""
    return [f"{label!r} needs {LABEL_CHAR_PX * len(label) + (HELP_ICON_PX if has_help else 0):.0f} px, has {w:.0f}"
            for label, has_help, w in metric_widths(at)
            if LABEL_CHAR_PX * len(label) + (HELP_ICON_PX if has_help else 0) > w]
