"""The model part of an exported script: ``build_model`` written out layer by layer.

Each writer mirrors one builder of ``synaptic_core/models`` (and ``digits/model.py``): the same
layers, in the same order, with the same settings. Order matters beyond the architecture: under
``keras.utils.set_random_seed`` each new layer draws its initialisers' seeds in turn, so the same
order gives the same initial weights as the app (``tests/unit/test_export_script.py`` checks
weights, not only parameter counts). Layers are written as a tutorial writes them:
``Dense(128, activation="relu")`` where the app has Dense then Activation (the same maths).

Signatures of the generated function: ``build_model(input_shape, n_classes)`` for images, toy
sets and tables; ``build_model(seq_len, vocab_size, n_classes)`` for text and characters;
``build_model(look_back)`` for a time series (one linear output: a regression).
"""

from __future__ import annotations

from typing import Any

from synaptic_core.sequences.chars import every_step

_RNN = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU", "bilstm": "LSTM", "bigru": "GRU", "char-rnn": "GRU"}
_RNN_WORDS = {"SimpleRNN": "a plain recurrent layer", "LSTM": "an LSTM", "GRU": "a GRU"}


def _act(spec: Any, i: int) -> str:
    """Activation of hidden layer i, as the app picks it: one value for all layers, else one per layer."""
    acts = tuple(spec.activation) or ("relu",)
    return acts[i] if len(acts) > 1 else acts[0]


def _reg(spec: Any) -> str:
    return ", kernel_regularizer=keras.regularizers.L2(L2)" if spec.l2 > 0 else ""


def _num(x: float) -> str:
    return repr(float(x))


class _Lines:
    """Collects the entries of a ``keras.Sequential([...])`` list, each with an optional teaching comment."""

    def __init__(self) -> None:
        self.rows: list[str] = []

    def add(self, code: str, comment: str = "") -> None:
        if comment:
            self.rows.append(f"        # {comment}")
        self.rows.append(f"        {code},")

    def sequential(self, name: str, doc: str, signature: str) -> str:
        body = "\n".join(self.rows)
        return (f"def build_model({signature}):\n    \"\"\"{doc}\"\"\"\n    return keras.Sequential([\n{body}\n"
                f"    ], name=\"{name}\")\n")


def _dense_head(lines: _Lines, spec: Any, reg: bool = True) -> None:
    """spec.hidden dense layers (batch norm, activation, dropout), then the softmax classifier."""
    r = _reg(spec) if reg else ""
    for i, units in enumerate(spec.hidden):
        act = _act(spec, i)
        first = f"hidden layer {i + 1}: {units} units, {act}" if i == 0 or len(set(spec.activation)) > 1 else ""
        if spec.batch_norm:
            lines.add(f"layers.Dense({units}{r})", first)
            lines.add("layers.BatchNormalization()", "batch norm rescales the layer's outputs per batch"
                      if i == 0 else "")
            lines.add(f'layers.Activation("{act}")')
        else:
            lines.add(f'layers.Dense({units}, activation="{act}"{r})', first)
        if spec.dropout > 0:
            lines.add(f"layers.Dropout({_num(spec.dropout)})",
                      f"dropout: each training step ignores {spec.dropout:.0%} of these units" if i == 0 else "")
    lines.add(f'layers.Dense(n_classes, activation="softmax"{r})',
              "the classifier: one probability per class")


def _stem(lines: _Lines, image: bool) -> None:
    lines.add("keras.Input(shape=input_shape)")
    if image:
        lines.add("layers.Rescaling(1.0 / 255)", "pixels 0..255 -> 0..1 inside the model, so it takes raw images")


# -- fixed-size inputs: images, toy sets, tables -------------------------------------------------------------

def _logreg(spec: Any, task: str) -> str:
    lines = _Lines()
    _stem(lines, task == "image")
    if task == "image":
        lines.add("layers.Flatten()", "every pixel becomes one input number")
    lines.add(f'layers.Dense(n_classes, activation="softmax"{_reg(spec)})',
              "one dense softmax layer: a weighted sum of the inputs per class")
    return lines.sequential("logreg", "Softmax (logistic) regression: the baseline every network must beat.",
                            "input_shape, n_classes")


