"""The one exception training raises on purpose: it carries a kind the UI can act on."""

from __future__ import annotations


class TrainingError(RuntimeError):
    """A run that cannot go on, with a message meant for the user.

    kind: "nan" (loss diverged), "data" (dataset could not be loaded), "spec" (invalid
    configuration). The job worker turns it into an ``error`` event with this kind.
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message
