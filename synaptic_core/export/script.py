"""``spec_to_script(spec)``: a run spec -> a standalone, readable Keras training script.

The script is what a Keras tutorial would be for this run: settings at the top, then
``load_data``, ``build_model``, and a ``main`` that seeds, loads, builds, compiles, trains,
evaluates and prints ONE JSON line (``params`` and ``test`` metrics) on stdout; progress goes
to stderr. It imports keras and numpy (pandas for the churn table, imbalanced-learn's sampler for
a run that resampled its training rows) and never synaptic_core.

The pieces come from ``script_data`` (data), ``script_models`` (architecture) and
``script_imbalance`` (a fold split, class weights, resampling, focal loss); this module
writes the settings, the training and evaluation code and puts the file together. Specs the
exporter cannot reproduce faithfully raise ``ExportError`` (``support.check_supported``).
"""

from __future__ import annotations

from typing import Any, Mapping

from synaptic_core.export.errors import ExportError
from synaptic_core.export.script_chars import wire_every_step
from synaptic_core.export.script_data import DataCode, data_code
from synaptic_core.export.script_imbalance import rare_code
from synaptic_core.export.script_models import model_code
from synaptic_core.export.support import check_supported

# The optimizers of HEAD 5a7033d's make_optimizer, used only where the shared table
# (synaptic_core.spec_optimizers) is not there.
_FALLBACK_OPTIMIZERS = {"sgd": ("SGD", {}), "momentum": ("SGD", {"momentum": 0.9}),
                        "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}), "rmsprop": ("RMSprop", {}),
                        "adagrad": ("Adagrad", {}), "adam": ("Adam", {}), "adamw": ("AdamW", {}),
                        "nadam": ("Nadam", {})}


def spec_to_script(spec: Any, data_path: str | None = None, about: str | None = None) -> str:
    """The source of a standalone script that reproduces a run of ``spec``.

    ``data_path``: the file the script reads by default (the one the app would read); None
    means Keras' public loader for image sets, and ``--data PATH`` required for other files.
    ``about``: a line on where the run came from, for the script's docstring.
    Raises ExportError for a combination it cannot write faithfully.
    """
    from synaptic_core.specs import RunSpec

    if not isinstance(spec, RunSpec):
        spec = RunSpec.from_mapping(dict(spec), strict=False)
    task = check_supported(spec)
    info = _dataset_info(spec.dataset)
    data = data_code(spec, info)
    rare = rare_code(spec, task)  # folds, class weights, resampling, focal loss: script_imbalance.py
    data.settings, data.code = data.settings + rare.settings, data.code + rare.code
    if task == "text":
        data.settings.insert(0, ("CLASS_NAMES", list(info.class_names), "label of each class index"))
    parts = [
        _docstring(spec, task, info, data, data_path, about),
        _imports(data),
        _settings(spec, task, data, data_path),
        _section("1. The data") + data.code.strip("\n"),
        _section("2. The model") + model_code(spec, task).strip("\n"),
        _section("3. Training and evaluation") + _training(spec, task).strip("\n"),
        _main(spec, task, data).strip("\n"),
    ]
    source = rare.wire(parts[0] + "\n\n" + "\n\n\n".join(p.strip("\n") for p in parts[1:]) + "\n")
    source = wire_every_step(spec, source)  # char-rnn: targets at every position (script_chars.py)
    compile(source, "exported_script.py", "exec")  # a bug here must never reach a user as a broken file
    return source


def _section(title: str) -> str:
    return f"# -- {title} ".ljust(104, "-") + "\n\n"


def _dataset_info(name: str) -> Any:
    from synaptic_core.data import list_datasets

    for info in list_datasets():
        if info.name == name:
            return info
    raise ExportError(f"dataset {name!r} is unknown.")


def _model_title(name: str) -> str:
    from synaptic_core.models import MODELS

    return MODELS[name].title


# -- header, imports, settings -------------------------------------------------------------------------------