def _mlp(spec: Any, task: str) -> str:
    lines = _Lines()
    _stem(lines, task == "image")
    if task == "image":
        lines.add("layers.Flatten()", "the image becomes one long vector")
    _dense_head(lines, spec)
    return lines.sequential("mlp", "A dense (fully connected) network.", "input_shape, n_classes")


def _pool(kind: str) -> str:
    return {"max": "layers.MaxPooling2D(2, padding=\"same\")",
            "avg": "layers.AveragePooling2D(2, padding=\"same\")"}.get(kind, "")


def _cnn(spec: Any, task: str) -> str:
    lines = _Lines()
    _stem(lines, True)
    act, r, k = _act(spec, 0), _reg(spec), spec.kernel
    for i, f in enumerate(spec.filters):
        what = f"conv block {i + 1}: {f} filters of {k}x{k}"
        if spec.pool != "none":
            what += f", then {spec.pool} pooling halves the image"
        if spec.batch_norm:
            lines.add(f'layers.Conv2D({f}, {k}, padding="same"{r})', what)
            lines.add("layers.BatchNormalization()")
            lines.add(f'layers.Activation("{act}")')
        else:
            lines.add(f'layers.Conv2D({f}, {k}, padding="same", activation="{act}"{r})', what)
        if _pool(spec.pool):
            lines.add(_pool(spec.pool))
        if spec.dropout > 0:
            lines.add(f"layers.Dropout({_num(spec.dropout / 2)})",
                      "conv blocks get half the dense layers' dropout" if i == 0 else "")
    lines.add("layers.Flatten()", "the feature maps become one vector for the dense layers")
    _dense_head(lines, spec)
    return lines.sequential("cnn", "A convolutional network: conv blocks, then dense layers.",
                            "input_shape, n_classes")


def _mini_alexnet(spec: Any, task: str) -> str:
    lines = _Lines()
    _stem(lines, True)
    act, r = _act(spec, 0), _reg(spec)
    plan = [(48, 5, True), (96, 5, True), (128, 3, False), (128, 3, False), (96, 3, True)]
    for i, (filters, kernel, pool) in enumerate(plan):
        comment = f"convolution {i + 1}: {filters} filters of {kernel}x{kernel}"
        if spec.batch_norm:
            lines.add(f'layers.Conv2D({filters}, {kernel}, padding="same"{r})', comment)
            lines.add("layers.BatchNormalization()")
            lines.add(f'layers.Activation("{act}")')
        else:
            lines.add(f'layers.Conv2D({filters}, {kernel}, padding="same", activation="{act}"{r})', comment)
        if pool:
            lines.add('layers.MaxPooling2D(3, strides=2, padding="same")',
                      "overlapping 3x3 max pooling with stride 2, as in AlexNet" if i == 0 else "")
    lines.add("layers.Flatten()")
    _dense_head(lines, spec)
    return lines.sequential("mini_alexnet", "AlexNet's shape at CIFAR scale: five convolutions, three "
                            "poolings, dense layers with dropout.", "input_shape, n_classes")


def _resnet_small(spec: Any, task: str) -> str:
    act = _act(spec, 0)
    r = ", kernel_regularizer=reg" if spec.l2 > 0 else ""
    reg_line = "    reg = keras.regularizers.L2(L2)  # the weight penalty of every convolution below\n" if spec.l2 > 0 else ""
    widths = tuple(spec.filters) or (32, 64, 128)
    stages = "\n".join(f"    x = residual_block(x, {w}, stride={1 if i == 0 else 2})"
                       for i, w in enumerate(widths))
    drop = f"    x = layers.Dropout({_num(spec.dropout)})(x)\n" if spec.dropout > 0 else ""
    return f'''def residual_block(x, filters, stride):
    """Two 3x3 convolutions with batch norm, added to a shortcut of the block's input (He et al., 2016)."""
{reg_line}    shortcut = x
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False{r})(x)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("{act}")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False{r})(y)
    y = layers.BatchNormalization()(y)
    if stride != 1 or shortcut.shape[-1] != filters:
        # the shapes differ: a 1x1 convolution projects the shortcut to the new shape
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False{r})(shortcut)
        shortcut = layers.BatchNormalization()(shortcut)
    y = layers.Add()([y, shortcut])
    return layers.Activation("{act}")(y)


def build_model(input_shape, n_classes):
    """A small residual network: a conv stem, one residual block per stage, global average pooling."""
    inputs = keras.Input(shape=input_shape)
    x = layers.Rescaling(1.0 / 255)(inputs)  # pixels 0..255 -> 0..1 inside the model
    x = layers.Conv2D({widths[0]}, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("{act}")(x)
    # every stage after the first halves the resolution (stride 2)
{stages}
    x = layers.GlobalAveragePooling2D()(x)  # one number per feature map
{drop}    outputs = layers.Dense(n_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="resnet_small")
'''


