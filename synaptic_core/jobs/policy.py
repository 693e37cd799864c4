"""The rules a shared server applies to runs: fair turns, caps, time and size limits, who may stop what.

Why one module: a class of thirty on one server is fair only if every runner (local processes,
the fake the app tests use, Ray) applies the same rules the same way. So the rules live here,
as plain functions and values; the ``RunBook`` (runbook.py) calls them, and executors only act
on what the book decides.

* **Turns** (:func:`fair_order`): round-robin across owners. The next run is the oldest queued run
  of the owner who has waited longest since their last start (an owner who never started comes
  first; ties go to the owner whose oldest queued run is oldest). Six runs of one person do not
  block the person after them: they take every other turn.
* **Caps** (:class:`Limits`, from ``SYNAPTIC_*`` variables): queued+running runs per person,
  run time (stopped gracefully, then by force), parameters and estimated training memory.
* **Rights** (:class:`Actor`, :func:`may_control`): who may stop a run. ``by=None`` is the
  trusted local caller (the CLI, tests, the server itself), as before this module existed.

Refusals are exceptions whose message is meant for the person (``str(exc)``), naming the number
that was too large, the limit and the variable that sets it.
"""

from __future__ import annotations

import heapq
import hmac
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Mapping, Sequence, TypeVar

from synaptic_core.specs import SpecError, SpecIssue

ENV_MAX_RUNS = "SYNAPTIC_MAX_RUNS_PER_PERSON"
ENV_MAX_MINUTES = "SYNAPTIC_MAX_RUN_MINUTES"
ENV_MAX_PARAMS = "SYNAPTIC_MAX_PARAMS"
ENV_MAX_MODEL_MB = "SYNAPTIC_MAX_MODEL_MB"
ENV_STOP_GRACE = "SYNAPTIC_STOP_GRACE_SECONDS"
ENV_ADMIN_TOKEN = "SYNAPTIC_ADMIN_TOKEN"

T = TypeVar("T")