def _docstring(spec: Any, task: str, info: Any, data: DataCode, data_path: str | None, about: str | None) -> str:
    needs = "keras 3 (with its TensorFlow backend), numpy" + (", pandas" if "pandas" in data.imports else "")
    if data.generated:
        where = data.notes[0] if data.notes else "The data is generated in this script."
    elif data_path:
        where = f"Data: {data_path} by default; --data PATH reads another copy ({data.data_help})."
    elif task == "image":
        where = (f"Data: Keras' public loader (keras.datasets) by default; --data PATH reads a local copy "
                 f"({data.data_help}).")
    else:
        where = f"Data: pass --data PATH ({data.data_help})."
    lines = [
        f"{_model_title(spec.model)} on {info.title}, in Keras: a standalone training script from SynapticHub.",
        "",
    ]
    if about:
        lines += [*(line for part in about.split("\n") for line in (_wrap(part) if part else [""])), ""]
    lines += [
        "It reproduces the run from its settings: the same data prepared the same way (seeded shuffle,",
        "subset, validation split), the same layers in the same order, the same optimizer, loss and",
        "training settings and the same seed, so it starts from the same initial weights as the run.",
        "Results can still differ in the last digits (floating-point order differs between machines).",
        "",
        "Usage:",
        "    python THIS_FILE.py                 # train as the run did",
        "    python THIS_FILE.py --epochs 1      # a quick check",
        "",
        *_wrap(where),
        "Progress goes to stderr; at the end ONE JSON line on stdout gives the parameter count and the",
        "test metrics. Needs " + needs + ".",
    ]
    # paths and labels come from outside (a data dir, a run): keep them from ending the docstring
    text = "\n".join(lines).replace("\\", "\\\\").replace('"""', "\'\'\'")
    return f'"""{text}\n"""'


def _wrap(text: str, width: int = 100) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def _imports(data: DataCode) -> str:
    std = {"argparse", "json", "os", "sys", "time"} | (data.imports - {"pandas", "collections"})
    lines = [f"import {m}" for m in sorted(std)]
    if "collections" in data.imports:
        lines.append("from collections import Counter")
    lines.append("")
    lines.append("import numpy as np")
    if "pandas" in data.imports:
        lines.append("import pandas as pd")
    lines += ["", "import keras", "from keras import layers"]
    return "\n".join(lines)


def _settings(spec: Any, task: str, data: DataCode, data_path: str | None) -> str:
    rows: list[tuple[str, Any, str]] = [
        ("SEED", spec.seed, "seeds the data shuffle, the initial weights and the batch order"),
        ("EPOCHS", spec.epochs, "passes over the training set (--epochs overrides it)"),
        ("BATCH_SIZE", spec.batch_size, "examples per gradient step"),
        ("LEARNING_RATE", spec.lr, f"step size of the {spec.optimizer} optimizer"),
        ("VALIDATION_SPLIT", spec.validation_split, "the LAST share of the training set, held out to validate"),
    ]
    if spec.l2 > 0 and _uses_l2(spec, task):
        rows.append(("L2", spec.l2, "weight penalty on the kernels: loss += L2 * sum(w ** 2)"))
    if spec.early_stopping > 0:
        rows.append(("EARLY_STOPPING", spec.early_stopping, "stop after this many epochs without improvement"))
    if spec.reduce_lr > 0:
        rows.append(("REDUCE_LR", spec.reduce_lr, "halve the learning rate after this many flat epochs"))
    if not data.generated:
        rows.append(("DATA", data_path, "the data file (--data overrides it)"
                     + ("; None: Keras' public loader" if task == "image" else "")))
    rows += data.settings
    lines = []
    width = max(len(_assign(n, v)) for n, v, _ in rows if len(_assign(n, v)) <= _INLINE)
    for name, value, comment in rows:
        text = _assign(name, value)
        if len(text) <= _INLINE:
            lines.append(f"{text.ljust(width)}  # {comment}")
        else:  # a long value: its comment goes on the line above
            lines += [f"# {comment}", text]
    return _section("The run's settings (change them to experiment)").rstrip("\n") + "\n" + "\n".join(lines)


_INLINE = 44  # settings longer than this get their comment on the line above


def _assign(name: str, value: Any) -> str:
    return f"{name} = {_literal(value)}"


