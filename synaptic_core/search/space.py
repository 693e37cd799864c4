"""A search space built from the spec's own parameter table.

Why here and not in the page: a range a search may explore is a property of the parameter
(``PARAMS``: kind, limits, log scale, choices) and of the model (``ModelInfo.reads``: only what
the builder reads can change the run). So the space is derived from those two tables, and a
range the user gives is checked against them: a search can never propose a spec that a single
run would refuse.

A ``Dim`` is one varied parameter: a float or int range (log scale where ``PARAMS`` says so or
the default search range is one), or a categorical set. List parameters (``hidden``,
``filters``) are searched as a small set of sensible architectures written as text ("32,32"),
so the sampler sees one categorical choice and the parallel-coordinate plot stays readable;
``activation`` is one value applied to every layer.

Everything here is plain Python: Optuna is imported only by ``SearchSpace.distributions``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from synaptic_core.specs import PARAM_BY_NAME, RunSpec, SpecError

# Training parameters every model reads (besides ModelInfo.reads); the others of the "train"
# section either are the pruning resource (epochs), change the objective (validation_split), are
# schedules (early_stopping, reduce_lr) or make runs incomparable (seed, augment, synthetic data).
TRAINING = ("optimizer", "lr", "batch_size")

# Default search ranges: narrower than PARAMS' limits (lr may be 1e-6..10, batch 1..8192), where a
# short search learns something. Each lies inside its PARAMS limits (tests check it).
DEFAULT_RANGES: dict[str, tuple[float, float, bool]] = {  # name -> (lo, hi, log)
    "lr": (1e-4, 0.3, True),
    "batch_size": (16, 512, True),
    "dropout": (0.0, 0.5, False),
    "l2": (1e-6, 1e-2, True),
    "units": (16, 256, True),
    "embed_dim": (8, 128, True),
    "rnn_layers": (1, 3, False),  # stacked recurrent layers: deeper is slower, so 3 at most by default
    "kernel": (2, 7, False),
}
# Default choices of categorical parameters (a subset of PARAMS' choices where those are many).
DEFAULT_CHOICES: dict[str, tuple[Any, ...]] = {
    "hidden": ("16", "32", "64", "128", "32,32", "64,64", "128,64", "16,16,16"),
    "filters": ("16,32", "32,64", "32,64,128"),
    "activation": ("relu", "tanh", "elu", "gelu", "sigmoid"),
    "optimizer": ("sgd", "momentum", "rmsprop", "adam"),
    "pool": ("max", "avg"),
    "batch_norm": (False, True),
}
TUNABLE = frozenset(DEFAULT_RANGES) | frozenset(DEFAULT_CHOICES)
GRID_POINTS = {"float": 4, "int": 4}  # values per numeric dimension of a grid search


class SpaceError(ValueError):
    """A search space the tables refuse; ``errors`` lists every problem, each naming the parameter."""

    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


@dataclass(frozen=True)
class Dim:
    """One varied parameter: ``kind`` "float" | "int" (lo..hi, maybe log) or "categorical" (choices)."""

    name: str
    kind: str
    lo: float | None = None
    hi: float | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()

    def distribution(self) -> Any:
        """The Optuna distribution of this dimension."""
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        if self.kind == "categorical":
            return CategoricalDistribution(list(self.choices))
        if self.kind == "int":
            return IntDistribution(int(self.lo), int(self.hi), log=self.log)
        return FloatDistribution(float(self.lo), float(self.hi), log=self.log)

    def grid(self) -> list[Any]:
        """The values a grid search tries: every choice, or a few evenly (or log-evenly) spaced points."""
        if self.kind == "categorical":
            return list(self.choices)
        n = GRID_POINTS[self.kind]
        lo, hi = float(self.lo), float(self.hi)
        if self.log:
            points = [math.exp(math.log(lo) + (math.log(hi) - math.log(lo)) * i / (n - 1)) for i in range(n)]
        else:
            points = [lo + (hi - lo) * i / (n - 1) for i in range(n)]
        points = [lo] + [float(f"{p:.3g}") for p in points[1:-1]] + [hi]  # exact ends, round points between
        if self.kind == "int":
            return sorted({int(round(p)) for p in points})
        return points

    def spec_value(self, value: Any) -> Any:
        """The spec value for a sampled value ("32,32" -> (32, 32); "relu" -> ("relu",) for activation)."""
        kind = PARAM_BY_NAME[self.name].kind
        if kind in ("ints", "strs") and isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            return tuple(int(p) for p in parts) if kind == "ints" else tuple(parts)
        return value

    def describe(self) -> str:
        """In words, for a page or a log line: "lr: 0.0001 to 0.3, log scale"."""
        if self.kind == "categorical":
            return f"{self.name}: one of " + ", ".join(str(c) for c in self.choices)
        scale = ", log scale" if self.log else ""
        return f"{self.name}: {self.lo:g} to {self.hi:g}{scale}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.kind == "categorical":
            out["choices"] = list(self.choices)
        else:
            out.update(lo=self.lo, hi=self.hi, log=self.log)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Dim":
        return cls(str(data["name"]), str(data["kind"]), data.get("lo"), data.get("hi"), bool(data.get("log", False)),
                   tuple(data.get("choices", ())))


@dataclass(frozen=True)
class SearchSpace:
    """The dimensions of a search, in the order the user listed them."""

    dims: tuple[Dim, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.dims]

    def distributions(self) -> dict[str, Any]:
        """``{name: optuna distribution}`` for ``study.ask(fixed_distributions=...)``."""
        return {d.name: d.distribution() for d in self.dims}

    def grid(self) -> dict[str, list[Any]]:
        """``{name: values}`` for Optuna's GridSampler."""
        return {d.name: d.grid() for d in self.dims}

    def grid_size(self) -> int:
        return math.prod(len(v) for v in self.grid().values()) if self.dims else 0

    def apply(self, spec: RunSpec, params: Mapping[str, Any]) -> RunSpec:
        """``spec`` with the sampled ``params`` (SpecError if the result is not a valid spec)."""
        values = {d.name: d.spec_value(params[d.name]) for d in self.dims if d.name in params}
        hidden = values.get("hidden")
        if hidden is not None and "activation" not in values and len(spec.activation) not in (0, 1, len(hidden)):
            values["activation"] = tuple(spec.activation[:1])  # per-layer activations cannot follow a new depth
        out = spec.replace(**values)
        issues = out.issues()
        if issues:
            raise SpecError(issues)
        return out

    def to_dict(self) -> list[dict[str, Any]]:
        return [d.to_dict() for d in self.dims]

    @classmethod
    def from_dict(cls, data: Iterable[Mapping[str, Any]]) -> "SearchSpace":
        return cls(tuple(Dim.from_dict(d) for d in data))

    def describe(self) -> list[str]:
        return [d.describe() for d in self.dims]


