"""How big a model will be, computed from the spec alone: parameters and training memory.

Why arithmetic instead of building the model: building allocates every weight at once (a
dense net of sixteen 4,096-unit layers is 255 M parameters, 1 GB of weights before training
adds gradients and Adam's two slots: the 4.4 GB worker of issue 11), and it needs TensorFlow,
which the Streamlit process must not import. So each builder of ``registry.MODELS`` has a twin
here that walks the same layers and counts, with Keras' own formulas (a Dense layer on d inputs
has d*u + u weights, BatchNormalization 4 per channel, an LSTM 4*(d*u + u*u + u)...).
``tests/unit/test_model_size.py`` checks every twin against ``keras.Model.count_params()``, so a
builder that changes without its twin fails there.

Memory is an estimate of what training holds at its peak, in bytes (float32):
weights + gradients + optimizer slots (Adam: 2 per weight) + the activations of one batch kept
for the backward pass (x2 for their gradients). It leaves out the framework itself (TensorFlow's
own few hundred MB) and the dataset, which the data layer sizes separately.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

FLOAT_BYTES = 4
ACTIVATION_FACTOR = 2  # an activation kept for the backward pass, and its gradient
CHARS_VOCAB_BOUND = 128  # alphabet size assumed before the text is read (Tiny Shakespeare has 65)
# optimizer slots per weight, by Keras class (spec_optimizers.OPTIMIZER_TABLE's keras_class)
_SLOTS = {"SGD": 0, "RMSprop": 1, "Adagrad": 1, "Adadelta": 2, "Adam": 2, "AdamW": 2, "Nadam": 2, "Adamax": 2,
          "Lion": 1, "Ftrl": 2}


@dataclass(frozen=True)
class ModelSize:
    """What a model of a spec will weigh. ``activations``: floats of layer outputs per example."""

    params: int
    activations: int
    optimizer_slots: int
    batch_size: int

    @property
    def weight_bytes(self) -> int:
        """Weights, gradients and optimizer slots."""
        return self.params * FLOAT_BYTES * (2 + self.optimizer_slots)

    @property
    def activation_bytes(self) -> int:
        """Activations of one batch, and their gradients."""
        return self.activations * self.batch_size * FLOAT_BYTES * ACTIVATION_FACTOR

    @property
    def memory_bytes(self) -> int:
        return self.weight_bytes + self.activation_bytes

    @property
    def memory_mb(self) -> float:
        return self.memory_bytes / 1e6


@dataclass(frozen=True)
class DataShape:
    """What a builder needs from the data: input shape, classes (0: regression), task, vocabulary."""

    input_shape: tuple[int, ...]
    n_classes: int
    task: str  # the task models are listed under (``Task.models_for``)
    vocab: int | None = None


class _Count:
    """A running count of parameters and activation floats while walking a model's layers."""

    def __init__(self) -> None:
        self.params = 0
        self.acts = 0

    def out(self, *shape: int) -> tuple[int, ...]:
        """A layer produced ``shape`` per example."""
        self.acts += math.prod(shape)
        return shape

    def dense(self, d: int, units: int, bias: bool = True) -> int:
        self.params += d * units + (units if bias else 0)
        return units

    def bn(self, channels: int) -> None:
        self.params += 4 * channels  # gamma, beta, moving mean, moving variance


# -- one twin per builder -------------------------------------------------------------------------
def _head(c: _Count, spec: Any, d: int, n_classes: int) -> None:
    """models.common.head: Dense(+BN)(+act)(+dropout) per hidden layer, then the classifier."""
    for units in spec.hidden:
        d = c.dense(d, units)
        c.out(units)
        if spec.batch_norm:
            c.bn(units)
            c.out(units)
        c.out(units)  # activation
        if spec.dropout > 0:
            c.out(units)
    c.dense(d, max(n_classes, 1))
    c.out(max(n_classes, 1))


def _image_stem(c: _Count, shape: tuple[int, ...]) -> tuple[int, ...]:
    c.out(*shape)  # the input (and its rescaled copy for images)
    if len(shape) == 3:
        c.out(*shape)
    return shape