def _digit_cnn(spec: Any, task: str) -> str:
    from synaptic_core.digits.model import DROPOUT, STAGES

    a, b, c = STAGES
    lines = _Lines()
    _stem(lines, True)

    def conv(filters: int, i: int, comment: str = "") -> None:
        lines.add(f'layers.Conv2D({filters}, 3, padding="same", use_bias=False, '
                  f"kernel_initializer=keras.initializers.HeUniform(seed=SEED + {i}))", comment)
        lines.add("layers.BatchNormalization()")
        lines.add('layers.Activation("relu")')

    conv(a, 1, f"two 3x3 convolutions of {a} filters (each with its own seeded initialiser), then pooling")
    conv(a, 2)
    lines.add("layers.MaxPooling2D()")
    conv(b, 3, f"two more of {b} filters, then pooling")
    conv(b, 4)
    lines.add("layers.MaxPooling2D()")
    conv(c, 5, f"one of {c} filters, then the average of each feature map")
    lines.add("layers.GlobalAveragePooling2D()")
    lines.add(f"layers.Dropout({_num(DROPOUT)}, seed=SEED)")
    lines.add('layers.Dense(n_classes, activation="softmax", '
              "kernel_initializer=keras.initializers.GlorotUniform(seed=SEED + 6))")
    return lines.sequential("digit_cnn", "The digit reader's compact CNN (the draw-a-digit page's model).",
                            "input_shape, n_classes")


# -- sequences -------------------------------------------------------------------------------------------------

def _seq_input(lines: _Lines, spec: Any, task: str) -> None:
    if task == "series":
        lines.add("keras.Input(shape=(look_back, 1))", "a window of look_back values, one feature per step")
    else:
        what = "word" if task == "text" else "character"
        lines.add('keras.Input(shape=(seq_len,), dtype="int32")', f"seq_len {what} ids")
        lines.add(f"layers.Embedding(vocab_size, {spec.embed_dim})",
                  f"each {what} id becomes a learned vector of {spec.embed_dim} numbers")


def _seq_output(lines: _Lines, task: str) -> None:
    if task == "series":
        lines.add("layers.Dense(1)", "one linear output: the next value (a regression)")
    else:
        lines.add('layers.Dense(n_classes, activation="softmax")', "one probability per class")


def _signature(task: str) -> str:
    return "look_back" if task == "series" else "seq_len, vocab_size, n_classes"


def _recurrent(spec: Any, task: str) -> str:
    lines = _Lines()
    _seq_input(lines, spec, task)
    cls, n = _RNN[spec.model], int(spec.rnn_layers)
    reads = {"text": "the review word by word", "chars": "the characters one by one",
             "series": "the window step by step"}[task]
    every = every_step(spec.model)  # char-rnn: the next character at every position (script_chars.py)
    for i in range(1, n + 1):
        # every layer but the last hands its whole sequence of states to the next one (char-rnn's last too)
        layer = f"layers.{cls}({spec.units}{', return_sequences=True' if every or i < n else ''})"
        if i == 1:
            comment = f"{_RNN_WORDS[cls]} reads {reads}, keeping a state of {spec.units} numbers"
            if every:
                comment = f"{_RNN_WORDS[cls]} reads {reads}, returning its state of {spec.units} numbers after EACH"
        else:
            comment = f"layer {i} of {n} reads the state the layer before it returned at every step"
        if spec.model.startswith("bi"):
            layer = f"layers.Bidirectional({layer})"
            if i == 1:
                comment += "; Bidirectional runs a second copy backwards"
        lines.add(layer, comment)
        if spec.dropout > 0:
            lines.add(f"layers.Dropout({_num(spec.dropout)})")
    _seq_output(lines, task)
    if every:
        lines.rows[-2] += " (at every position: (N, seq_len, n_classes))"
    what = f"{n} stacked {cls} layers" if n > 1 else _RNN_WORDS[cls]
    return lines.sequential(spec.model, f"{what[0].upper()}{what[1:]}"
                            + (" (bidirectional)" if spec.model.startswith("bi") else "") + " over the sequence.",
                            _signature(task))