# -- limits ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    """The limits a runner applies; 0 switches one off.

    max_runs_per_person: queued + running runs one owner may have (owner-less runs: no cap).
        4 by default, so the activation race (up to four runs at once) still fits.
    max_run_s: seconds a run may train before it is stopped (gracefully, then killed after
        ``stop_grace_s``).
    max_params: parameters of a model.
    max_model_mb: estimated training memory (weights, gradients, optimizer slots, activations
        of one batch; see ``synaptic_core.models.size``), in MB (10**6 bytes).
    """

    max_runs_per_person: int = 4
    max_run_s: float = 60 * 60.0
    max_params: int = 20_000_000
    max_model_mb: float = 2000.0
    stop_grace_s: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Limits":
        """The defaults, overridden by ``SYNAPTIC_MAX_RUNS_PER_PERSON``, ``SYNAPTIC_MAX_RUN_MINUTES``,
        ``SYNAPTIC_MAX_PARAMS``, ``SYNAPTIC_MAX_MODEL_MB``, ``SYNAPTIC_STOP_GRACE_SECONDS``.
        A value that is not a number >= 0 raises ValueError naming the variable."""
        env = os.environ if environ is None else environ
        d = cls()
        return cls(
            max_runs_per_person=int(_env_number(env, ENV_MAX_RUNS, d.max_runs_per_person, whole=True)),
            max_run_s=_env_number(env, ENV_MAX_MINUTES, d.max_run_s / 60) * 60,
            max_params=int(_env_number(env, ENV_MAX_PARAMS, d.max_params, whole=True)),
            max_model_mb=_env_number(env, ENV_MAX_MODEL_MB, d.max_model_mb),
            stop_grace_s=_env_number(env, ENV_STOP_GRACE, d.stop_grace_s),
        )

    def to_env(self) -> dict[str, str]:
        """The variables that make :meth:`from_env` return these limits (for worker processes)."""
        return {ENV_MAX_RUNS: str(self.max_runs_per_person), ENV_MAX_MINUTES: repr(self.max_run_s / 60),
                ENV_MAX_PARAMS: str(self.max_params), ENV_MAX_MODEL_MB: repr(self.max_model_mb),
                ENV_STOP_GRACE: repr(self.stop_grace_s)}


def _env_number(env: Mapping[str, str], name: str, default: float, whole: bool = False) -> float:
    text = env.get(name, "").strip()
    if not text:
        return float(default)
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ValueError(f"{name} must be {kind} >= 0 (0 = no limit), not {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"{name} must be a finite number >= 0 (0 = no limit), not {text!r}")
    return float(value)


def minutes(seconds: float) -> str:
    """``"60 minutes"``, ``"1 minute"``, ``"30 seconds"``: a limit in words."""
    value, unit = (seconds, "second") if seconds < 60 else (seconds / 60, "minute")
    return f"{value:g} {unit}{'' if value == 1 else 's'}"


# -- refusals -----------------------------------------------------------------------------------
class RunRefused(ValueError):
    """A run the server will not queue. ``str(exc)`` is the message for the person.

    reason: "per_person" | "model_size" | "read_only"; setting: the variable that sets the
    limit ("" when none); value and limit: the numbers compared (None when not a comparison).
    """

    def __init__(self, message: str, reason: str, setting: str = "", value: float | None = None,
                 limit: float | None = None):
        super().__init__(message)
        self.message, self.reason, self.setting, self.value, self.limit = message, reason, setting, value, limit


class TooManyRuns(RunRefused):
    """The owner already has ``limit`` runs queued or running."""


class TrainingDisabled(RunRefused):
    """The run store is read-only (or otherwise unable to take runs): nothing can be queued."""


class ModelTooLarge(RunRefused, SpecError):
    """The spec's model is over the parameter or memory limit: also a ``SpecError`` whose one issue
    names the parameter to change (``hidden``, ``filters``, ``batch_size``...), so a page shows it
    where it shows other spec problems."""

    def __init__(self, message: str, param: str, setting: str, value: float, limit: float):
        SpecError.__init__(self, [SpecIssue(param, message)])
        self.message, self.reason, self.setting, self.value, self.limit = message, "model_size", setting, value, limit
        self.param = param

    def __str__(self) -> str:
        return self.message


class NotAllowed(PermissionError):
    """The caller may not control this run (only its owner, an admin or its class's teacher may)."""


def too_many_runs(owner_count: int, limits: Limits) -> TooManyRuns:
    cap = limits.max_runs_per_person
    return TooManyRuns(
        f"You already have {owner_count} runs queued or running; the limit is {cap} per person "
        f"({ENV_MAX_RUNS}). Wait for one to finish or stop one, then train again.",
        "per_person", ENV_MAX_RUNS, owner_count, cap)


# -- turns ----------------------------------------------------------------------------------------
def fair_order(queued: Sequence[T], owner_of: Callable[[T], Hashable],
               last_start: Mapping[Hashable, float]) -> list[T]:
    """The order in which ``queued`` (in submission order) will start, taking turns across owners.

    ``last_start[owner]``: when the owner's latest run started, on any increasing scale (a
    counter); owners absent from it never started and go first. Simulates the turns: the owner
    who waited longest gets the next start, with their oldest queued run, and then waits again
    from "now". O(n log owners).
    """
    per_owner: dict[Hashable, list[int]] = {}
    for i, item in enumerate(queued):
        per_owner.setdefault(owner_of(item), []).append(i)
    floor = min(last_start.values(), default=0.0) - 1.0
    heap = [(last_start.get(owner, floor), idx[0], n, owner) for n, (owner, idx) in enumerate(per_owner.items())]
    heapq.heapify(heap)
    heads = {owner: 0 for owner in per_owner}
    clock = max(last_start.values(), default=0.0)
    order: list[T] = []
    while heap:
        _, first, n, owner = heapq.heappop(heap)
        order.append(queued[first])
        heads[owner] += 1
        clock += 1.0
        if heads[owner] < len(per_owner[owner]):
            heapq.heappush(heap, (clock, per_owner[owner][heads[owner]], n, owner))
    return order


# -- rights ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Actor:
    """Who asks to control a run.

    owner: the caller's owner id (``synaptic_core.identity.owner_id`` of their token), or None.
    admin: a server admin (the holder of ``SYNAPTIC_ADMIN_TOKEN``) or the run limits themselves.
    controls: owner ids whose runs this caller may also control (a teacher: their class's students).
    label: how messages name this caller when they stop someone else's run.
    """

    owner: str | None = None
    admin: bool = False
    controls: frozenset[str] = field(default_factory=frozenset)
    label: str = "an admin"


LIMITS = Actor(admin=True, label="the run limits")  # the book's own time limit


def is_admin_token(token: str | None, environ: Mapping[str, str] | None = None) -> bool:
    """True when ``token`` equals ``$SYNAPTIC_ADMIN_TOKEN`` (compared in constant time).

    No variable, or one shorter than 16 characters, means there is no admin: a short secret
    would be guessable, so it is refused rather than trusted.
    """
    secret = (os.environ if environ is None else environ).get(ENV_ADMIN_TOKEN, "")
    if len(secret) < 16 or not isinstance(token, str) or not token:
        return False
    return hmac.compare_digest(secret.encode(), token.encode())


def actor_for(token: str | None, controls: frozenset[str] = frozenset()) -> Actor:
    """The actor a server builds from a request's token: its owner id, and admin if it is the admin token."""
    from synaptic_core.identity import owner_id

    return Actor(owner=owner_id(token), admin=is_admin_token(token), controls=controls,
                 label="an admin" if is_admin_token(token) else "the teacher")


def as_actor(by: Any) -> Actor | None:
    """``by`` as an Actor: None (trusted local caller), an Actor, or a bare owner id string."""
    if by is None or isinstance(by, Actor):
        return by
    if isinstance(by, str):
        return Actor(owner=by)
    raise TypeError(f"by must be None, an Actor or an owner id, not {type(by).__name__}")


def may_control(run_owner: str | None, by: Any) -> bool:
    """True when ``by`` may stop (or resume) a run of ``run_owner``: the trusted local caller
    (None), an admin, the owner, or someone who controls the owner's runs (a teacher)."""
    actor = as_actor(by)
    if actor is None or actor.admin:
        return True
    if run_owner is None:
        return False  # owner-less runs (CLI, benchmarks) belong to the operator
    if actor.owner is not None and hmac.compare_digest(actor.owner, run_owner):
        return True
    return run_owner in actor.controls


def stranger(run_owner: str | None, by: Any) -> bool:
    """True when ``by`` is someone other than the run's owner (an admin, a teacher, the limits)."""
    actor = as_actor(by)
    return actor is not None and (actor.owner is None or actor.owner != run_owner)


# -- model size ------------------------------------------------------------------------------------
def check_model_size(spec: Any, limits: Limits, data: Any = None) -> Any:
    """Refuse a spec whose model is over ``limits`` (:class:`ModelTooLarge`), from arithmetic alone.

    ``data``: the ``models.size.DataShape`` of the loaded dataset (the worker knows it); by default
    the one the dataset table predicts. Returns the ``ModelSize`` (None when it cannot be told: an
    unknown dataset or model; the worker's check after building covers those).
    """
    from synaptic_core.models.size import estimate, expected_data

    data = data if data is not None else expected_data(spec)
    size = estimate(spec, data) if data is not None else None
    if size is None:
        return None
    if limits.max_params and size.params > limits.max_params:
        raise _too_many_params(size.params, limits, _size_param(spec, data.task))
    if limits.max_model_mb and size.memory_mb > limits.max_model_mb:
        param = "batch_size" if size.activation_bytes > size.weight_bytes else _size_param(spec, data.task)
        raise ModelTooLarge(
            f"Training this model needs about {size.memory_mb:,.0f} MB (weights, gradients and optimizer state "
            f"{size.weight_bytes / 1e6:,.0f} MB; activations of a batch of {size.batch_size} "
            f"{size.activation_bytes / 1e6:,.0f} MB), more than the limit of {limits.max_model_mb:,.0f} MB "
            f"({ENV_MAX_MODEL_MB}). Use a smaller model or batch size.",
            param, ENV_MAX_MODEL_MB, size.memory_mb, limits.max_model_mb)
    return size


def check_params(params: int, limits: Limits, spec: Any = None, task: str = "") -> None:
    """Refuse a built model with more than ``limits.max_params`` parameters (the exact count)."""
    if limits.max_params and params > limits.max_params:
        raise _too_many_params(params, limits, _size_param(spec, task) if spec is not None else "model")


def _too_many_params(params: int, limits: Limits, param: str) -> ModelTooLarge:
    return ModelTooLarge(
        f"This model has {params:,} parameters, more than the limit of {limits.max_params:,} "
        f"({ENV_MAX_PARAMS}). Use fewer or smaller layers.", param, ENV_MAX_PARAMS, params, limits.max_params)


def _size_param(spec: Any, task: str) -> str:
    """The spec parameter that most likely makes the model big: the widths the model reads."""
    from synaptic_core.models.registry import MODELS

    info = MODELS.get(getattr(spec, "model", ""))
    reads = info.reads_for(task) if info is not None else ()
    return next((p for p in ("hidden", "filters", "units", "embed_dim") if p in reads), "model")
