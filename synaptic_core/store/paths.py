"""Where SynapticHub keeps its state: one home folder, overridable with ``$SYNAPTIC_HOME``.

The run database and every run's artifacts (saved model, misclassified examples) live
under the same folder, so a deployment backs up, moves or wipes one directory.
"""

from __future__ import annotations

import os
from pathlib import Path

DB_NAME = "runs.db"
ARTIFACTS = "artifacts"


def synaptic_home() -> Path:
    """``$SYNAPTIC_HOME`` if set, else ``~/.synaptichub`` (not created here)."""
    env = os.environ.get("SYNAPTIC_HOME", "").strip()
    return Path(env).expanduser() if env else Path.home() / ".synaptichub"


def default_db_path() -> Path:
    """The run database of the current home: ``<home>/runs.db``."""
    return synaptic_home() / DB_NAME


def artifacts_dir(run_id: str, home: Path | None = None) -> Path:
    """``<home>/artifacts/<run_id>/`` (not created here); ``home`` defaults to :func:`synaptic_home`."""
    if not run_id or "/" in run_id or "\\" in run_id or run_id in (".", ".."):
        raise ValueError(f"not a valid run id for a folder name: {run_id!r}")
    return (home if home is not None else synaptic_home()) / ARTIFACTS / run_id
