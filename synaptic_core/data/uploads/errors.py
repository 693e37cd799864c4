"""UploadError: what is wrong with an uploaded file, as plain text a person can act on.

It is a DataError (so every caller that already reports a dataset problem reports this one
too) with ``field``: which part of the upload the message is about ("file", "target",
"missing", "image_size"...), like a SpecIssue's ``param``. Messages quote outside text (a
column name, a zip entry) with ``repr``-like quoting and never as Markdown; pages show them
through ``text_safety``.
"""

from __future__ import annotations

from synaptic_core.data.types import DataError


class UploadError(DataError):
    """An upload that cannot be used; ``str(exc)`` says why and what to do."""

    def __init__(self, message: str, field: str = "file"):
        super().__init__(message)
        self.field = field
        self.message = message


def quote(text: object, limit: int = 60) -> str:
    """Outside text shown inside a message: shortened, control characters replaced, in quotes."""
    s = "".join(ch if ch.isprintable() else "?" for ch in str(text))
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return f"'{s}'"
