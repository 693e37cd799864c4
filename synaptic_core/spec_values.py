"""Outside values (URL text, CLI flags, JSON) -> typed spec values, and typed values -> text.

Every value that enters a ``RunSpec`` passes through ``coerce``, wherever it comes from, so
the checks live here once: whole numbers are whole, numbers are finite (``nan``, ``inf``,
``1e400`` and 5,000-digit integers are refused, never turned into an ``OverflowError`` later
when a range is checked or a message formatted), lists are not absurdly long.

A refusal is a ``ValueProblem`` whose text completes the sentence "``name = value`` ...";
``show`` quotes the outside value for such sentences, shortened, so a hostile link cannot
fill a page. Messages are plain text; the UI renders them as text (``text_safety``).
"""

from __future__ import annotations

import math
from typing import Any

MAX_INT = 2**53  # larger whole numbers lose precision as floats (and no parameter needs them)
MAX_ITEMS = 1000  # items in a comma-separated list
MAX_SHOWN = 40  # characters of an outside value quoted in a message

KIND_WORD = {"int": "whole number", "float": "number", "str": "name", "bool": "true/false",
             "ints": "comma-separated list of whole numbers", "strs": "comma-separated list of names"}


class ValueProblem(ValueError):
    """Why a value was refused; the text completes "name = value ..." (e.g. "is not a finite number")."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def show(value: Any) -> str:
    """An outside value quoted for a message: its repr, cut to ``MAX_SHOWN`` characters."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a value whose repr fails is still shown as something
        text = f"<{type(value).__name__}>"
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def fmt(x: float | None) -> str:
    """A number for a message (``1e-06``, ``8192``); ``any`` for no bound."""
    if x is None:
        return "any"
    if float(x).is_integer() and abs(x) < 1e16:
        return str(int(x))  # 2147483647, not 2.14748e+09
    return f"{x:g}"


def to_float(value: Any) -> float:
    """A finite float from a number or its text; bools are refused (``True`` is not 1.0 here)."""
    if isinstance(value, bool):
        raise ValueProblem("is not a valid number")
    try:
        f = float(value.strip() if isinstance(value, str) else value)
    except OverflowError as exc:  # an int beyond the float range
        raise ValueProblem("is too large") from exc
    except (TypeError, ValueError) as exc:
        raise ValueProblem("is not a valid number") from exc
    if math.isinf(f) and isinstance(value, str) and "inf" not in value.lower():
        raise ValueProblem("is too large")  # "1e400" overflows to inf
    if not math.isfinite(f):
        raise ValueProblem("is not a finite number")
    return f


def to_int(value: Any) -> int:
    """A whole number within +-2**53 from an int, an integral float or their text (``"1e3"`` is 1000)."""
    if isinstance(value, bool):
        raise ValueProblem("is not a valid whole number")
    if isinstance(value, int):
        number = value
    else:
        text = value.strip() if isinstance(value, str) else None
        if text is not None and text.lstrip("+-").isdigit():
            if len(text) > 20:
                raise ValueProblem("is too large")
            number = int(text)
        else:
            try:
                f = to_float(value)
            except ValueProblem as exc:
                if exc.reason == "is not a valid number":
                    raise ValueProblem("is not a valid whole number") from exc
                raise
            if not f.is_integer():
                raise ValueProblem("is not a valid whole number")
            number = int(f)
    if abs(number) > MAX_INT:
        raise ValueProblem("is too large")
    return number


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, (str, int, float)) else None
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueProblem("is not true/false")


def _name(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueProblem("is not a valid name")
    return str(value).strip().lower()


def _items(value: Any, kind: str) -> list[Any]:
    if isinstance(value, str):
        items = [x for x in (s.strip() for s in value.split(",")) if x]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise ValueProblem(f"is not a {KIND_WORD[kind]}")
    if len(items) > MAX_ITEMS:
        raise ValueProblem(f"has too many items (at most {MAX_ITEMS})")
    return items


def coerce(kind: str, value: Any) -> Any:
    """``value`` as a spec value of ``kind`` ("int", "float", "str", "bool", "ints", "strs")."""
    if kind == "int":
        return to_int(value)
    if kind == "float":
        return to_float(value)
    if kind == "bool":
        return to_bool(value)
    if kind == "str":
        return _name(value)
    if kind in ("ints", "strs"):
        one = to_int if kind == "ints" else _name
        out = []
        for item in _items(value, kind):
            try:
                out.append(one(item))
            except ValueProblem as exc:
                raise ValueProblem(f"is not a {KIND_WORD[kind]} ({show(item)} {exc.reason})") from exc
        return tuple(out)
    raise ValueError(f"unknown parameter kind {kind!r}")


def to_text(kind: str, value: Any) -> str:
    """A typed value as the text a URL or a CLI flag carries."""
    if kind in ("ints", "strs"):
        return ",".join(str(x) for x in value)
    if kind == "bool":
        return "1" if value else "0"
    if kind == "float":
        return f"{value:g}"
    return str(value)
