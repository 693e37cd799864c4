"""The one exception the exporter raises: it says what cannot be exported and why.

``kind`` lets the CLI, the REST server and the pages act on it without parsing the text:
"unknown-run", "not-done", "no-model", "unsupported" (a spec the exporter cannot turn into a
faithful script), "exists" (the output path is taken), "format" (an unknown export format).
"""

from __future__ import annotations


class ExportError(ValueError):
    """An export that cannot be done; the message is meant for the user."""

    def __init__(self, message: str, kind: str = "unsupported"):
        super().__init__(message)
        self.kind = kind
        self.message = message
