"""Running training jobs: the ``JobRunner`` interface and the local spawned-process runner."""

from .base import ACTIVE, FINAL, STATES, JobRunner, JobStatus
from .local import LocalJobRunner, resolve_max_jobs
from .target import DEFAULT_TARGET, TargetConfig

__all__ = ["JobRunner", "JobStatus", "LocalJobRunner", "TargetConfig", "DEFAULT_TARGET",
           "STATES", "ACTIVE", "FINAL", "resolve_max_jobs"]
