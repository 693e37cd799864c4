"""The run spec: the one object that flows from widgets to URL to job to store to CLI.

Like tensorflow/playground's ``state.ts``, the whole configuration is one flat,
declarative table of parameters (``PARAMS``). Each row says its name, type, default,
allowed range, the label a widget shows and a help line, and that single table drives:

* validation (``RunSpec.issues`` -> ``SpecIssue(param, message)``, each message naming the
  allowed range; ``RunSpec.errors`` gives the messages alone),
* the URL query string (``to_query`` / ``from_query``; lenient parsing of a link that may be
  old or hand-typed: ``synaptic_core.spec_query.parse_query``),
* JSON for the job runner and the store (``to_json`` / ``from_json``),
* the CLI flags (``--batch-size`` for ``batch_size``),
* the widgets' labels, help lines and ranges.

Every value passes ``spec_values.coerce``, so a NaN, an infinity or an overflowing number is
refused here whether it came from a URL, a flag or JSON. Which parameters each model reads
is in the model registry (``ModelInfo.reads``); the optimizer choices come from the one
optimizer table (``spec_optimizers``).

Names are stable and lower-case; later features add rows, never rename them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from synaptic_core.spec_optimizers import SPEC_OPTIMIZERS
from synaptic_core.spec_values import KIND_WORD, ValueProblem, coerce, fmt, show, to_text

OPTIMIZERS = SPEC_OPTIMIZERS  # ("sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam", "adamw", "nadam")
ACTIVATIONS = (
    "relu", "leaky_relu", "relu6", "elu", "selu", "gelu", "silu", "mish", "sigmoid",
    "hard_sigmoid", "tanh", "softplus", "softsign", "linear",
)
POOLING = ("max", "avg", "none")
# Classification with rare classes (synaptic_core.training.imbalance) and the loss choice ("auto": the task's own).
IMBALANCE = ("none", "class_weights", "undersample", "oversample", "smote")
LOSSES = ("auto", "focal")
# Toy 2-D sets: the inputs computed from each point (x1, x2), as on tensorflow/playground (synaptic_core.data.toy).
TOY_FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sin_x1", "sin_x2")


@dataclass(frozen=True)
class Param:
    """One row of the parameter table: everything needed to validate, serialise and show a field."""

    name: str
    kind: str  # "int" | "float" | "str" | "bool" | "ints" | "strs"
    default: Any
    help: str
    section: str  # "data" | "model" | "train"
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] | None = None
    log: bool = False  # a slider on a log scale (learning rate)
    label: str = ""  # what a widget shows; a page may override it where its meaning is narrower

    @property
    def title(self) -> str:
        return self.label or self.name

    def allowed(self) -> str:
        """"allowed 1e-06 to 10" / "one of: sgd, adam" / the help line, for messages and tooltips."""
        if self.choices:
            return "one of: " + ", ".join(self.choices)
        if self.lo is not None and self.hi is not None:
            return f"allowed {fmt(self.lo)} to {fmt(self.hi)}"
        return self.help


PARAMS: tuple[Param, ...] = (
    # data
    Param("dataset", "str", "mnist", "Dataset name (see `python -m synaptic_core datasets`).", "data",
          label="Dataset"),
    Param("source", "str", "auto", "Where the data comes from: auto (local data dir, Keras cache, then the bundled "
          "sample) or bundled (always the bundled offline sample).", "data", choices=("auto", "bundled"),
          label="Data source"),
    Param("subset", "int", 10000, "Training examples used (0 = all of them).", "data", 0, 10_000_000,
          label="Training examples used (0 = all)"),
    Param("classes", "ints", (), "Keep only these class indices (two of them makes a binary classifier).", "data",
          label="Only these classes"),
    Param("noise", "float", 0.1, "Noise added to the toy 2-D sets.", "data", 0.0, 1.0, label="Noise"),
    Param("n_points", "int", 600, "Points generated for a toy 2-D set.", "data", 50, 20000,
          label="Number of points"),
    Param("features", "strs", ("x1", "x2"), "Toy 2-D sets: the inputs the network gets, computed from each point "
          "(x1, x2) as on tensorflow/playground: x1, x2, their squares (x1sq, x2sq), product (x1x2) and sines "
          "(sin_x1, sin_x2).", "data",
          choices=TOY_FEATURES, label="Input features"),
    Param("train_ratio", "float", 0.5, "Share used for training (toy sets; time series, split in time order).",
          "data", 0.1, 0.9, label="Share of points used for training"),
    Param("look_back", "int", 12, "Time series: past values the model sees to predict the next one.", "data", 1, 240,
          label="Look-back window (steps)"),
    Param("cycle", "float", 50.0, "Sine: steps per cycle.", "data", 4.0, 1000.0, label="Cycle length (steps)"),
    Param("horizon", "int", 24, "Time series: steps forecast past the end of the data.", "data", 1, 500,
          label="Forecast horizon (steps)"),
    Param("vocab_size", "int", 10000, "Text: most frequent training words kept.", "data", 100, 100000,
          label="Vocabulary size (words)"),
    Param("seq_len", "int", 200, "Text: words per review (longer ones keep their end); characters per window.",
          "data", 5, 2000, label="Sequence length"),
    Param("stride", "int", 3, "Characters: step between training windows.", "data", 1, 1000,
          label="Stride (characters)"),
    # model
    Param("model", "str", "mlp", "Architecture name (logreg, mlp, cnn, mini-alexnet, resnet-small).", "model",
          label="Model"),
    Param("hidden", "ints", (128,), "Units of each dense hidden layer.", "model",
          label="Dense layers (units per layer)"),
    Param("activation", "strs", ("relu",), "Activation of each hidden layer (one value applies to all).", "model",
          choices=ACTIVATIONS, label="Activation"),
    Param("units", "int", 64, "Recurrent units (SimpleRNN, LSTM, GRU) or model width of sequence models.", "model",
          1, 2048, label="Units"),
    Param("rnn_layers", "int", 1, "Recurrent models: how many recurrent layers are stacked. Each layer after the "
          "first reads the whole sequence of states the one before it outputs, so it can learn patterns of "
          "patterns; dropout (if any) sits between them. More layers learn more and train slower.", "model", 1, 4,
          label="Recurrent layers (stacked)"),
    Param("embed_dim", "int", 32, "Sequence models: size of the word or character embedding.", "model", 2, 1024,
          label="Embedding size"),
    Param("dropout", "float", 0.0, "Dropout rate after each block.", "model", 0.0, 0.9, label="Dropout"),
    Param("batch_norm", "bool", False, "Batch normalisation after each dense or conv layer.", "model",
          label="Batch normalisation"),
    Param("filters", "ints", (32, 64), "Filters of each conv block.", "model", label="Filters per conv block"),
    Param("kernel", "int", 3, "Convolution kernel size.", "model", 1, 11, label="Kernel size"),
    Param("pool", "str", "max", "Pooling after each conv block.", "model", choices=POOLING, label="Pooling"),
    # training
    Param("optimizer", "str", "adam", "Optimizer.", "train", choices=OPTIMIZERS, label="Optimizer"),
    Param("lr", "float", 1e-3, "Learning rate.", "train", 1e-6, 10.0, log=True, label="Learning rate"),
    Param("batch_size", "int", 128, "Batch size.", "train", 1, 8192, label="Batch size"),
    Param("epochs", "int", 5, "Epochs.", "train", 1, 1000, label="Epochs"),
    Param("l2", "float", 0.0, "L2 weight penalty on kernels.", "train", 0.0, 1.0, label="L2 penalty"),
    Param("validation_split", "float", 0.1, "Share of the training data held out for validation.", "train", 0.0, 0.5,
          label="Validation split"),
    Param("early_stopping", "int", 0, "Stop after this many epochs without val-loss improvement (0 = off).", "train",
          0, 100, label="Early stopping patience (epochs, 0 = off)"),
    Param("reduce_lr", "int", 0, "Halve the learning rate after this many flat epochs (0 = off).", "train", 0, 100,
          label="Reduce LR on plateau patience (epochs, 0 = off)"),
    Param("imbalance", "str", "none", "Classification with rare classes: none; class weights (each class's loss "
          "scaled by n / (classes x its count)); random undersampling of the larger classes; random oversampling "
          "of the smaller ones; or SMOTE (synthetic examples between a rare example and its neighbours). "
          "Resampling changes the training rows only, never validation or test.", "train", choices=IMBALANCE,
          label="Imbalanced classes"),
    Param("loss", "str", "auto", "Loss: auto (the task's own: cross-entropy for classes) or focal (Keras' focal "
          "cross-entropy, gamma 2: easy, well-classified examples count less).", "train", choices=LOSSES,
          label="Loss"),
    Param("augment", "bool", False, "Random shifts, rotations and zoom of training images.", "train",
          label="Augment images (shifts, rotations, zoom)"),
    Param("synthetic_digits", "int", 0, "MNIST only: add this many pen-drawn digits to the training set: two "
          "thirds are training digits redrawn with a canvas pen, the rest from synthetic training writers "
          "(never the evaluation writers).", "train", 0, 100000,
          label="Synthetic pen-drawn digits"),
    Param("seed", "int", 0, "Random seed (data order, initial weights).", "train", 0, 2**31 - 1, label="Seed"),
    Param("lr_find", "int", 0, "Learning-rate finder: instead of training, sweep the rate exponentially over this "
          "many batches and record the loss (0 = train normally).", "train", 0, 5000,
          label="Learning-rate finder batches (0 = train normally)"),
    Param("cv_folds", "int", 0, "Cross-validation: split the training data into this many stratified folds, "
          "validate on one of them and train on the others (0 = off: the validation share validates).", "train",
          0, 20, label="Cross-validation folds (0 = off)"),
    Param("cv_fold", "int", 0, "Cross-validation: which fold validates (counted from 0).", "train", 0, 19,
          label="Validation fold"),
)
PARAM_BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}


def _defaults() -> dict[str, Any]:
    return {p.name: p.default for p in PARAMS}


@dataclass(frozen=True)
class SpecIssue:
    """One problem with a spec: the parameter it is about ("" when none) and a plain-text message."""

    param: str
    message: str


class SpecError(ValueError):
    """Raised with every problem of a spec at once: ``.issues`` (SpecIssue) and ``.errors`` (their messages)."""

    def __init__(self, problems: Sequence[SpecIssue | str]):
        self.issues = [p if isinstance(p, SpecIssue) else SpecIssue("", str(p)) for p in problems]
        self.errors = [i.message for i in self.issues]
        super().__init__("; ".join(self.errors))


def value_issue(p: Param, value: Any, problem: ValueProblem) -> SpecIssue:
    """The issue for an outside value ``_coerce`` refused: "lr = 'fast' is not a valid number: allowed ..."."""
    where = f": {p.allowed()}" if p.kind in ("int", "float") and p.lo is not None else ""
    return SpecIssue(p.name, f"{p.name} = {show(value)} {problem.reason}{where}.")


def _coerce(p: Param, value: Any) -> Any:
    """A typed value for ``p``; raises ValueProblem (non-finite, overflowing, unparsable...)."""
    return coerce(p.kind, value)


@dataclass(frozen=True)
class RunSpec:
    """A complete, serialisable description of one training run."""

    values: Mapping[str, Any] = field(default_factory=_defaults)

    # -- access -------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name in PARAM_BY_NAME:
            return self.values.get(name, PARAM_BY_NAME[name].default)
        raise AttributeError(name)

    def replace(self, **changes: Any) -> "RunSpec":
        """A copy with these values (coerced); SpecError names every one refused."""
        return RunSpec({**self.values, **_coerce_all(changes, strict=True)})

    def as_dict(self) -> dict[str, Any]:
        out = _defaults()
        out.update(self.values)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    # -- validation ---------------------------------------------------------
    def issues(self, known_datasets: Iterable[str] | None = None,
               known_models: Iterable[str] | None = None) -> list[SpecIssue]:
        """Every problem with this spec, as (parameter, message); each message names the allowed range."""
        out: list[SpecIssue] = []
        d = self.as_dict()
        for p in PARAMS:
            v = d[p.name]
            if p.kind in ("int", "float"):
                if p.lo is not None and v < p.lo or p.hi is not None and v > p.hi:
                    out.append(SpecIssue(p.name, f"{p.name} = {fmt(v)} is out of range: allowed {fmt(p.lo)} "
                                                 f"to {fmt(p.hi)}."))
            if p.choices and p.kind == "str" and v not in p.choices:
                out.append(SpecIssue(p.name, f"{p.name} = {show(v)} is not one of: {', '.join(p.choices)}."))
            if p.choices and p.kind == "strs":
                bad = [show(x) for x in v if x not in p.choices]
                if bad:
                    out.append(SpecIssue(p.name, f"{p.name}: {', '.join(bad[:5])} not among: "
                                                 f"{', '.join(p.choices)}."))
        out += _structure(d)
        for name, known in (("dataset", known_datasets), ("model", known_models)):
            upload = name == "dataset" and _stored_upload(d[name])  # upload:<key>, stored on this server
            if known is not None and d[name] not in set(known) and not upload:
                out.append(SpecIssue(name, f"{name} {show(d[name])} is unknown: choose one of "
                                           f"{', '.join(sorted(known))}."))
        return out

    def errors(self, known_datasets: Iterable[str] | None = None,
               known_models: Iterable[str] | None = None) -> list[str]:
        """The messages of ``issues()`` (kept for callers that only show them)."""
        return [i.message for i in self.issues(known_datasets, known_models)]

    def validated(self, **known: Iterable[str]) -> "RunSpec":
        issues = self.issues(**known)
        if issues:
            raise SpecError(issues)
        return self

    # -- serialisation ------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> "RunSpec":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SpecError([f"the spec is not valid JSON: {exc}"]) from exc
        if not isinstance(data, dict):
            raise SpecError(["the spec must be a JSON object of parameter names and values."])
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], strict: bool = True) -> "RunSpec":
        """Build from typed or string values. Unknown keys raise unless ``strict`` is False."""
        return cls({**_defaults(), **_coerce_all(data, strict)})

    def to_query(self) -> dict[str, str]:
        """Only the values that differ from the defaults, as strings: a short, shareable URL."""
        out = {}
        d = self.as_dict()
        for p in PARAMS:
            default = list(p.default) if isinstance(p.default, tuple) else p.default
            if d[p.name] != default:
                out[p.name] = to_text(p.kind, d[p.name])
        return out

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "RunSpec":
        """Parse URL parameters strictly; keys that are not spec parameters (``run``, ``page``) are ignored.

        A page opening a link uses ``spec_query.parse_query`` instead, which keeps the good values.
        """
        return cls.from_mapping({k: v for k, v in query.items() if k in PARAM_BY_NAME})


def _coerce_all(data: Mapping[str, Any], strict: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    issues: list[SpecIssue] = []
    for k, v in data.items():
        p = PARAM_BY_NAME.get(k)
        if p is None:
            if strict:
                issues.append(SpecIssue(str(k), f"unknown parameter {show(k)}"))
            continue
        try:
            values[k] = _coerce(p, v)
        except ValueProblem as exc:
            issues.append(value_issue(p, v, exc))
    if issues:
        raise SpecError(issues)
    return values


def _structure(d: Mapping[str, Any]) -> list[SpecIssue]:
    """Checks across values: layer counts and sizes, one activation per layer, distinct classes."""
    out = []
    if any(u < 1 or u > 4096 for u in d["hidden"]):
        out.append(SpecIssue("hidden", "hidden: each layer needs 1 to 4096 units."))
    if len(d["hidden"]) > 16:
        out.append(SpecIssue("hidden", "hidden: at most 16 layers."))
    if any(f < 1 or f > 1024 for f in d["filters"]):
        out.append(SpecIssue("filters", "filters: each conv block needs 1 to 1024 filters."))
    if len(d["filters"]) > 8:
        out.append(SpecIssue("filters", "filters: at most 8 conv blocks."))
    if len(d["activation"]) not in (0, 1, len(d["hidden"])):
        out.append(SpecIssue("activation", f"activation: give one value or one per hidden layer "
                                           f"({len(d['hidden'])})."))
    if not d["features"] or len(set(d["features"])) < len(d["features"]):
        out.append(SpecIssue("features", "features: pick at least one input feature, each once."))
    if d["classes"] and len(set(d["classes"])) < 2:
        out.append(SpecIssue("classes", "classes: pick at least two different classes."))
    return out


def _stored_upload(name: Any) -> bool:
    """An uploaded dataset (``upload:<key>``) stored on this server: known, though not in the dataset table."""
    if not (isinstance(name, str) and name.startswith("upload:")):
        return False
    from synaptic_core.data.uploads.store import exists  # lazy: the data layer imports this module

    return exists(name)


def cli_flag(name: str) -> str:
    """``batch_size`` -> ``--batch-size``."""
    return "--" + name.replace("_", "-")


def spec_fields() -> list[str]:
    return [p.name for p in PARAMS]


def allowed(name: str) -> str:
    """What parameter ``name`` allows, in words (see ``Param.allowed``)."""
    return PARAM_BY_NAME[name].allowed()


_KIND_WORD = KIND_WORD  # the old private name

__all__ = ["Param", "PARAMS", "PARAM_BY_NAME", "RunSpec", "SpecError", "SpecIssue", "OPTIMIZERS", "ACTIVATIONS",
           "POOLING", "IMBALANCE", "LOSSES", "TOY_FEATURES", "cli_flag", "spec_fields", "allowed"]