def _same(size: int, stride: int) -> int:
    return -(-size // stride)  # ceil: padding="same"


def _logreg(c: _Count, spec: Any, ds: DataShape) -> None:
    shape = _image_stem(c, ds.input_shape)
    c.dense(math.prod(shape), max(ds.n_classes, 1))
    c.out(max(ds.n_classes, 1))


def _mlp(c: _Count, spec: Any, ds: DataShape) -> None:
    shape = _image_stem(c, ds.input_shape)
    _head(c, spec, math.prod(shape), ds.n_classes)


def _conv_block(c: _Count, spec: Any, h: int, w: int, cin: int, f: int, k: int, pool: str,
                pool_stride: int = 2, bias: bool = True, bn: bool | None = None, dropout: bool = True) -> tuple:
    c.params += k * k * cin * f + (f if bias else 0)
    c.out(h, w, f)
    if spec.batch_norm if bn is None else bn:
        c.bn(f)
        c.out(h, w, f)
    c.out(h, w, f)  # activation
    if pool != "none":
        h, w = _same(h, pool_stride), _same(w, pool_stride)
        c.out(h, w, f)
    if dropout and spec.dropout > 0:
        c.out(h, w, f)
    return h, w, f


def _cnn(c: _Count, spec: Any, ds: DataShape) -> None:
    h, w, ch = _image_stem(c, ds.input_shape)
    for f in spec.filters:
        h, w, ch = _conv_block(c, spec, h, w, ch, f, spec.kernel, spec.pool)
    _head(c, spec, h * w * ch, ds.n_classes)


def _mini_alexnet(c: _Count, spec: Any, ds: DataShape) -> None:
    h, w, ch = _image_stem(c, ds.input_shape)
    for f, k, pool in ((48, 5, "max"), (96, 5, "max"), (128, 3, "none"), (128, 3, "none"), (96, 3, "max")):
        h, w, ch = _conv_block(c, spec, h, w, ch, f, k, pool, dropout=False)
    _head(c, spec, h * w * ch, ds.n_classes)


def _resnet_small(c: _Count, spec: Any, ds: DataShape) -> None:
    h, w, ch = _image_stem(c, ds.input_shape)
    widths = tuple(spec.filters) or (32, 64, 128)
    h, w, ch = _conv_block(c, spec, h, w, ch, widths[0], 3, "none", bias=False, bn=True, dropout=False)
    for i, f in enumerate(widths):
        stride = 1 if i == 0 else 2
        h2, w2 = _same(h, stride), _same(w, stride)
        c.params += 9 * ch * f + 9 * f * f
        c.bn(f)
        c.bn(f)
        c.out(h2, w2, f)
        c.out(h2, w2, f)
        c.out(h2, w2, f)
        c.out(h2, w2, f)
        c.out(h2, w2, f)
        if stride != 1 or ch != f:
            c.params += ch * f
            c.bn(f)
            c.out(h2, w2, f)
            c.out(h2, w2, f)
        c.out(h2, w2, f)  # add
        c.out(h2, w2, f)  # activation
        h, w, ch = h2, w2, f
    c.out(ch)
    c.dense(ch, max(ds.n_classes, 1))
    c.out(max(ds.n_classes, 1))


def _digit_cnn(c: _Count, spec: Any, ds: DataShape) -> None:
    from synaptic_core.digits.model import STAGES

    h, w, ch = _image_stem(c, ds.input_shape)
    a, b, last = STAGES
    for f, pool in ((a, "none"), (a, "max"), (b, "none"), (b, "max"), (last, "none")):
        h, w, ch = _conv_block(c, spec, h, w, ch, f, 3, pool, bias=False, bn=True, dropout=False)
    c.out(ch)
    c.dense(ch, max(ds.n_classes, 1))
    c.out(max(ds.n_classes, 1))


def _seq_inputs(c: _Count, spec: Any, ds: DataShape) -> tuple[int, int]:
    """(steps, features) after the input (and the embedding of token ids)."""
    steps = ds.input_shape[0]
    if ds.vocab is None:  # series windows (look_back, 1)
        c.out(*ds.input_shape)
        return steps, math.prod(ds.input_shape[1:]) or 1
    c.params += ds.vocab * spec.embed_dim
    c.out(steps)
    c.out(steps, spec.embed_dim)
    return steps, spec.embed_dim


def _seq_output(c: _Count, d: int, n_classes: int) -> None:
    c.dense(d, n_classes if n_classes else 1)
    c.out(n_classes if n_classes else 1)


_GATES = {"rnn": 1, "lstm": 4, "gru": 3, "bilstm": 4, "bigru": 3, "char-rnn": 3}


def _recurrent(c: _Count, spec: Any, ds: DataShape) -> None:
    """models.sequence.build_recurrent: ``spec.rnn_layers`` stacked layers; each after the first reads
    the previous one's states (``directions * units`` features per step), not the embedding."""
    steps, d = _seq_inputs(c, spec, ds)
    u, gates = spec.units, _GATES[spec.model]
    directions = 2 if spec.model.startswith("bi") else 1
    out = directions * u
    layers = int(spec.rnn_layers)
    for i in range(layers):
        per_direction = gates * (d * u + u * u + u) + (gates * u if gates == 3 else 0)  # GRU: reset_after bias
        c.params += directions * per_direction
        c.acts += directions * steps * u * (gates + 2)  # gate values and states kept for the backward pass
        seq = i < layers - 1  # the next layer reads every step's state (char-rnn's last: one state, as before)
        c.out(*((steps, out) if seq else (out,)))
        if spec.dropout > 0:
            c.out(*((steps, out) if seq else (out,)))
        d = out
    _seq_output(c, out, ds.n_classes)


def _conv1d(c: _Count, spec: Any, ds: DataShape) -> None:
    steps, d = _seq_inputs(c, spec, ds)
    k = spec.kernel if spec.kernel > 1 else 5
    c.params += k * d * spec.units + spec.units
    c.out(steps, spec.units)
    c.out(spec.units)
    if spec.dropout > 0:
        c.out(spec.units)
    _seq_output(c, spec.units, ds.n_classes)


def _transformer(c: _Count, spec: Any, ds: DataShape) -> None:
    steps, e = _seq_inputs(c, spec, ds)
    c.params += steps * e  # position embedding
    heads = max(1, e // 16)
    kd = e // heads
    c.params += 3 * (e * heads * kd + heads * kd) + heads * kd * e + e  # query, key, value, output
    c.acts += 3 * steps * heads * kd + 2 * heads * steps * steps  # projections; scores and softmax
    for _ in range(6):  # attention out, dropout, add, norm, ...
        c.out(steps, e)
    c.params += 2 * e  # norm1
    c.dense(e, spec.units)
    c.out(steps, spec.units)
    c.dense(spec.units, e)
    c.params += 2 * e  # norm2
    for _ in range(4):
        c.out(steps, e)
    c.out(e)
    _seq_output(c, e, ds.n_classes)


def _window_mlp(c: _Count, spec: Any, ds: DataShape) -> None:
    steps, d = _seq_inputs(c, spec, ds)
    d = steps * d
    for units in spec.hidden:
        d = c.dense(d, units)
        c.out(units)
    _seq_output(c, d, ds.n_classes)


_M = "synaptic_core.models."
TWINS: dict[str, Callable[[_Count, Any, DataShape], None]] = {
    _M + "dense:build_logreg": _logreg,
    _M + "dense:build_mlp": _mlp,
    _M + "conv:build_cnn": _cnn,
    _M + "conv:build_mini_alexnet": _mini_alexnet,
    _M + "residual:build_resnet_small": _resnet_small,
    "synaptic_core.digits.model:build_digit_cnn": _digit_cnn,
    _M + "sequence:build_recurrent": _recurrent,
    _M + "sequence:build_conv1d": _conv1d,
    _M + "sequence:build_transformer": _transformer,
    _M + "sequence:build_window_mlp": _window_mlp,
}


def builder_of(model: str, task: str) -> str | None:
    """The ``"module:function"`` that ``build_model`` would call (None for an unknown model)."""
    from synaptic_core.models.registry import _SEQUENCE_MLP, MODELS, SEQUENCE_TASKS

    info = MODELS.get(model)
    if info is None:
        return None
    return _SEQUENCE_MLP if task in SEQUENCE_TASKS and model == "mlp" else info.builder


def estimate(spec: Any, data: DataShape) -> ModelSize | None:
    """The size of the model ``spec`` names for data of this shape; None when it cannot be told
    (an unknown model, or a builder without a twin here: the worker's check after building covers it)."""
    twin = TWINS.get(builder_of(spec.model, data.task) or "")
    if twin is None:
        return None
    count = _Count()
    twin(count, spec, data)
    return ModelSize(count.params, count.acts, optimizer_slots(spec), int(spec.batch_size))


def optimizer_slots(spec: Any) -> int:
    """Extra floats per weight the optimizer keeps (SGD 0, momentum 1, Adam 2...)."""
    from synaptic_core.spec_optimizers import OPTIMIZER_TABLE

    info = OPTIMIZER_TABLE.get(spec.optimizer)
    if info is None:
        return 2
    slots = _SLOTS.get(info.keras_class, 2)
    if info.keras_class == "SGD" and info.defaults.get("momentum", 0) > 0:
        slots = 1
    if info.keras_class == "RMSprop" and info.defaults.get("momentum", 0) > 0:
        slots += 1
    return slots


def expected_data(spec: Any) -> DataShape | None:
    """The data shape a spec's dataset will have, from the dataset table (nothing is loaded).

    Sequence sets follow the spec (``seq_len``, ``look_back``, ``vocab_size``); a character set's
    alphabet is bounded by ``CHARS_VOCAB_BOUND`` until its text is read. None for a dataset the
    table does not know (the worker checks again with the real arrays).
    """
    from synaptic_core.data.registry import find_entry
    from synaptic_core.tasks import get_task

    entry = find_entry(spec.dataset)
    if entry is None:
        return None
    try:
        task = get_task(entry.task)
    except ValueError:
        return None
    n_classes = len(spec.classes) if spec.classes else len(entry.class_names)
    if entry.task == "text":
        return DataShape((int(spec.seq_len),), n_classes, task.models_for, vocab=int(spec.vocab_size) + 2)
    if entry.task == "chars":
        return DataShape((int(spec.seq_len),), CHARS_VOCAB_BOUND, task.models_for, vocab=CHARS_VOCAB_BOUND)
    if entry.task == "series":
        return DataShape((int(spec.look_back), 1), 0, task.models_for)
    return DataShape(tuple(int(d) for d in entry.input_shape), n_classes, task.models_for)
