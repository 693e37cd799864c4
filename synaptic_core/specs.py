"""The run spec: the one object that flows from widgets to URL to job to store to CLI.

Like tensorflow/playground's ``state.ts``, the whole configuration is one flat,
declarative table of parameters (``PARAMS``). Each row says its name, type, default,
allowed range and a help line, and that single table drives:

* validation (``RunSpec.validate`` -> messages that say what range is allowed),
* the URL query string (``to_query`` / ``from_query``),
* JSON for the job runner and the store (``to_json`` / ``from_json``),
* the CLI flags (``--batch-size`` for ``batch_size``).

Names are stable and lower-case; later features add rows, never rename them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam", "adamw", "nadam")
ACTIVATIONS = (
    "relu", "leaky_relu", "relu6", "elu", "selu", "gelu", "silu", "mish", "sigmoid",
    "hard_sigmoid", "tanh", "softplus", "softsign", "linear",
)
POOLING = ("max", "avg", "none")


@dataclass(frozen=True)
class Param:
    """One row of the parameter table: everything needed to validate and serialise a field."""

    name: str
    kind: str  # "int" | "float" | "str" | "bool" | "ints" | "strs"
    default: Any
    help: str
    section: str
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] | None = None
    log: bool = False  # a slider on a log scale (learning rate)


PARAMS: tuple[Param, ...] = (
    # data
    Param("dataset", "str", "mnist", "Dataset name (see `python -m synaptic_core datasets`).", "data"),
    Param("source", "str", "auto", "Where the data comes from: auto (local data dir, Keras cache, then the bundled "
          "sample) or bundled (always the bundled offline sample).", "data", choices=("auto", "bundled")),
    Param("subset", "int", 10000, "Training examples used (0 = all of them).", "data", 0, 10_000_000),
    Param("classes", "ints", (), "Keep only these class indices (two of them makes a binary classifier).", "data"),
    Param("noise", "float", 0.1, "Noise added to the toy 2-D sets.", "data", 0.0, 1.0),
    Param("n_points", "int", 600, "Points generated for a toy 2-D set.", "data", 50, 20000),
    Param("train_ratio", "float", 0.5, "Share used for training (toy sets; time series, split in time order).",
          "data", 0.1, 0.9),
    Param("look_back", "int", 12, "Time series: past values the model sees to predict the next one.", "data", 1, 240),
    Param("cycle", "float", 50.0, "Sine: steps per cycle.", "data", 4.0, 1000.0),
    Param("horizon", "int", 24, "Time series: steps forecast past the end of the data.", "data", 1, 500),
    Param("vocab_size", "int", 10000, "Text: most frequent training words kept.", "data", 100, 100000),
    Param("seq_len", "int", 200, "Text: words per review (longer ones keep their end); characters per window.",
          "data", 5, 2000),
    Param("stride", "int", 3, "Characters: step between training windows.", "data", 1, 1000),
    # model
    Param("model", "str", "mlp", "Architecture name (logreg, mlp, cnn, mini-alexnet, resnet-small).", "model"),
    Param("hidden", "ints", (128,), "Units of each dense hidden layer.", "model"),
    Param("activation", "strs", ("relu",), "Activation of each hidden layer (one value applies to all).", "model",
          choices=ACTIVATIONS),
    Param("units", "int", 64, "Recurrent units (SimpleRNN, LSTM, GRU) or model width of sequence models.", "model",
          1, 2048),
    Param("embed_dim", "int", 32, "Sequence models: size of the word or character embedding.", "model", 2, 1024),
    Param("dropout", "float", 0.0, "Dropout rate after each block.", "model", 0.0, 0.9),
    Param("batch_norm", "bool", False, "Batch normalisation after each dense or conv layer.", "model"),
    Param("filters", "ints", (32, 64), "Filters of each conv block.", "model"),
    Param("kernel", "int", 3, "Convolution kernel size.", "model", 1, 11),
    Param("pool", "str", "max", "Pooling after each conv block.", "model", choices=POOLING),
    # training
    Param("optimizer", "str", "adam", "Optimizer.", "train", choices=OPTIMIZERS),
    Param("lr", "float", 1e-3, "Learning rate.", "train", 1e-6, 10.0, log=True),
    Param("batch_size", "int", 128, "Batch size.", "train", 1, 8192),
    Param("epochs", "int", 5, "Epochs.", "train", 1, 1000),
    Param("l2", "float", 0.0, "L2 weight penalty on kernels.", "train", 0.0, 1.0),
    Param("validation_split", "float", 0.1, "Share of the training data held out for validation.", "train", 0.0, 0.5),
    Param("early_stopping", "int", 0, "Stop after this many epochs without val-loss improvement (0 = off).", "train", 0, 100),
    Param("reduce_lr", "int", 0, "Halve the learning rate after this many flat epochs (0 = off).", "train", 0, 100),
    Param("augment", "bool", False, "Random shifts, rotations and zoom of training images.", "train"),
    Param("synthetic_digits", "int", 0, "MNIST only: add this many synthetic pen-drawn digits (training writers, "
          "never the evaluation writers) to the training set.", "train", 0, 100000),
    Param("seed", "int", 0, "Random seed (data order, initial weights).", "train", 0, 2**31 - 1),
)
PARAM_BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}


def _defaults() -> dict[str, Any]:
    return {p.name: p.default for p in PARAMS}


class SpecError(ValueError):
    """Raised with every problem of a spec at once; ``.errors`` holds one message per field."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


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
        unknown = [k for k in changes if k not in PARAM_BY_NAME]
        if unknown:
            raise SpecError([f"unknown parameter {k!r}" for k in unknown])
        merged = dict(self.values)
        merged.update({k: _coerce(PARAM_BY_NAME[k], v) for k, v in changes.items()})
        return RunSpec(merged)

    def as_dict(self) -> dict[str, Any]:
        out = _defaults()
        out.update(self.values)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    # -- validation ---------------------------------------------------------
    def errors(self, known_datasets: Iterable[str] | None = None,
               known_models: Iterable[str] | None = None) -> list[str]:
        """Every problem with this spec, each message naming the allowed range."""
        errs: list[str] = []
        d = self.as_dict()
        for p in PARAMS:
            v = d[p.name]
            if p.kind in ("int", "float"):
                if p.lo is not None and v < p.lo or p.hi is not None and v > p.hi:
                    errs.append(f"{p.name} = {_fmt(v)} is out of range: allowed {_fmt(p.lo)} to {_fmt(p.hi)}.")
            if p.choices and p.kind == "str" and v not in p.choices:
                errs.append(f"{p.name} = {v!r} is not one of: {', '.join(p.choices)}.")
            if p.choices and p.kind == "strs":
                bad = [x for x in v if x not in p.choices]
                if bad:
                    errs.append(f"{p.name}: {', '.join(bad)} not among: {', '.join(p.choices)}.")
        if any(u < 1 or u > 4096 for u in d["hidden"]):
            errs.append("hidden: each layer needs 1 to 4096 units.")
        if len(d["hidden"]) > 16:
            errs.append("hidden: at most 16 layers.")
        if any(f < 1 or f > 1024 for f in d["filters"]):
            errs.append("filters: each conv block needs 1 to 1024 filters.")
        if len(d["filters"]) > 8:
            errs.append("filters: at most 8 conv blocks.")
        if len(d["activation"]) not in (0, 1, len(d["hidden"])):
            errs.append(f"activation: give one value or one per hidden layer ({len(d['hidden'])}).")
        if d["classes"] and len(set(d["classes"])) < 2:
            errs.append("classes: pick at least two different classes.")
        if known_datasets is not None and d["dataset"] not in set(known_datasets):
            errs.append(f"dataset {d['dataset']!r} is unknown: choose one of {', '.join(sorted(known_datasets))}.")
        if known_models is not None and d["model"] not in set(known_models):
            errs.append(f"model {d['model']!r} is unknown: choose one of {', '.join(sorted(known_models))}.")
        return errs

    def validated(self, **known: Iterable[str]) -> "RunSpec":
        errs = self.errors(**known)
        if errs:
            raise SpecError(errs)
        return self

    # -- serialisation ------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "RunSpec":
        return cls.from_mapping(json.loads(text))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], strict: bool = True) -> "RunSpec":
        """Build from typed or string values. Unknown keys raise unless ``strict`` is False."""
        values = _defaults()
        errs = []
        for k, v in data.items():
            p = PARAM_BY_NAME.get(k)
            if p is None:
                if strict:
                    errs.append(f"unknown parameter {k!r}")
                continue
            try:
                values[k] = _coerce(p, v)
            except (TypeError, ValueError):
                errs.append(f"{k} = {v!r} is not a valid {_KIND_WORD[p.kind]}.")
        if errs:
            raise SpecError(errs)
        return cls(values)

    def to_query(self) -> dict[str, str]:
        """Only the values that differ from the defaults, as strings: a short, shareable URL."""
        out = {}
        for p in PARAMS:
            v = self.as_dict()[p.name]
            default = list(p.default) if isinstance(p.default, tuple) else p.default
            if v != default:
                out[p.name] = _to_text(p, v)
        return out

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "RunSpec":
        """Parse URL parameters; keys that are not spec parameters (``run``, ``page``) are ignored."""
        return cls.from_mapping({k: v for k, v in query.items() if k in PARAM_BY_NAME})