def _literal(value: Any) -> str:
    return repr(list(value)) if isinstance(value, tuple) else repr(value)


def _uses_l2(spec: Any, task: str) -> bool:
    """The app puts the L2 penalty on the kernels of image/toy/table models only (not sequence models)."""
    return task in ("image", "toy", "tabular") and spec.model != "digit-cnn"


# -- training and evaluation -----------------------------------------------------------------------------------

def optimizer_code(spec: Any) -> str:
    """``keras.optimizers.X(learning_rate=LEARNING_RATE, ...)`` as training builds it for ``spec.optimizer``."""
    try:
        from synaptic_core.spec_optimizers import OPTIMIZER_TABLE
    except ImportError:
        OPTIMIZER_TABLE = None
    if OPTIMIZER_TABLE is not None:
        info = OPTIMIZER_TABLE.get(spec.optimizer)
        if info is None:
            raise ExportError(f"optimizer {spec.optimizer!r} is unknown.")
        cls, kwargs = info.keras_class, dict(info.kwargs(spec.lr))
    else:
        cls, kwargs = _FALLBACK_OPTIMIZERS[spec.optimizer]
    args = ["learning_rate=LEARNING_RATE"] + [f"{k}={v!r}" for k, v in kwargs.items() if k != "learning_rate"]
    return f"keras.optimizers.{cls}({', '.join(args)})"


_COMMON_TRAINING = '''
def log(*parts, **kwargs):
    """Progress goes to stderr: stdout holds only the final JSON line."""
    print(*parts, file=sys.stderr)


class PrintEpoch(keras.callbacks.Callback):
    """A callback: Keras calls on_epoch_end after every epoch with that epoch's metrics."""

    def on_epoch_end(self, epoch, logs=None):
        metrics = "  ".join(f"{name} {float(value):.4f}" for name, value in (logs or {}).items())
        log(f"epoch {epoch + 1}: {metrics}")


def split_validation(x, y):
    """Hold out the LAST VALIDATION_SPLIT of the (already shuffled) training set for validation."""
    n_val = int(len(x) * VALIDATION_SPLIT)
    if n_val == 0:
        return (x, y), None
    return (x[:-n_val], y[:-n_val]), (x[-n_val:], y[-n_val:])
'''

_SHIFT_AND_FLIP = '''

def shift_and_flip(x, rng, max_shift, flip):
    """Random translation by up to max_shift pixels (zero fill)@FLIP_DOC@."""
    n, h, w = x.shape[:3]
    padded = np.pad(x, ((0, 0), (max_shift, max_shift), (max_shift, max_shift), (0, 0)))
    dy = rng.integers(0, 2 * max_shift + 1, n)
    dx = rng.integers(0, 2 * max_shift + 1, n)
    rows = dy[:, None] + np.arange(h)[None, :]
    cols = dx[:, None] + np.arange(w)[None, :]
    out = padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]
    if flip:
        mask = rng.random(n) < 0.5
        out[mask] = out[mask, :, ::-1]
    return out


class AugmentedBatches(keras.utils.PyDataset):
    """Shuffled batches of randomly shifted@FLIP_WORD@ training images, new ones every epoch."""

    def __init__(self, x, y, batch_size, seed):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(x))

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, idx):
        sel = self.order[idx * self.batch_size:(idx + 1) * self.batch_size]
        return shift_and_flip(self.x[sel], self.rng, max_shift=@SHIFT@, flip=@FLIP@), self.y[sel]

    def on_epoch_end(self):
        self.order = self.rng.permutation(len(self.x))
'''

_EVAL_CLASSES = '''

def evaluate(model, x_test, y_test):
    """Test loss (cross-entropy) and accuracy, computed from the predicted probabilities."""
    probs = model.predict(x_test, batch_size=512, verbose=0).astype("float64")
    picked = probs[np.arange(len(y_test)), y_test]  # the probability given to the true class
    loss = float(-np.log(np.clip(picked, 1e-7, 1.0)).mean())
    accuracy = float((probs.argmax(axis=1) == y_test).mean())
    return {"loss": loss, "accuracy": accuracy}
'''