# -- building a space from the tables --------------------------------------------------------------
def model_task(dataset: str) -> str:
    """The task name models are listed under for ``dataset`` ("image", "toy", "series"...)."""
    from synaptic_core.data.registry import find_entry
    from synaptic_core.tasks import get_task

    entry = find_entry(dataset)
    if entry is None:
        from synaptic_core.data import dataset_names

        raise SpaceError([f"dataset {dataset!r} is unknown: choose one of {', '.join(dataset_names())}."])
    return get_task(entry.task).models_for


def tunable(spec: RunSpec) -> list[str]:
    """The parameters a search may vary for this spec's model and data: what the builder reads
    (``ModelInfo.reads_for``) plus the training parameters, where a default search range exists."""
    from synaptic_core.models import MODELS

    info = MODELS.get(spec.model)
    if info is None:
        raise SpaceError([f"model {spec.model!r} is unknown: choose one of {', '.join(MODELS)}."])
    reads = list(info.reads_for(model_task(spec.dataset))) + list(TRAINING)
    return [name for name in dict.fromkeys(reads) if name in TUNABLE]


def space_for(spec: RunSpec, vary: str | Iterable[str], ranges: Mapping[str, Sequence[float]] | None = None,
              choices: Mapping[str, Sequence[Any]] | None = None,
              log: Mapping[str, bool] | None = None) -> SearchSpace:
    """The search space varying ``vary`` (names, or "lr,hidden") for this spec's model and data.

    ``ranges``: ``{name: (lo, hi)}`` overriding a numeric default range; ``choices``: ``{name: [...]}``
    overriding a categorical default (or making a numeric parameter categorical, e.g. batch sizes);
    ``log``: force the log scale on or off. Every override is checked against ``PARAMS`` (limits,
    choices, layer structure); SpaceError lists every problem at once.
    """
    names = [n.strip() for n in vary.split(",")] if isinstance(vary, str) else [str(n).strip() for n in vary]
    names = [n for n in dict.fromkeys(names) if n]
    ranges, choices, log = dict(ranges or {}), dict(choices or {}), dict(log or {})
    if not names:
        raise SpaceError(["choose at least one parameter to vary."])
    allowed = tunable(spec)
    errors: list[str] = []
    for name in names:
        if name not in PARAM_BY_NAME:
            errors.append(f"{name!r} is not a spec parameter.")
        elif name not in allowed:
            errors.append(f"{name} cannot be searched for model {spec.model} on {spec.dataset}: the parameters "
                          f"that can are {', '.join(allowed)}.")
    for name in set(ranges) | set(choices) | set(log):
        if name not in names:
            errors.append(f"{name}: a range or choices were given, but {name} is not among the varied parameters.")
    if errors:
        raise SpaceError(errors)
    dims = []
    for name in names:
        try:
            dims.append(_dim(spec, name, ranges.get(name), choices.get(name), log.get(name)))
        except SpaceError as exc:
            errors += exc.errors
    if errors:
        raise SpaceError(errors)
    return SearchSpace(tuple(dims))


