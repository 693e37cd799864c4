"""What a study is: its base spec, space, sampler, pruner, objective and seed, and how Optuna is set up.

Why a record of its own: a study outlives the process that started it (reopened from storage,
extended later), and Optuna stores neither samplers nor pruners. So everything needed to rebuild
them is one JSON record kept in the study's user attributes, and ``make_sampler`` /
``make_pruner`` pin every setting explicitly: Optuna 5 changed TPE's defaults (multivariate,
constant liar) and may change them again, and a reopened study must sample the way it began.

The objective is always measured on the validation split (``val_accuracy`` or ``val_loss`` of
the epoch events); test data is never used to choose.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from synaptic_core.specs import RunSpec, SpecError

from .space import SearchSpace, SpaceError, model_task

SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("none", "median", "halving")
OBJECTIVES = ("val_accuracy", "val_loss")
MAX_TRIALS = 1000  # per session (start or extend): a typing slip must not queue a million runs
MAX_MINUTES = 24 * 60
MAX_FOLDS = 10  # a trial is this many runs at most
FORMAT = 1


def folds_offered(dataset: str) -> bool:
    """Whether k-fold cross-validation is offered for ``dataset``: for tabular sets only (small, so one
    validation split is noisy; an image or text set's split is large enough). One rule for the Search
    page's toggle and for a study's settings (so the CLI's ``--folds`` and the page agree)."""
    from synaptic_core.data.registry import find_entry

    entry = find_entry(dataset)
    return entry is not None and entry.task == "tabular"


@dataclass(frozen=True)
class StudyConfig:
    """A study's settings (JSON-serialisable; kept in the Optuna study's user attributes).

    base: the spec every trial starts from (as ``RunSpec.as_dict``); space: ``SearchSpace.to_dict``.
    parallel: trials in flight at most (0 = the runner's slots). n_startup: random trials before TPE
    models the space, and completed trials before the median pruner judges (both pinned here).
    folds: 0, or K (2..MAX_FOLDS) for k-fold cross-validation: each trial is K runs, one per stratified,
    seeded fold (``cv_folds`` / ``cv_fold`` in their specs), scored by the mean of their validation values.
    """

    base: Mapping[str, Any]
    space: list[dict[str, Any]]
    sampler: str = "tpe"
    pruner: str = "median"
    objective: str = "val_accuracy"
    seed: int = 0
    parallel: int = 0
    owner: str | None = None
    name: str = ""
    n_startup: int = 5
    prune_startup: int = 3
    folds: int = 0
    format: int = FORMAT
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def direction(self) -> str:
        return "maximize" if self.objective == "val_accuracy" else "minimize"

    def spec(self) -> RunSpec:
        return RunSpec.from_mapping(self.base)

    def search_space(self) -> SearchSpace:
        return SearchSpace.from_dict(self.space)

    def errors(self) -> list[str]:
        """Every problem with these settings, in words (empty when the study can start)."""
        out = []
        if self.sampler not in SAMPLERS:
            out.append(f"sampler {self.sampler!r} is unknown: choose one of {', '.join(SAMPLERS)}.")
        if self.pruner not in PRUNERS:
            out.append(f"pruner {self.pruner!r} is unknown: choose one of {', '.join(PRUNERS)}.")
        if self.objective not in OBJECTIVES:
            out.append(f"objective {self.objective!r} is unknown: choose one of {', '.join(OBJECTIVES)}.")
        if not 0 <= int(self.parallel) <= 64:
            out.append("parallel: 0 (the runner's slots) to 64 trials at once.")
        try:
            spec = self.spec()
        except SpecError as exc:
            return out + exc.errors
        from synaptic_core.data import dataset_names
        from synaptic_core.models import model_names

        out += spec.errors(known_datasets=dataset_names(), known_models=model_names())
        if out:
            return out
        if self.folds:
            out += self._fold_errors(spec)
        elif spec.validation_split <= 0:
            out.append("the objective is measured on the validation split, so validation_split must be above 0 "
                       "(test data is never used to choose).")
        if self.objective == "val_accuracy":
            from synaptic_core.data.registry import find_entry
            from synaptic_core.tasks import get_task

            if get_task(find_entry(spec.dataset).task).is_regression:
                out.append(f"{spec.dataset} is a regression: it has no accuracy; use the objective val_loss.")
        try:
            model_task(spec.dataset)
        except SpaceError as exc:
            out += exc.errors
        if not self.space:
            out.append("the search space is empty: choose parameters to vary.")
        if spec.lr_find:
            out.append("a learning-rate finder run cannot be a trial: set lr_find to 0.")
        if spec.cv_folds:
            out.append("the study's spec is already one fold of a cross-validation: choose folds on the study.")
        return out

    def _fold_errors(self, spec: RunSpec) -> list[str]:
        if not 2 <= int(self.folds) <= MAX_FOLDS:
            return [f"folds: 2 to {MAX_FOLDS} (or 0: one validation split), not {self.folds}."]
        if not folds_offered(spec.dataset):
            return [f"k-fold cross-validation is for small tabular sets; {spec.dataset} is not one "
                    "(its validation split is large enough)."]
        return []

    def run_specs(self, spec: RunSpec) -> list[RunSpec]:
        """The runs of one trial of ``spec``: the spec itself, or one per fold."""
        if not self.folds:
            return [spec]
        return [spec.replace(cv_folds=int(self.folds), cv_fold=k) for k in range(int(self.folds))]

    def validated(self) -> "StudyConfig":
        errors = self.errors()
        if errors:
            raise SpaceError(errors)
        return self

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> "StudyConfig":
        data = json.loads(text)
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def default_startup(n_trials: int) -> tuple[int, int]:
    """(TPE's random startup trials, the median pruner's startup trials) for a study of ``n_trials``:
    a third of the trials explore at random (4 to 10), and the pruner waits for 2 to 5 finished trials."""
    n = max(1, int(n_trials))
    return min(10, max(4, n // 3)), min(5, max(2, n // 4))


def make_sampler(config: StudyConfig, n_existing: int = 0) -> Any:
    """The sampler of ``config``, every setting pinned. ``n_existing`` trials already in the study shift
    the seed, so an extended study does not replay the random draws of its first session."""
    import optuna

    seed = int(config.seed) + int(n_existing)
    if config.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if config.sampler == "grid":
        return _ask_tell_grid()(config.search_space().grid(), seed=seed)
    return optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True,
                                      n_startup_trials=config.n_startup, n_ei_candidates=24)


def _ask_tell_grid() -> type:
    """Optuna's GridSampler for an ask-and-tell loop. Its ``after_trial`` calls ``study.stop()`` once the
    grid is used up, which raises outside ``study.optimize`` (and would leave the trial untold); the
    driver asks ``is_exhausted`` before each trial instead."""
    import optuna

    class AskTellGridSampler(optuna.samplers.GridSampler):
        def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
            return None

    return AskTellGridSampler


def make_pruner(config: StudyConfig) -> Any:
    """The pruner of ``config``. Steps are 0-based epochs. Median: from the second epoch on, once
    ``prune_startup`` trials have finished. Successive halving: rungs after epochs 2, 4, 10 (rate 3)."""
    import optuna

    if config.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=config.prune_startup, n_warmup_steps=1,
                                           interval_steps=1, n_min_trials=1)
    if config.pruner == "halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3,
                                                      min_early_stopping_rate=0, bootstrap_count=0)
    return optuna.pruners.NopPruner()
