"""Run history: SQLite (WAL) at ``$SYNAPTIC_HOME/runs.db``, artifacts in ``$SYNAPTIC_HOME/artifacts/<run_id>/``."""

from .artifacts import Artifact, artifact, iter_file
from .paths import artifacts_dir, default_db_path, synaptic_home
from .runstore import ACTIVE_STATES, RunStore, StoreDamaged, StoreReadOnly, new_run_id
from .schema import SCHEMA_VERSION

__all__ = ["RunStore", "synaptic_home", "artifacts_dir", "default_db_path", "new_run_id",
           "ACTIVE_STATES", "SCHEMA_VERSION", "StoreReadOnly", "StoreDamaged", "Artifact", "artifact", "iter_file"]