_EVAL_CHARS = '''

def next_char_probs(outputs):
    """The model's outputs as probabilities of the character after each window: (N, alphabet size)."""
    return np.asarray(outputs).astype("float64")


def evaluate(model, x_test, y_test):
    """Test loss in nats per character, its perplexity, and how often the top guess is right."""
    probs = next_char_probs(model.predict(x_test, batch_size=512, verbose=0))
    picked = probs[np.arange(len(y_test)), y_test]
    nats = float(-np.log(np.clip(picked, 1e-7, 1.0)).mean())
    accuracy = float((probs.argmax(axis=1) == y_test).mean())
    return {"loss": nats, "nats_per_char": nats, "perplexity": float(np.exp(nats)), "accuracy": accuracy}


def pick(probs, temperature, rng):
    """Temperature 0 takes the likeliest character; below 1 sharpens the distribution, above 1 flattens it."""
    if temperature <= 0:
        return int(np.argmax(probs))
    logits = np.log(np.clip(probs, 1e-12, 1.0)) / temperature
    p = np.exp(logits - logits.max())
    return int(rng.choice(len(p), p=p / p.sum()))


def sample_texts(model, alphabet, start, length, temperatures, rng):
    """One continuation of `start` per temperature, one character at a time; the windows of all
    temperatures go through the model together, as the app samples."""
    index = {c: i for i, c in enumerate(alphabet)}
    ids = [index[c] for c in start if c in index] or [0]
    ids = [ids[0]] * (SEQ_LEN - len(ids)) + ids  # a short start is padded with its first character
    windows = np.tile(np.array(ids[-SEQ_LEN:], dtype="int32"), (len(temperatures), 1))
    out = [[] for _ in temperatures]
    for _ in range(length):
        probs = next_char_probs(model.predict_on_batch(windows))
        nxt = [pick(probs[k], t, rng) for k, t in enumerate(temperatures)]
        windows = np.concatenate([windows[:, 1:], np.array(nxt, dtype="int32")[:, None]], axis=1)
        for k, i in enumerate(nxt):
            out[k].append(alphabet[i])
    return ["".join(o) for o in out]
'''

_EVAL_SERIES = '''

def evaluate(model, x_test, y_test, lo, hi):
    """Test error in the data's own units (RMSE), and the loss (mean squared error on the 0..1 scale)."""
    pred = model.predict(x_test, batch_size=512, verbose=0)[:, 0].astype("float64")

    def to_units(v):
        return np.asarray(v, dtype="float64") * (hi - lo) + lo

    rmse = float(np.sqrt(np.mean((to_units(pred) - to_units(y_test)) ** 2)))
    # the naive forecast "next value = last value" is what the network must beat
    naive = float(np.sqrt(np.mean((to_units(x_test[:, -1, 0]) - to_units(y_test)) ** 2)))
    return {"rmse": rmse, "loss": float(np.mean((pred - y_test) ** 2))}, naive
'''


def _training(spec: Any, task: str) -> str:
    code = _COMMON_TRAINING
    cbs = []
    if spec.early_stopping > 0:
        cbs.append("        # stop when the monitored loss has not improved for EARLY_STOPPING epochs; keep the best "
                   "weights\n        keras.callbacks.EarlyStopping(monitor=monitor, patience=EARLY_STOPPING, "
                   "min_delta=1e-4,\n                                      restore_best_weights=True),")
    if spec.reduce_lr > 0:
        cbs.append("        # halve the learning rate when the monitored loss is flat for REDUCE_LR epochs\n"
                   "        keras.callbacks.ReduceLROnPlateau(monitor=monitor, factor=0.5, patience=REDUCE_LR, "
                   "min_lr=1e-7),")
    monitor = ('    monitor = "val_loss" if has_validation else "loss"  # what early stopping / reduce-LR watch\n'
               if cbs else "")
    code += ('\n\ndef make_callbacks(has_validation):\n    """Callbacks Keras calls during fit: progress'
             + (", and the ones the run used" if cbs else "") + '."""\n' + monitor
             + "    return [\n        PrintEpoch(),\n" + "".join(c + "\n" for c in cbs) + "    ]\n")
    if _augments(spec, task):
        photos = spec.dataset == "cifar10"
        code += (_SHIFT_AND_FLIP.replace("@SHIFT@", "3" if photos else "2").replace("@FLIP@", str(photos))
                 .replace("@FLIP_DOC@", " and, for photos, a left-right flip" if photos else
                          " (flipping would change what some images show)")
                 .replace("@FLIP_WORD@", " and flipped" if photos else ""))
    code += {"series": _EVAL_SERIES, "chars": _EVAL_CHARS}.get(task, _EVAL_CLASSES)
    return code


