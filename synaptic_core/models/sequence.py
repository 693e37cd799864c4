"""Sequence models: recurrent (SimpleRNN, LSTM, GRU, bidirectional), 1-D CNN and a small Transformer.

One builder per family; each reads the task from the input: int token ids (N, seq_len)
for text and characters go through an Embedding; float windows (N, look_back, 1) for
time series go straight in and end in one linear unit (a regression).
"""

from __future__ import annotations

from synaptic_core.specs import RunSpec

_RNN = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU", "bilstm": "LSTM", "bigru": "GRU", "char-rnn": "GRU"}


def _inputs(spec: RunSpec, input_shape: tuple[int, ...], vocab: int | None):
    import keras

    if vocab is None:  # series: (look_back, 1) floats
        inputs = keras.Input(shape=input_shape, name="window")
        return inputs, inputs
    inputs = keras.Input(shape=input_shape, dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocab, spec.embed_dim, name="embedding")(inputs)
    return inputs, x


def _output(x, n_classes: int):
    import keras

    if n_classes == 0:
        return keras.layers.Dense(1, name="prediction")(x)
    return keras.layers.Dense(n_classes, activation="softmax", name="predictions")(x)


def build_recurrent(spec: RunSpec, input_shape: tuple[int, ...], n_classes: int, vocab: int | None = None):
    """Embedding (text) -> ``spec.rnn_layers`` x ([Bidirectional] SimpleRNN/LSTM/GRU(units) -> dropout) -> output.

    Every layer but the last returns its whole sequence of states, which the next one reads; the last
    returns only its final state, except for char-rnn, whose every position predicts the next character.
    The first layer keeps the one-layer model's names (``gru``, ``bi_gru``; ``dropout`` after the last
    layer), so models saved before stacking existed (the shipped char-rnn) still load and match; later
    layers add their position (``gru_2``, ``bi_gru_2``; ``dropout_1`` between layers 1 and 2).
    """
    import keras

    from synaptic_core.sequences.chars import every_step

    inputs, x = _inputs(spec, input_shape, vocab)
    n = int(spec.rnn_layers)
    for i in range(1, n + 1):
        suffix = f"_{i}" if i > 1 else ""
        # char-rnn: an output at every position (N, seq_len, classes), each predicting the next character
        layer = getattr(keras.layers, _RNN[spec.model])(spec.units, return_sequences=every_step(spec.model) or i < n,
                                                        name=spec.model + suffix)
        if spec.model.startswith("bi"):
            layer = keras.layers.Bidirectional(layer, name=f"bi_{_RNN[spec.model].lower()}{suffix}")
        x = layer(x)
        if spec.dropout > 0:
            x = keras.layers.Dropout(spec.dropout, name="dropout" if i == n else f"dropout_{i}")(x)
    return keras.Model(inputs, _output(x, n_classes), name=spec.model)


def build_conv1d(spec: RunSpec, input_shape: tuple[int, ...], n_classes: int, vocab: int | None = None):
    """Embedding -> Conv1D(units, kernel) -> global max pooling: which n-grams matter, wherever they are."""
    import keras

    inputs, x = _inputs(spec, input_shape, vocab)
    x = keras.layers.Conv1D(spec.units, spec.kernel if spec.kernel > 1 else 5, activation="relu",
                            padding="same", name="conv1d")(x)
    x = keras.layers.GlobalMaxPooling1D(name="max_over_time")(x)
    if spec.dropout > 0:
        x = keras.layers.Dropout(spec.dropout, name="dropout")(x)
    return keras.Model(inputs, _output(x, n_classes), name="conv1d")


def build_transformer(spec: RunSpec, input_shape: tuple[int, ...], n_classes: int, vocab: int | None = None):
    """One Transformer encoder block over token + position embeddings, then average pooling."""
    import keras

    seq_len = input_shape[0]
    inputs, x = _inputs(spec, input_shape, vocab)
    # positions 0..seq_len-1 computed from the input itself, so the position embedding is a layer of the
    # graph: trained and saved with the model (an Embedding called on a constant arange ran once, eagerly,
    # and left a frozen random table outside the model)
    positions = keras.ops.cumsum(keras.ops.ones_like(inputs, dtype="int32"), axis=1) - 1
    x = x + keras.layers.Embedding(seq_len, spec.embed_dim, name="position_embedding")(positions)
    heads = max(1, spec.embed_dim // 16)
    attn = keras.layers.MultiHeadAttention(heads, key_dim=spec.embed_dim // heads, name="self_attention")(x, x)
    x = keras.layers.LayerNormalization(name="norm1")(x + keras.layers.Dropout(spec.dropout)(attn))
    ff = keras.layers.Dense(spec.units, activation="relu", name="ffn1")(x)
    ff = keras.layers.Dense(spec.embed_dim, name="ffn2")(ff)
    x = keras.layers.LayerNormalization(name="norm2")(x + keras.layers.Dropout(spec.dropout)(ff))
    x = keras.layers.GlobalAveragePooling1D(name="pool")(x)
    return keras.Model(inputs, _output(x, n_classes), name="transformer")


def build_window_mlp(spec: RunSpec, input_shape: tuple[int, ...], n_classes: int, vocab: int | None = None):
    """The dense baseline for time series: the flattened window through spec.hidden layers."""
    import keras

    from synaptic_core.models.common import activation_for

    inputs, x = _inputs(spec, input_shape, vocab)
    x = keras.layers.Flatten(name="flatten")(x)
    for i, u in enumerate(spec.hidden):
        x = keras.layers.Dense(u, activation=activation_for(spec, i), name=f"dense{i + 1}")(x)
    return keras.Model(inputs, _output(x, n_classes), name="window_mlp")