def _dim(spec: RunSpec, name: str, rng: Sequence[float] | None, picks: Sequence[Any] | None,
         log: bool | None) -> Dim:
    p = PARAM_BY_NAME[name]
    if picks is not None:
        return Dim(name, "categorical", choices=_checked_choices(spec, name, picks))
    if name in DEFAULT_CHOICES:
        if rng is not None:
            raise SpaceError([f"{name} is searched over choices, not a range: give choices."])
        return Dim(name, "categorical", choices=DEFAULT_CHOICES[name])
    lo, hi, default_log = DEFAULT_RANGES[name]
    if rng is not None:
        if len(rng) != 2:
            raise SpaceError([f"{name}: a range is two numbers, low and high."])
        lo, hi = _number(p, rng[0]), _number(p, rng[1])
    use_log = default_log if log is None else bool(log)
    if rng is not None and log is None and lo <= 0:
        use_log = False  # a range from 0 cannot be log-scaled; say nothing, it is what the user asked for
    problems = []
    if not lo < hi:
        problems.append(f"{name}: the low end ({lo:g}) must be below the high end ({hi:g}).")
    if p.lo is not None and lo < p.lo or p.hi is not None and hi > p.hi:
        problems.append(f"{name}: {lo:g} to {hi:g} is outside its limits: {p.allowed()}.")
    if use_log and lo <= 0:
        problems.append(f"{name}: a log-scale range must start above 0 (got {lo:g}).")
    if problems:
        raise SpaceError(problems)
    kind = "int" if p.kind == "int" else "float"
    if kind == "int":
        lo, hi = int(lo), int(hi)
    return Dim(name, kind, lo, hi, use_log)


def _number(p: Any, value: Any) -> float:
    from synaptic_core.spec_values import ValueProblem, coerce

    try:
        out = coerce(p.kind if p.kind in ("int", "float") else "float", value)
    except ValueProblem as exc:
        raise SpaceError([f"{p.name}: {value!r} {exc.reason}."]) from None
    return float(out)


def _checked_choices(spec: RunSpec, name: str, picks: Sequence[Any]) -> tuple[Any, ...]:
    """Choices the user gave, each checked by the spec itself (range, allowed values, layer structure)."""
    p = PARAM_BY_NAME[name]
    out: list[Any] = []
    errors: list[str] = []
    for raw in picks:
        value: Any = raw.strip() if isinstance(raw, str) else raw
        if p.kind in ("ints", "strs"):
            parts = [str(v) for v in value] if isinstance(value, (list, tuple)) else str(value).split(",")
            value = ",".join(part.strip() for part in parts if part.strip())
            if name == "activation" and "," in value:
                errors.append(f"activation: one activation per choice ({value!r}); it applies to every layer.")
                continue
        try:
            probe = spec.replace(**{name: Dim(name, "categorical").spec_value(value)})
        except (SpecError, ValueError) as exc:
            errors += getattr(exc, "errors", None) or [f"{name}: {value!r} is not a valid value ({exc})."]
            continue
        mine = [i.message for i in probe.issues() if i.param == name]
        if mine:
            errors += mine
            continue
        value = value if p.kind in ("ints", "strs") else probe.as_dict()[name]
        if value not in out:
            out.append(value)
    if errors:
        raise SpaceError(errors)
    if len(out) < 2:
        raise SpaceError([f"{name}: give at least two different choices."])
    return tuple(out)