def _augments(spec: Any, task: str) -> bool:
    return bool(spec.augment) and task == "image"


# -- main ----------------------------------------------------------------------------------------------------------

_MAIN_HEAD = '''
DATA_HELP = "@DATA_HELP@"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="training epochs (the run: %(default)s)")
    parser.add_argument("--data", default=@DATA_DEFAULT@, help=DATA_HELP)
    args = parser.parse_args()
@DATA_CHECK@
    # one seed for Python, NumPy and TensorFlow: the same initial weights and batch order every time
    keras.utils.set_random_seed(SEED)

    # 1. the data
'''

_CHECK_FILE = '''    if args.data is None:
        sys.exit(f"this dataset is read from a file: pass --data PATH ({DATA_HELP})")
    if not os.path.exists(args.data):
        sys.exit(f"{args.data} not found: pass --data PATH ({DATA_HELP})")
'''

_CHECK_IMAGE = '''    if args.data not in (None, "keras") and not os.path.exists(args.data):
        sys.exit(f"{args.data} not found: pass --data PATH ({DATA_HELP})")
'''

_CHECK_GENERATED = '''    if args.data is not None:
        log("--data is not used: this dataset is generated by the script")
'''

_LOAD = {
    "fixed": '''    (x_train, y_train), (x_test, y_test), class_names = load_data(args.data)
    (x_fit, y_fit), validation = split_validation(x_train, y_train)
    log(f"{len(x_fit)} training, {0 if validation is None else len(validation[0])} validation, "
        f"{len(x_test)} test examples of {len(class_names)} classes")

    # 2. the model
    model = build_model(x_train.shape[1:], len(class_names))
''',
    "text": '''    (x_train, y_train), (x_test, y_test), vocab_size = load_data(args.data)
    (x_fit, y_fit), validation = split_validation(x_train, y_train)
    log(f"{len(x_fit)} training, {0 if validation is None else len(validation[0])} validation, "
        f"{len(x_test)} test reviews; {vocab_size} word ids")

    # 2. the model
    model = build_model(SEQ_LEN, vocab_size, len(CLASS_NAMES))
''',
    "chars": '''    (x_train, y_train), (x_test, y_test), alphabet = load_data(args.data)
    (x_fit, y_fit), validation = split_validation(x_train, y_train)
    log(f"{len(x_fit)} training, {0 if validation is None else len(validation[0])} validation, "
        f"{len(x_test)} test windows; {len(alphabet)} distinct characters")

    # 2. the model: the characters are both the input vocabulary and the classes to predict
    model = build_model(SEQ_LEN, len(alphabet), len(alphabet))
''',
    "series": '''    (x_train, y_train), (x_test, y_test), (lo, hi) = load_data(args.data)
    (x_fit, y_fit), validation = split_validation(x_train, y_train)
    log(f"{len(x_fit)} training, {0 if validation is None else len(validation[0])} validation, "
        f"{len(x_test)} test windows")

    # 2. the model
    model = build_model(LOOK_BACK)
''',
}

_COMPILE_CLASSES = '''    model.summary(print_fn=log)
    # integer labels and softmax outputs: sparse categorical cross-entropy
    model.compile(optimizer=@OPTIMIZER@,
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
'''

_COMPILE_SERIES = '''    model.summary(print_fn=log)
    # predicting a number: mean squared error
    model.compile(optimizer=@OPTIMIZER@, loss="mse")
'''