_KIND_WORD = {"int": "whole number", "float": "number", "str": "name", "bool": "true/false",
              "ints": "comma-separated list of whole numbers", "strs": "comma-separated list of names"}


def _fmt(x: float | None) -> str:
    if x is None:
        return "any"
    return f"{x:g}"


def _coerce(p: Param, v: Any) -> Any:
    if p.kind == "int":
        if isinstance(v, bool):
            raise ValueError(v)
        f = float(v)
        if f != int(f):
            raise ValueError(v)
        return int(f)
    if p.kind == "float":
        if isinstance(v, bool):
            raise ValueError(v)
        return float(v)
    if p.kind == "bool":
        if isinstance(v, bool):
            return v
        s = str(v).strip().lower()
        if s in ("1", "true", "yes", "on"):
            return True
        if s in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(v)
    if p.kind == "str":
        return str(v).strip().lower()
    if p.kind == "ints":
        items = _split(v)
        return tuple(_coerce(Param("_", "int", 0, "", ""), x) for x in items)
    if p.kind == "strs":
        return tuple(str(x).strip().lower() for x in _split(v))
    raise ValueError(p.kind)


def _split(v: Any) -> list[Any]:
    if isinstance(v, str):
        return [x for x in (s.strip() for s in v.split(",")) if x]
    return list(v)


def _to_text(p: Param, v: Any) -> str:
    if p.kind in ("ints", "strs"):
        return ",".join(str(x) for x in v)
    if p.kind == "bool":
        return "1" if v else "0"
    if p.kind == "float":
        return f"{v:g}"
    return str(v)


def cli_flag(name: str) -> str:
    """``batch_size`` -> ``--batch-size``."""
    return "--" + name.replace("_", "-")


def spec_fields() -> list[str]:
    return [p.name for p in PARAMS]


__all__ = ["Param", "PARAMS", "PARAM_BY_NAME", "RunSpec", "SpecError", "OPTIMIZERS", "ACTIVATIONS",
           "POOLING", "cli_flag", "spec_fields"]
