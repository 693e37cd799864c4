"""The one optimizer table: stable name -> title, ``keras.optimizers`` class and keywords.

The run spec (``spec.optimizer``), the Keras factory used by training
(``synaptic_core.training.optimizers.make_optimizer``) and the optimizer lab
(``synaptic_core.labs.optim_paths``) all read this table, so "momentum" means the same
``SGD(momentum=0.9)`` in a URL, on the command line, in a training job and on a loss surface.

A row holds the Keras class name (an attribute of ``keras.optimizers``), the keywords that
make the variant and are never exposed (``nesterov=True``), and the settings a user may
change besides the learning rate, with their defaults (Keras' own defaults, except
momentum's 0.9 that makes "momentum" momentum). ``in_spec`` says whether the name is a
choice of the run spec; the lab offers every row. Keras is imported only when an optimizer
is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Setting:
    """One hyperparameter of an optimizer, with the range a widget should allow."""

    name: str  # the keras.optimizers keyword
    label: str
    default: float
    lo: float
    hi: float
    help: str


@dataclass(frozen=True)
class OptimizerInfo:
    """A row of the optimizer table."""

    name: str
    title: str
    keras_class: str  # attribute of keras.optimizers
    fixed: Mapping[str, Any]  # keywords that make the variant (nesterov=True) and are not exposed
    settings: tuple[Setting, ...]  # besides the learning rate
    blurb: str
    in_spec: bool = True  # a choice of RunSpec.optimizer (the playground, the CLI); the lab offers all rows
    defaults: Mapping[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "defaults", {s.name: s.default for s in self.settings})

    def kwargs(self, learning_rate: float, config: Mapping[str, float] | None = None) -> dict[str, Any]:
        """Keyword arguments of the Keras class: learning rate, settings (defaults < ``config``), fixed ones."""
        out: dict[str, Any] = {"learning_rate": float(learning_rate), **self.defaults}
        out.update({k: float(v) for k, v in (config or {}).items() if k != "learning_rate"})
        out.update(self.fixed)
        return out


def _s(name: str, label: str, default: float, lo: float, hi: float, help: str) -> Setting:
    return Setting(name, label, default, lo, hi, help)


_MOMENTUM = _s("momentum", "momentum", 0.9, 0.0, 0.999, "Share of the last update kept (heavy ball).")
_BETA_1 = _s("beta_1", "beta_1", 0.9, 0.0, 0.999, "Decay of the running mean of gradients.")
_BETA_2 = _s("beta_2", "beta_2", 0.999, 0.0, 0.99999, "Decay of the running mean of squared gradients.")

OPTIMIZER_TABLE: dict[str, OptimizerInfo] = {o.name: o for o in (
    OptimizerInfo("sgd", "SGD", "SGD", {}, (),
                  "x <- x - lr * g: the step is proportional to the gradient."),
    OptimizerInfo("momentum", "Momentum", "SGD", {}, (_MOMENTUM,),
                  "A velocity that accumulates gradients: faster along valleys, overshoots at the end."),
    OptimizerInfo("nesterov", "Nesterov", "SGD", {"nesterov": True}, (_MOMENTUM,),
                  "Momentum with the gradient taken at the look-ahead point: less overshoot."),
    OptimizerInfo("rmsprop", "RMSprop", "RMSprop", {},
                  (_s("rho", "rho", 0.9, 0.0, 0.999, "Decay of the running mean of squared gradients."),
                   _s("momentum", "momentum", 0.0, 0.0, 0.999, "Momentum on the normalised step.")),
                  "Divides each coordinate's step by the RMS of its recent gradients."),
    OptimizerInfo("adagrad", "Adagrad", "Adagrad", {},
                  (_s("initial_accumulator_value", "initial accumulator", 0.1, 0.0, 10.0,
                      "Starting value of the sum of squared gradients."),),
                  "Divides by the root of the sum of all past squared gradients: steps shrink."),
    OptimizerInfo("adadelta", "Adadelta", "Adadelta", {},
                  (_s("rho", "rho", 0.95, 0.0, 0.999, "Decay of both running means."),
                   _s("epsilon", "epsilon", 1e-6, 1e-10, 0.1, "Sets the first step size (about sqrt(epsilon))."),),
                  "Step = RMS of past updates / RMS of past gradients: lr 1 is the paper's rule.", in_spec=False),
    OptimizerInfo("adam", "Adam", "Adam", {}, (_BETA_1, _BETA_2),
                  "Momentum on the gradient divided by its RMS: every coordinate moves about lr per step."),
    OptimizerInfo("adamw", "AdamW", "AdamW", {},
                  (_s("weight_decay", "weight decay", 0.004, 0.0, 1.0, "Pulls the weights towards 0 (decoupled)."),
                   _BETA_1, _BETA_2), "Adam with decoupled weight decay towards the origin."),
    OptimizerInfo("nadam", "Nadam", "Nadam", {}, (_BETA_1, _BETA_2),
                  "Adam with a Nesterov look-ahead on the momentum."),
    OptimizerInfo("adamax", "Adamax", "Adamax", {}, (_BETA_1, _BETA_2),
                  "Adam with the infinity norm (max of past |g|) instead of the RMS.", in_spec=False),
    OptimizerInfo("lion", "Lion", "Lion", {},
                  (_s("beta_1", "beta_1", 0.9, 0.0, 0.999, "Mix of momentum and gradient used for the sign."),
                   _s("beta_2", "beta_2", 0.99, 0.0, 0.99999, "Decay of the momentum.")),
                  "Moves every coordinate by exactly lr, in the sign of a momentum mix.", in_spec=False),
    OptimizerInfo("ftrl", "FTRL", "Ftrl", {},
                  (_s("learning_rate_power", "lr power", -0.5, -1.0, 0.0, "How fast the per-coordinate rate decays."),
                   _s("l1_regularization_strength", "l1", 0.0, 0.0, 10.0, "L1 pull towards 0 (sparsity)."),
                   _s("l2_regularization_strength", "l2", 0.0, 0.0, 10.0, "L2 pull towards 0.")),
                  "Follow-the-regularised-leader: per-coordinate rates like Adagrad; its iterate is a "
                  "closed form of the summed gradients centred at 0, so the start point is forgotten.", in_spec=False),
)}

# The choices of RunSpec.optimizer, in table order.
SPEC_OPTIMIZERS: tuple[str, ...] = tuple(n for n, o in OPTIMIZER_TABLE.items() if o.in_spec)


def keras_optimizer(name: str, learning_rate: float, config: Mapping[str, float] | None = None) -> Any:
    """A fresh ``keras.optimizers`` instance of row ``name`` (settings: defaults < ``config``)."""
    info = OPTIMIZER_TABLE.get(name)
    if info is None:
        raise ValueError(f"optimizer {name!r} is unknown: choose one of {', '.join(OPTIMIZER_TABLE)}.")
    import keras

    return getattr(keras.optimizers, info.keras_class)(**info.kwargs(learning_rate, config))


__all__ = ["Setting", "OptimizerInfo", "OPTIMIZER_TABLE", "SPEC_OPTIMIZERS", "keras_optimizer"]
