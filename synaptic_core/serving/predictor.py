"""A finished run's model, loaded once, with what it takes to turn JSON inputs into answers.

Only files the app wrote itself are ever loaded: the model path comes from the run's stored
result (never from a request), must resolve (symlinks included) to a ``.keras`` file inside
*that run's own* artifacts folder under the store's home, and is opened with Keras' safe mode
on. Vocabulary and alphabet files are checked the same way; a series scaler and a tabular
encoding are rebuilt from what the run recorded (``serving.tabular`` explains the check).

The model is called through a ``tf.function`` with a fixed input signature: about a
millisecond per small batch, where ``model.predict`` costs 40-50 ms (STACK-NOTES).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from synaptic_core.serving import inputs as inp

SERVABLE_STATES = ("done", "stopped")  # a stopped run keeps (and saves) the weights learned so far


class Unservable(Exception):
    """This run cannot answer predictions (unfinished, no model, files not where the app put them)."""


@dataclass
class Predictor:
    run_id: str
    task: str
    input: dict[str, Any]                              # what one input looks like (for docs and errors)
    prepare: Callable[[Sequence[Any]], np.ndarray]     # JSON items -> model batch (raises InputError)
    answer: Callable[[np.ndarray], list[dict[str, Any]]]  # model outputs -> one answer per row
    call: Callable[[np.ndarray], np.ndarray]           # the compiled model call, numpy in and out
    model_path: Path
    extra: dict[str, Any] = field(default_factory=dict)


def check_servable(run: Mapping[str, Any]) -> None:
    """Raise Unservable with a message a client can act on, unless the run has a model to serve."""
    status = run.get("status")
    if status not in SERVABLE_STATES:
        if status in ("queued", "starting", "running"):
            raise Unservable(f"run {run['id']} is {status}: predictions need a finished run")
        raise Unservable(f"run {run['id']} ended {status}: it has no trained model to predict with")
    if not (run.get("result") or {}).get("model_path"):
        raise Unservable(f"run {run['id']} has no saved model")


def own_file(path_text: Any, run_dir: Path, suffix: str) -> Path:
    """``path_text`` resolved, if it is an existing ``suffix`` file inside ``run_dir``; else Unservable."""
    if not isinstance(path_text, str) or not path_text:
        raise Unservable("the run records no such file")
    try:
        path = Path(path_text).resolve(strict=True)
        folder = run_dir.resolve()
    except (OSError, RuntimeError):
        raise Unservable(f"the run's {Path(str(path_text)).name} file is missing") from None
    if not path.is_relative_to(folder) or path.suffix != suffix or not path.is_file():
        raise Unservable(f"refusing to load {path.name}: not a {suffix} file this app wrote for the run")
    return path


def _compiled_call(model: Any) -> tuple[Callable[[np.ndarray], np.ndarray], tuple[int, ...], Any]:
    import tensorflow as tf

    shape = tuple(model.input_shape[1:])
    if any(d is None for d in shape):
        raise Unservable(f"the model's input shape {shape} is not fixed")
    dtype = tf.int32 if "int" in str(model.inputs[0].dtype) else tf.float32
    fn = tf.function(lambda x: model(x, training=False), input_signature=[tf.TensorSpec((None, *shape), dtype)])
    np_dtype = np.int32 if dtype == tf.int32 else np.float32

    def call(x: np.ndarray) -> np.ndarray:
        return np.asarray(fn(np.ascontiguousarray(x, dtype=np_dtype)))

    call(np.zeros((1, *shape), np_dtype))  # trace now, not on the first request
    return call, shape, np_dtype


def _classes(result: Mapping[str, Any]) -> list[str]:
    return [str(c) for c in result.get("class_names") or []]


def load_predictor(run: Mapping[str, Any], run_dir: Path) -> Predictor:
    """Load the run's model and set up its input reader; slow (seconds): call it from a worker thread.

    Raises Unservable (never anything else for a bad run) with a message a client can act on.
    """
    from synaptic_core.data import DataError

    try:
        return _load(run, run_dir)
    except (DataError, KeyError, ValueError, TypeError, OSError) as e:  # incomplete or unreadable run files
        raise Unservable(f"run {run.get('id')} cannot be served: {type(e).__name__}: {e}") from e


def _load(run: Mapping[str, Any], run_dir: Path) -> Predictor:
    import keras

    from synaptic_core.specs import RunSpec

    check_servable(run)
    result = run["result"]
    path = own_file(result["model_path"], run_dir, ".keras")
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as e:  # a damaged or foreign file: say so, do not crash the server
        raise Unservable(f"could not load the run's model: {type(e).__name__}") from e
    call, shape, _ = _compiled_call(model)
    task = result.get("task") or "image"
    names = _classes(result)
    answer_classes = lambda p: inp.class_outputs(p, names)  # noqa: E731
    base = dict(run_id=run["id"], task=task, call=call, model_path=path, answer=answer_classes)

    if task == "image":
        if len(shape) != 3:
            raise Unservable(f"an image model should read (height, width, channels), not {shape}")
        return Predictor(**base, prepare=lambda items: inp.image_batch(items, shape), input={
            "kind": "image", "shape": list(shape), "format": "a base64 PNG/JPEG string, or a nested array "
            f"(height, width) or (height, width, channels) of 0..255; resized and converted to {list(shape)}"})
    if task == "toy":  # a point (x1, x2) -> the run's input features, computed as in training (data.toy)
        from synaptic_core.data.toy import feature_matrix

        features = RunSpec.from_mapping(run.get("spec") or {}, strict=False).features
        if len(features) != shape[0]:
            raise Unservable(f"the run's {len(features)} input features do not match the model's {shape[0]} inputs")
        return Predictor(**base, prepare=lambda items: feature_matrix(inp.vector_batch(items, 2, "a point [x1, x2]"),
                                                                      features),
                         input={"kind": "point", "shape": [2], "format": "[x1, x2]", "features": list(features)})
    if task == "tabular":
        from synaptic_core.serving.tabular import EncoderMismatch, build_encoder

        try:
            enc = build_encoder(RunSpec.from_mapping(run["spec"], strict=False), result)
        except EncoderMismatch as e:
            raise Unservable(str(e)) from e
        if enc.n_columns != shape[0]:
            raise Unservable(f"the rebuilt encoding has {enc.n_columns} features; the model reads {shape[0]}")
        return Predictor(**base, prepare=enc.encode, input={
            "kind": "table row", "format": "an object keyed by feature name, or an array of the raw values in "
            "feature order (numbers as numbers, categories as their text); one-hot encoded and standardised "
            "as in training", "features": enc.describe()})
    if task in ("upload-table", "tabular-regression"):  # an uploaded CSV: its own fitted transform
        return _upload_table(run, result, shape, base)
    if task == "text":
        from synaptic_core.sequences.text import Vocabulary

        vocab = json.loads(own_file(result.get("vocab_path"), run_dir, ".json").read_text())
        words, seq_len = tuple(vocab["words"]), int(vocab["seq_len"])
        if shape != (seq_len,):
            raise Unservable(f"the vocabulary file says {seq_len} tokens; the model reads {shape}")
        v = Vocabulary(words)
        return Predictor(**base, prepare=lambda items: v.encode(inp.text_items(items, "a review"), seq_len),
                         input={"kind": "text", "format": "a string (a review); tokenised with the run's "
                                f"{v.size:,}-word vocabulary, the last {seq_len} tokens kept"})
    if task == "chars":
        meta = json.loads(own_file(result.get("alphabet_path"), run_dir, ".json").read_text())
        alphabet, seq_len = str(meta["alphabet"]), int(meta["seq_len"])
        chars = list(alphabet)
        return Predictor(**{**base, "answer": lambda p: inp.class_outputs(p, chars)},
                         prepare=lambda items: inp.chars_batch(items, alphabet, seq_len), input={
                             "kind": "text", "format": f"a string; the next character is predicted from its last "
                             f"{seq_len} characters (characters of the training text only)"})
    if task == "series":
        from synaptic_core.sequences.series import MinMax

        s = result.get("series") or {}
        values, split, look_back = s.get("values"), s.get("split"), s.get("look_back")
        if not values or not split or shape != (look_back, 1):
            raise Unservable("the run does not record its series scaling (values, split, look-back)")
        scaler = MinMax.fit(np.asarray(values, np.float64)[:split])  # exactly the training period's min and max

        def prepare(items: Sequence[Any]) -> np.ndarray:
            w = inp.vector_batch(items, look_back, f"a window of the last {look_back} values")
            return scaler.transform(w)[..., None]

        def answer(y: np.ndarray) -> list[dict[str, Any]]:
            return [{"value": float(v)} for v in scaler.inverse(np.asarray(y).reshape(-1))]

        return Predictor(**{**base, "answer": answer}, prepare=prepare, input={
            "kind": "series window", "shape": [look_back], "format": f"the last {look_back} values, in the "
            "data's own units; the answer is the next value, in the same units"})
    raise Unservable(f"runs of task {task!r} cannot be served")


def _upload_table(run: Mapping[str, Any], result: Mapping[str, Any], shape: tuple[int, ...],
                  base: dict[str, Any]) -> Predictor:
    """A run on an uploaded CSV: raw values by column name, transformed as in training (``serving.tabular``);
    a regression answers the value in the target's units."""
    from synaptic_core.serving.tabular import EncoderMismatch, build_upload_encoder
    from synaptic_core.specs import RunSpec

    try:
        enc, scale = build_upload_encoder(RunSpec.from_mapping(run["spec"], strict=False), result)
    except EncoderMismatch as e:
        raise Unservable(str(e)) from e
    if enc.n_columns != shape[0]:
        raise Unservable(f"the rebuilt encoding has {enc.n_columns} features; the model reads {shape[0]}")
    about = ("an object keyed by column name (the target and left-out columns may be included), or an array of the "
             "raw values in column order; numbers as numbers, categories as their text"
             + ("; null for a missing value, filled as in training" if enc.fill_missing else "")
             + "; one-hot encoded and standardised with the training rows' statistics")
    spec_input = {"kind": "table row", "format": about, "features": enc.describe()}
    if scale is None:
        return Predictor(**base, prepare=enc.encode, input=spec_input)
    mean, std = scale
    target = str((result.get("regression") or {}).get("target") or "value")

    def answer(y: np.ndarray) -> list[dict[str, Any]]:
        return [{"value": inp._finite(float(v) * std + mean), "target": target} for v in np.asarray(y).reshape(-1)]

    return Predictor(**{**base, "answer": answer}, prepare=enc.encode, input=spec_input)


class PredictorCache:
    """The last few predictors used (an LRU); a model is loaded once even when requests race for it."""

    def __init__(self, size: int = 4):
        self.size = max(1, int(size))
        self._items: OrderedDict[Any, Predictor] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[Any, threading.Lock] = {}

    def peek(self, key: Any) -> Predictor | None:
        with self._lock:
            p = self._items.get(key)
            if p is not None:
                self._items.move_to_end(key)
            return p

    def get(self, key: Any, build: Callable[[], Predictor]) -> Predictor:
        """The cached predictor for ``key``, or ``build()``'s (called once per key at a time)."""
        with self._lock:
            gate = self._loading.setdefault(key, threading.Lock())
        with gate:
            p = self.peek(key)
            if p is None:
                p = build()
                with self._lock:
                    self._items[key] = p
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
            with self._lock:
                self._loading.pop(key, None)
            return p

    def __len__(self) -> int:
        return len(self._items)