_FIT = '''
    # 3. training
    start = time.perf_counter()
    history = model.fit(x_fit, y_fit, batch_size=BATCH_SIZE, epochs=args.epochs, validation_data=validation,
                        shuffle=True, callbacks=make_callbacks(validation is not None), verbose=0)
    seconds = time.perf_counter() - start
'''

_FIT_AUGMENTED = '''
    # 3. training, on freshly augmented batches every epoch
    start = time.perf_counter()
    history = model.fit(AugmentedBatches(x_fit, y_fit, BATCH_SIZE, SEED), epochs=args.epochs,
                        validation_data=validation, callbacks=make_callbacks(validation is not None), verbose=0)
    seconds = time.perf_counter() - start
'''

_TEST = {
    "classes": '''
    # 4. the test set, never seen in training
    test = evaluate(model, x_test, y_test)
    extra = {}
''',
    "chars": '''
    # 4. the test text, never seen in training
    test = evaluate(model, x_test, y_test)
    start_text = "".join(alphabet[i] for i in x_test[0])  # the test text's first SEQ_LEN characters
    texts = sample_texts(model, alphabet, start_text, SAMPLE_LENGTH, TEMPERATURES, np.random.default_rng(SEED))
    extra = {}
    extra.update(seed_text=start_text, samples={f"{t:g}": text for t, text in zip(TEMPERATURES, texts)})
    for t, text in extra["samples"].items():
        log(f"sample at temperature {t}, after {start_text!r}:\\n{text}")
''',
    "series": '''
    # 4. the test period, never seen in training
    test, naive = evaluate(model, x_test, y_test, lo, hi)
    log(f"test RMSE {test['rmse']:.2f} against {naive:.2f} for the naive last-value forecast")
    extra = {"naive": {"test": naive}}
''',
}

_REPORT = '''
    print(json.dumps({
        "dataset": "@DATASET@", "model": "@MODEL@", "params": int(model.count_params()),
        "epochs_run": len(history.history["loss"]), "n_train": len(x_fit),
        "n_val": 0 if validation is None else len(validation[0]), "n_test": len(x_test),
        "train_seconds": round(seconds, 3), "test": test, **extra,
    }))


if __name__ == "__main__":
    main()
'''


def _main(spec: Any, task: str, data: DataCode) -> str:
    help_text = data.data_help.replace("\\", "/").replace('"', "'")
    check = _CHECK_GENERATED if data.generated else _CHECK_IMAGE if task == "image" else _CHECK_FILE
    head = (_MAIN_HEAD.replace("@DATA_DEFAULT@", "None" if data.generated else "DATA")
            .replace("@DATA_CHECK@", check).replace("@DATA_HELP@", help_text))
    load = _LOAD["fixed" if task in ("image", "toy", "tabular") else task]
    compile_ = (_COMPILE_SERIES if task == "series" else _COMPILE_CLASSES).replace("@OPTIMIZER@",
                                                                                  optimizer_code(spec))
    fit = _FIT_AUGMENTED if _augments(spec, task) else _FIT
    test = _TEST.get(task, _TEST["classes"])
    report = _REPORT.replace("@DATASET@", spec.dataset).replace("@MODEL@", spec.model)
    return head + load + compile_ + fit + test + report


def run_note(run: Mapping[str, Any]) -> str:
    """The docstring line saying which run this script reproduces and what data it read."""
    result = run.get("result") or {}
    label = result.get("source_label")
    note = f"Exported from run {run.get('id')}"
    if result.get("params") is not None:
        note += f" ({result['params']:,} parameters"
        test = result.get("test") or {}
        if test.get("nats_per_char") is not None:  # a character model: what its results show first
            note += f", test {test['nats_per_char']:.4f} nats/char"
        elif test.get("accuracy") is not None:
            note += f", test accuracy {test['accuracy']:.4f}"
        elif test.get("rmse") is not None:
            note += f", test RMSE {test['rmse']:.2f}"
        note += ")"
    if label:
        note += f"; the run's data: {label}"
    note += "."
    if result.get("stopped"):
        note += (f" The run was stopped by its user after {result.get('epochs_run', 0)} epoch(s); this script "
                 "trains all EPOCHS.")
    return "\n".join(_wrap(note))