def _conv1d(spec: Any, task: str) -> str:
    lines = _Lines()
    _seq_input(lines, spec, task)
    k = spec.kernel if spec.kernel > 1 else 5
    lines.add(f'layers.Conv1D({spec.units}, {k}, activation="relu", padding="same")',
              f"{spec.units} detectors of {k} consecutive steps (n-grams), slid along the sequence")
    lines.add("layers.GlobalMaxPooling1D()", "keep each detector's strongest response, wherever it is")
    if spec.dropout > 0:
        lines.add(f"layers.Dropout({_num(spec.dropout)})")
    _seq_output(lines, task)
    return lines.sequential("conv1d", "A 1-D convolutional network over the sequence.", _signature(task))


def _window_mlp(spec: Any, task: str) -> str:
    lines = _Lines()
    _seq_input(lines, spec, task)
    lines.add("layers.Flatten()", "the whole window as one vector")
    for i, units in enumerate(spec.hidden):
        lines.add(f'layers.Dense({units}, activation="{_act(spec, i)}")')
    _seq_output(lines, task)
    return lines.sequential("window_mlp", "The dense baseline: the flattened window through dense layers.",
                            _signature(task))


def _transformer(spec: Any, task: str) -> str:
    d = spec.embed_dim
    heads = max(1, d // 16)
    what = "word" if task == "text" else "character"
    return f'''def build_model(seq_len, vocab_size, n_classes):
    """One Transformer encoder block over {what} and position embeddings, then average pooling."""
    inputs = keras.Input(shape=(seq_len,), dtype="int32")
    x = layers.Embedding(vocab_size, {d})(inputs)
    # positions 0 .. seq_len - 1, computed from the input so they are part of the model's graph
    positions = keras.ops.cumsum(keras.ops.ones_like(inputs, dtype="int32"), axis=1) - 1
    x = x + layers.Embedding(seq_len, {d})(positions)
    # self-attention: every position looks at every other ({heads} head{"s" if heads > 1 else ""})
    attention = layers.MultiHeadAttention({heads}, key_dim={d // heads})(x, x)
    x = layers.LayerNormalization()(x + layers.Dropout({_num(spec.dropout)})(attention))
    # a small feed-forward network applied at each position
    ff = layers.Dense({spec.units}, activation="relu")(x)
    ff = layers.Dense({d})(ff)
    x = layers.LayerNormalization()(x + layers.Dropout({_num(spec.dropout)})(ff))
    x = layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(n_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="transformer")
'''


_WRITERS = {"logreg": _logreg, "mlp": _mlp, "cnn": _cnn, "mini-alexnet": _mini_alexnet,
            "resnet-small": _resnet_small, "digit-cnn": _digit_cnn, "rnn": _recurrent, "lstm": _recurrent,
            "gru": _recurrent, "char-rnn": _recurrent, "bilstm": _recurrent, "bigru": _recurrent, "conv1d": _conv1d,
            "transformer": _transformer}


def model_code(spec: Any, task: str) -> str:
    """The source of ``build_model`` (and its helpers) for ``spec.model`` on ``task`` data."""
    if spec.model == "mlp" and task in ("series", "text", "chars"):
        return _window_mlp(spec, task)
    return _WRITERS[spec.model](spec, task)
