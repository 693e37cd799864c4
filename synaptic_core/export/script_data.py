"""The data part of an exported script: settings and a ``load_data(path)`` that matches the app.

Each function here returns a ``DataCode``: the modules the code imports, the settings it reads
(written at the top of the script, where a reader can change them) and the source of
``load_data`` with its helpers. The code mirrors the app's loaders step for step (same reader,
same seeded shuffle, subset and class filter, same split, scaling, tokenising or windowing),
so that a script given the same file trains on the same examples in the same order:

* images: ``synaptic_core/data/images.py`` + ``loader.py`` (classes, then shuffle + subset);
* toy sets: ``synaptic_core/data/toy.py`` (the playground's generators);
* tables: ``synaptic_core/data/tabular.py`` (stratified split, one-hot, standardise);
* text, series, characters: ``synaptic_core/sequences/`` (``prepare.py`` and its helpers).

A change there must be mirrored here; ``tests/unit/test_export_script.py`` checks that a
script's data match the app's for every dataset kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synaptic_core.export.script_chars import chars_settings
from synaptic_core.export.support import IMAGE_SETS, task_of


@dataclass
class DataCode:
    imports: set[str]
    settings: list[tuple[str, Any, str]]  # (NAME, value, comment)
    code: str
    data_help: str  # what --data takes
    generated: bool = False  # the data is generated in the script: --data is not used
    notes: list[str] = field(default_factory=list)  # lines for the script's docstring


def data_code(spec: Any, info: Any) -> DataCode:
    """The DataCode for ``spec.dataset``; ``info`` is its ``DatasetInfo`` (title, class names)."""
    task = task_of(spec.dataset)
    return {"image": _image, "toy": _toy, "tabular": _tabular, "text": _text, "series": _series,
            "chars": _chars}[task](spec, info)


# -- shared steps ----------------------------------------------------------------------------------------

_CLASS_FILTER = '''
    # keep only the classes in CLASSES, renumbered 0, 1, ... in the order given
    lookup = np.full(len(class_names), -1, dtype="int64")
    lookup[list(CLASSES)] = np.arange(len(CLASSES))
    keep_train, keep_test = lookup[y_train] >= 0, lookup[y_test] >= 0
    x_train, y_train = x_train[keep_train], lookup[y_train[keep_train]]
    x_test, y_test = x_test[keep_test], lookup[y_test[keep_test]]
    class_names = [class_names[c] for c in CLASSES]
'''

_SHUFFLE_SUBSET = '''
    # shuffle the training set with the seed and keep the first SUBSET examples (0 = all);
    # the test set is never subsampled
    order = np.random.default_rng(SEED).permutation(len(y_train))
    if SUBSET:
        order = order[:SUBSET]
    return (x_train[order], y_train[order]), (x_test, y_test), class_names
'''


def _common(spec: Any, info: Any) -> tuple[list[tuple[str, Any, str]], str]:
    """Settings and code every classification set shares: class names, class filter, shuffle + subset."""
    settings = [("CLASS_NAMES", list(info.class_names), "label of each class index")]
    code = ""
    if spec.classes:
        settings.append(("CLASSES", list(spec.classes), "train on these classes only (renumbered 0, 1, ...)"))
        code += _CLASS_FILTER
    settings.append(("SUBSET", spec.subset, "training examples used after shuffling (0 = all)"))
    return settings, code + _SHUFFLE_SUBSET


# -- images ----------------------------------------------------------------------------------------------

_IMAGES = '''
def load_data(path):
    """@TITLE@: uint8 images (N, height, width, channels) 0..255 and integer labels."""
    if path in (None, "keras"):
        # Keras' own loader downloads the set once into ~/.keras/datasets
        (x_train, y_train), (x_test, y_test) = keras.datasets.@KERAS@.load_data()
    else:
        # a local .npz file with Keras' array names
        with np.load(path, allow_pickle=False) as f:
            x_train, y_train, x_test, y_test = f["x_train"], f["y_train"], f["x_test"], f["y_test"]
    if x_train.ndim == 3:
        # grayscale images come as (N, 28, 28): add the channel axis convolutions expect
        x_train, x_test = x_train[..., None], x_test[..., None]
    y_train, y_test = y_train.reshape(-1).astype("int64"), y_test.reshape(-1).astype("int64")
    class_names = CLASS_NAMES
'''


def _image(spec: Any, info: Any) -> DataCode:
    settings, tail = _common(spec, info)
    code = _IMAGES.replace("@TITLE@", info.title).replace("@KERAS@", IMAGE_SETS[spec.dataset]) + tail
    keras_name = IMAGE_SETS[spec.dataset]
    return DataCode(set(), settings, code,
                    f"an .npz file with Keras' arrays x_train, y_train, x_test, y_test; or 'keras' for "
                    f"keras.datasets.{keras_name}.load_data()")


# -- toy sets (tensorflow/playground's generators) ----------------------------------------------------------

_TOY_GENERATORS = {
    "circle": '''
def make_points(rng, n, noise):
    """Class 1 in the disc r < 2.5, class 0 in the ring 3.5 < r < 5; noise flips labels near the border."""
    radius = 5.0
    n_pos, n_neg = n - n // 2, n // 2

    def ring(r):  # points at radius r, random angle
        angle = rng.uniform(0, 2 * np.pi, len(r))
        return np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)

    inner = ring(rng.uniform(0, radius * 0.5, n_pos))
    outer = ring(rng.uniform(radius * 0.7, radius, n_neg))
    xy = np.concatenate([inner, outer])
    jitter = rng.uniform(-radius, radius, xy.shape) * noise  # the label is decided at a jittered position
    label = np.hypot(*(xy + jitter).T) < radius * 0.5
    return xy, label.astype("int64")
''',
    "xor": '''
def make_points(rng, n, noise):
    """Uniform in [-5, 5]^2 pushed 0.3 away from the axes; class 1 where x*y >= 0 (after jitter)."""
    xy = rng.uniform(-5, 5, (n, 2))
    xy += np.where(xy > 0, 0.3, -0.3)
    jitter = rng.uniform(-5, 5, xy.shape) * noise
    p = xy + jitter
    return xy, (p[:, 0] * p[:, 1] >= 0).astype("int64")
''',
    "gauss": '''
def make_points(rng, n, noise):
    """Class 1 around (2, 2), class 0 around (-2, -2); the variance grows with the noise."""
    variance = 0.5 + noise * (4 - 0.5) / 0.5
    n_pos, n_neg = n - n // 2, n // 2
    std = np.sqrt(variance)
    pos = rng.normal(2, std, (n_pos, 2))
    neg = rng.normal(-2, std, (n_neg, 2))
    return np.concatenate([pos, neg]), np.r_[np.ones(n_pos, "int64"), np.zeros(n_neg, "int64")]
''',
    "spiral": '''
def make_points(rng, n, noise):
    """Two spirals of 1.75 turns out to radius 5, the class-0 one turned by pi; noise jitters the points."""
    parts, labels = [], []
    for count, delta, label in zip((n - n // 2, n // 2), (0.0, np.pi), (1, 0)):
        i = np.arange(count)
        r = i / count * 5
        t = 1.75 * i / count * 2 * np.pi + delta
        xy = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        parts.append(xy + rng.uniform(-1, 1, xy.shape) * noise)
        labels.append(np.full(count, label, "int64"))
    return np.concatenate(parts), np.concatenate(labels)
''',
}

_TOY = '''
def load_data(path=None):
    """@TITLE@: N_POINTS generated 2-D points, shuffled, the first TRAIN_RATIO of them for training."""
    rng = np.random.default_rng(SEED)
    xy, y = make_points(rng, N_POINTS, NOISE)
    order = rng.permutation(len(y))
    xy, y = xy[order].astype("float32"), y[order]
    split = int(np.floor(len(y) * TRAIN_RATIO))
    x_train, y_train, x_test, y_test = xy[:split], y[:split], xy[split:], y[split:]
    class_names = CLASS_NAMES
'''


_TOY_FEATURES = '''
def input_features(xy):
    """The network's inputs, computed from each point (x1, x2): FEATURES, in that order
    (tensorflow/playground's feature column; synaptic_core/data/toy.py)."""
    x1, x2 = xy[:, 0].astype("float64"), xy[:, 1].astype("float64")
    formulas = {@FORMULAS@}
    return np.stack([formulas[name]() for name in FEATURES], axis=1).astype("float32")
'''


def _toy(spec: Any, info: Any) -> DataCode:
    from synaptic_core.data.toy import FEATURE_CODE, RAW_FEATURES

    settings, tail = _common(spec, info)
    settings = [("N_POINTS", spec.n_points, "points generated"), ("NOISE", spec.noise, "noise of the generator"),
                ("TRAIN_RATIO", spec.train_ratio, "share of the points used for training"), *settings]
    load = _TOY.replace("@TITLE@", info.title)
    helpers = ""
    if tuple(spec.features) != RAW_FEATURES:  # the same formulas as the app, row by row (order-independent)
        settings.insert(3, ("FEATURES", list(spec.features), "inputs computed from each point (x1, x2)"))
        formulas = ", ".join(f'"{name}": lambda: {FEATURE_CODE[name]}' for name in spec.features)
        helpers = _TOY_FEATURES.replace("@FORMULAS@", formulas)
        load += "    x_train, x_test = input_features(x_train), input_features(x_test)\n"
    code = _TOY_GENERATORS[spec.dataset] + helpers + load + tail
    return DataCode(set(), settings, code, "not used: the points are generated by make_points()", generated=True,
                    notes=["The points are generated in this script, as the playground generates them "
                           "(tensorflow/playground's dataset.ts, ported to numpy)."])


# -- tables ----------------------------------------------------------------------------------------------

_TABLE_STEPS = '''
def stratified_split(y, test_ratio, seed):
    """Row indices (train, test): each class split 1 - test_ratio : test_ratio, the same for the same seed."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == c))
        n_test = int(round(len(rows) * test_ratio))
        test.append(rows[:n_test])
        train.append(rows[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def standardise(train, test):
    """(x - mean) / std with the TRAINING rows' mean and std, so nothing about the test rows leaks in."""
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (train - mean) / std, (test - mean) / std
'''

_SONAR = '''
def read_table(path):
    """The UCI sonar file: 60 energy bands per row, then the label M (mine) or R (rock)."""
    with open(path, newline="") as f:
        rows = [row for row in csv.reader(f) if row]
    x = np.array([[float(v) for v in row[:60]] for row in rows], dtype="float64")
    y = np.array([{"M": 0, "R": 1}[row[60].strip()] for row in rows], dtype="int64")
    return x, y


def load_data(path):
    """Sonar: a stratified 80/20 split by the seed, features standardised with the training rows."""
    features, y = read_table(path)
    tr, te = stratified_split(y, 0.2, SEED)
    x_train, x_test = standardise(features[tr], features[te])
    x_train, y_train, x_test, y_test = x_train.astype("float32"), y[tr], x_test.astype("float32"), y[te]
    class_names = CLASS_NAMES
'''

_CHURN = '''
NUMERIC = ("SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges")


def read_table(path):
    """The telco churn CSV: 19 attributes per customer and the Churn answer (Yes/No)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    y = (df.pop("Churn").str.strip() == "Yes").to_numpy("int64")
    df = df.drop(columns=["customerID"])
    for col in NUMERIC:
        text = df[col].str.strip()
        if col == "TotalCharges":
            text = text.replace("", "0")  # blank only for customers with tenure 0: nothing billed yet
        df[col] = pd.to_numeric(text, errors="raise").astype("float64")
    return df, y


def one_hot(train, test):
    """Each text column becomes one 0/1 column per value seen in the TRAINING rows."""
    cats = [c for c in train.columns if not pd.api.types.is_numeric_dtype(train[c])]
    out = []
    for frame in (train, test):
        parts = [frame.drop(columns=cats)]
        for c in cats:
            values = sorted(train[c].unique())
            seen = frame[c].where(frame[c].isin(values))  # a value never seen in training -> all zeros
            coded = pd.Categorical(seen, categories=values)
            parts.append(pd.get_dummies(coded, prefix=c, dtype="float64").set_axis(frame.index))
        out.append(pd.concat(parts, axis=1))
    return out[0], out[1]


def load_data(path):
    """Churn: a stratified 80/20 split by the seed, categories one-hot encoded, features standardised."""
    features, y = read_table(path)
    tr, te = stratified_split(y, 0.2, SEED)
    x_train, x_test = one_hot(features.iloc[tr], features.iloc[te])
    x_train, x_test = standardise(x_train.to_numpy("float64"), x_test.to_numpy("float64"))
    x_train, y_train, x_test, y_test = x_train.astype("float32"), y[tr], x_test.astype("float32"), y[te]
    class_names = CLASS_NAMES
'''


def _tabular(spec: Any, info: Any) -> DataCode:
    settings, tail = _common(spec, info)
    if spec.dataset == "sonar":
        return DataCode({"csv"}, settings, _TABLE_STEPS + _SONAR + tail,
                        "the UCI file sonar.all-data: 60 numbers and M or R per row")
    return DataCode({"pandas"}, settings, _TABLE_STEPS + _CHURN + tail,
                    "the telco churn CSV, WA_Fn-UseC_-Telco-Customer-Churn.csv, or gzipped")


# -- text (word-level sentiment) -----------------------------------------------------------------------------

_READ_JSONL = '''
def read_rows(path):
    """Reviews as dicts with "text" and "label" (and "split" when the file has one), one JSON object a line."""
    opener = lzma.open if path.endswith(".xz") else gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
'''

_READ_UCI = '''
def read_rows(path):
    """Sentences as dicts with "text" and "label": the UCI folder, or the same rows as JSON lines."""
    if not os.path.isdir(path):
        opener = lzma.open if path.endswith(".xz") else gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    # the UCI folder: one "sentence<TAB>label" per line, split at the LAST tab; lines end at "\\n" only
    # (two sentences hold U+0085, which str.splitlines() would also split at)
    rows = []
    for name in ("amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt"):
        with open(os.path.join(path, name), encoding="utf-8") as f:
            for line in f.read().split("\\n"):
                if "\\t" in line:
                    sentence, label = line.rsplit("\\t", 1)
                    rows.append({"text": sentence, "label": label})
    return rows
'''

_TEXT = '''
TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokenize(text):
    """Lower-case words; HTML tags such as <br /> become spaces; "don't" stays one word."""
    return WORD.findall(TAG.sub(" ", text.lower()))


def build_vocabulary(texts, size):
    """The size - 2 most frequent training words -> ids 2, 3, ... (0 is padding, 1 an unknown word)."""
    counts = Counter(word for text in texts for word in tokenize(text))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:max(size - 2, 0)]
    return {word: i + 2 for i, (word, _) in enumerate(ranked)}


def encode(texts, vocabulary, seq_len):
    """Word ids, padded with 0 at the front and cut to the LAST seq_len words (reviews sum up at the end)."""
    out = np.zeros((len(texts), seq_len), dtype="int32")
    for row, text in enumerate(texts):
        ids = [vocabulary.get(word, 1) for word in tokenize(text)][-seq_len:]
        if ids:
            out[row, -len(ids):] = ids
    return out

@READ_ROWS@

def load_data(path):
    """@TITLE@ as word ids (N, SEQ_LEN) and labels 0 (negative) / 1 (positive)."""
    rows = read_rows(path)
    if rows and "split" in rows[0]:
        train = [r for r in rows if r["split"] == "train"]
        test = [r for r in rows if r["split"] == "test"]
    else:
        # no official split: a fixed one (seed 12345, whatever the run's seed), 1 in @TEST_EVERY@ rows for testing
        order = np.random.default_rng(12345).permutation(len(rows))
        n_test = len(rows) // @TEST_EVERY@
        test = [rows[i] for i in order[:n_test]]
        train = [rows[i] for i in order[n_test:]]
    train_texts, y_train = [r["text"] for r in train], np.array([int(r["label"]) for r in train], dtype="int64")
    test_texts, y_test = [r["text"] for r in test], np.array([int(r["label"]) for r in test], dtype="int64")
    # shuffle the training reviews with the seed and keep the first SUBSET of them (0 = all)
    keep = np.random.default_rng(SEED).permutation(len(train_texts))
    if 0 < SUBSET < len(keep):
        keep = keep[:SUBSET]
    texts = [train_texts[i] for i in keep]
    vocabulary = build_vocabulary(texts, VOCAB_SIZE)  # from the training reviews only
    x_train, x_test = encode(texts, vocabulary, SEQ_LEN), encode(test_texts, vocabulary, SEQ_LEN)
    return (x_train, y_train[keep]), (x_test, y_test), len(vocabulary) + 2
'''

_TEXT_FILES = {"imdb": "imdb_reviews.jsonl.xz: JSON lines with split, label, text",
               "rt-polarity": "rt_polarity.jsonl.gz: JSON lines with label, text",
               "sentences": "the sentiment_labelled_sentences folder, or JSON lines with label, text"}


def _text(spec: Any, info: Any) -> DataCode:
    every = 10 if spec.dataset == "rt-polarity" else 5
    reader = _READ_UCI if spec.dataset == "sentences" else _READ_JSONL
    code = (_TEXT.replace("@READ_ROWS@", reader).replace("@TITLE@", info.title)
            .replace("@TEST_EVERY@", str(every)))
    settings = [("SUBSET", spec.subset, "training reviews used after shuffling (0 = all)"),
                ("VOCAB_SIZE", spec.vocab_size, "most frequent training words kept (ids 0 and 1 included)"),
                ("SEQ_LEN", spec.seq_len, "words per review the model reads")]
    modules = {"re", "json", "gzip", "lzma", "collections"} | ({"os"} if spec.dataset == "sentences" else set())
    return DataCode(modules, settings, code,
                    _TEXT_FILES[spec.dataset])


# -- time series -----------------------------------------------------------------------------------------------

_SERIES_TAIL = '''
def windows(values, look_back):
    """x[i] = values[i : i + look_back], y[i] = values[i + look_back]: the past, and the value to predict."""
    values = np.asarray(values, dtype="float32")
    n = len(values) - look_back
    idx = np.arange(look_back)[None, :] + np.arange(max(n, 0))[:, None]
    return values[idx], values[look_back:]


def load_data(path):
    """@TITLE@: split in time order, scaled to [0, 1] with the training period's min and max, windowed."""
    values = @VALUES@
    split = int(len(values) * TRAIN_RATIO)  # the first TRAIN_RATIO of the series is the training period
    lo, hi = float(values[:split].min()), float(values[:split].max())
    hi = hi if hi > lo else lo + 1.0
    scaled = ((values - lo) / (hi - lo)).astype("float32")
    x_train, y_train = windows(scaled[:split], LOOK_BACK)
    # a test window may read the last LOOK_BACK training values: the past is known when we forecast
    x_test, y_test = windows(scaled[split - LOOK_BACK:], LOOK_BACK)
    # (N, LOOK_BACK) -> (N, LOOK_BACK, 1): one feature per time step, as recurrent layers expect
    return (x_train[..., None], y_train), (x_test[..., None], y_test), (lo, hi)
'''

_AIRLINE = '''
def read_series(path):
    """The monthly passenger totals (thousands): the second column of the CSV, after its header."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return np.array([float(r[1]) for r in rows[1:] if len(r) > 1], dtype="float64")
'''

_SINE = '''
def make_series(n, cycle, noise, seed):
    """A sine of period `cycle` steps, amplitude 1, offset 2, plus Gaussian noise of std `noise`."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 2.0 + np.sin(2 * np.pi * t / cycle) + rng.normal(0.0, noise, n)
'''


def _series(spec: Any, info: Any) -> DataCode:
    settings = [("TRAIN_RATIO", spec.train_ratio, "share of the series (in time order) used for training"),
                ("LOOK_BACK", spec.look_back, "past values the model sees to predict the next one")]
    if spec.dataset == "sine":
        settings = [("N_POINTS", spec.n_points, "values generated"), ("CYCLE", spec.cycle, "steps per cycle"),
                    ("NOISE", spec.noise, "standard deviation of the noise"), *settings]
        code = _SINE + _SERIES_TAIL.replace("@VALUES@", "make_series(N_POINTS, CYCLE, NOISE, SEED)")
        return DataCode(set(), settings, code.replace("@TITLE@", info.title),
                        "not used: the series is generated by make_series()", generated=True)
    code = _AIRLINE + _SERIES_TAIL.replace("@VALUES@", "read_series(path)")
    return DataCode({"csv"}, settings, code.replace("@TITLE@", info.title),
                    "airline-passengers.csv: a header line, then month,passengers rows")


# -- characters ------------------------------------------------------------------------------------------------

_CHARS = '''
def read_text(path):
    opener = lzma.open if path.endswith(".xz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return f.read()


def char_windows(ids, seq_len, stride):
    """Inputs ids[s : s + seq_len] and the character that follows as the target, every `stride` characters."""
    starts = np.arange(0, len(ids) - seq_len, stride)
    x = ids[starts[:, None] + np.arange(seq_len)[None, :]]
    return x.astype("int32"), ids[starts + seq_len].astype("int64")


def load_data(path):
    """@TITLE@ as windows of SEQ_LEN character ids and the next character; the last 10% is the test text."""
    text = read_text(path)
    alphabet = "".join(sorted(set(text)))  # every character of the text, in sorted order
    index = {c: i for i, c in enumerate(alphabet)}
    ids = np.array([index[c] for c in text], dtype="int32")
    cut = int(len(ids) * 0.9)
    x_train, y_train = char_windows(ids[:cut], SEQ_LEN, STRIDE)
    x_test, y_test = char_windows(ids[cut:], SEQ_LEN, SEQ_LEN)
    # a seeded random SUBSET of the training windows, kept in text order (0 = all)
    keep = np.random.default_rng(SEED).permutation(len(x_train))
    if 0 < SUBSET < len(keep):
        keep = keep[:SUBSET]
    keep = np.sort(keep)
    return (x_train[keep], y_train[keep]), (x_test, y_test), alphabet
'''


def _chars(spec: Any, info: Any) -> DataCode:
    settings = [("SUBSET", spec.subset, "training windows used (0 = all)"),
                ("SEQ_LEN", spec.seq_len, "characters the model reads before predicting the next"),
                ("STRIDE", spec.stride, "step between training windows"), *chars_settings(spec)]
    return DataCode({"lzma"}, settings, _CHARS.replace("@TITLE@", info.title),
                    "the text file, tinyshakespeare/input.txt, or the same text as .xz")
