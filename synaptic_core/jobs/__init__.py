"""Running training jobs: the ``JobRunner`` interface, the run bookkeeping every runner shares
(``RunBook``), the rules of a shared server (``policy``), the local spawned-process runner, and
``follow``/``EventCursor`` for readers."""

from .base import ACTIVE, FINAL, STATES, JobRunner, JobStatus
from .follow import EventCursor, follow
from .local import LocalJobRunner, resolve_max_jobs
from .policy import (Actor, Limits, ModelTooLarge, NotAllowed, RunRefused, TooManyRuns, TrainingDisabled,
                     actor_for)
from .runbook import RESUMABLE, BookedRunner, Run, RunBook
from .target import DEFAULT_TARGET, TargetConfig

__all__ = ["JobRunner", "JobStatus", "LocalJobRunner", "TargetConfig", "DEFAULT_TARGET",
           "STATES", "ACTIVE", "FINAL", "resolve_max_jobs", "RunBook", "Run", "BookedRunner",
           "EventCursor", "follow", "Limits", "Actor", "actor_for", "RunRefused", "TooManyRuns", "ModelTooLarge",
           "TrainingDisabled", "NotAllowed", "RESUMABLE"]
