"""The table of datasets: one row per name, like tensorflow/playground's dataset list.

Every dataset the app knows is here -- images, toy sets, tables, texts, series, characters --
with its task kind (a record in ``synaptic_core.tasks`` says how that kind is read, prepared,
trained, evaluated and shown). A row holds what the data layer needs to know about a set:
its title, description, citation and licence, class names, the spec values it brings with it
(``defaults``, applied by ``synaptic_core.presets``), and the file names it has in each source
(the local data dir, the Keras cache, the network, the bundled sample; none: generated).
Adding a dataset means adding a row here and, if it has a new file format, a reader.

Names are stable and lower-case: they appear in URLs, specs and the run history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synaptic_core.tasks import get_task

from .types import DataError, DatasetInfo


@dataclass(frozen=True)
class RemoteFile:
    """A file `download()` fetches into the Keras cache and checks before keeping it."""

    url: str
    fname: str  # path relative to <Keras home>/datasets, the name Keras itself uses
    file_hash: str
    algorithm: str  # "sha256" | "md5"
    size: int | None = None  # bytes, when known in advance (for the progress total)


@dataclass(frozen=True)
class Entry:
    """One dataset: its description plus its file names in each source."""

    name: str
    title: str
    task: str  # a task kind of synaptic_core.tasks (TASKS)
    description: str
    citation: str
    licence: str
    class_names: tuple[str, ...]
    input_shape: tuple[int, ...]  # sequence sets: with their defaults (it follows seq_len / look_back)
    n_train: int  # full training set; 0 when it depends on the spec (generated, windows)
    n_test: int
    noun: str  # what one example is called in labels: "images", "points", "rows", "reviews"
    local_files: tuple[str, ...] = ()  # names in $SYNAPTIC_DATA_DIR; the first one present wins
    cache_files: tuple[str, ...] = ()  # under <Keras home>/datasets; all must be present
    remote: tuple[RemoteFile, ...] = ()  # what `download()` fetches (into cache_files)
    bundled_file: str | None = None  # under assets/data/
    bundled_is_sample: bool = True  # False when the bundled file is the complete set
    defaults: dict[str, Any] = field(default_factory=dict)  # spec values this set needs to make sense
    stored_file: str | None = None  # an upload's file under $SYNAPTIC_HOME/uploads (synaptic_core.data.uploads)

    @property
    def generated(self) -> bool:
        """No file anywhere: the arrays are generated from the spec (toy sets, the sine)."""
        return not (self.local_files or self.cache_files or self.remote or self.bundled_file or self.stored_file)

    def info(self) -> DatasetInfo:
        task = get_task(self.task)
        return DatasetInfo(
            name=self.name, title=self.title, task=self.task, description=self.description,
            citation=self.citation, licence=self.licence, class_names=self.class_names,
            input_shape=self.input_shape, n_train=self.n_train, n_test=self.n_test,
            downloadable=bool(self.remote), page=task.page, defaults=dict(self.defaults),
            model_task=task.models_for, kind=task.kind,
        )


# URLs, file names and hashes of the Keras downloads, copied from keras 3.15.1's source
# (keras/src/datasets/mnist.py and fashion_mnist.py), so that a file we download is the file
# Keras would download, and the reverse. Keras checks a sha256 for mnist.npz; it checks no hash
# for the Fashion-MNIST files, so for those we check the md5 published by Zalando in the
# zalandoresearch/fashion-mnist README (Keras' copies are those files; sizes from the same place).
_KERAS_BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_MNIST_REMOTE = (
    RemoteFile(_KERAS_BASE + "mnist.npz", "mnist.npz",
               "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1", "sha256", 11490434),
)
_FASHION_REMOTE = (
    RemoteFile(_KERAS_BASE + "train-labels-idx1-ubyte.gz", "fashion-mnist/train-labels-idx1-ubyte.gz",
               "25c81989df183df01b3e8a0aad5dffbe", "md5", 29515),
    RemoteFile(_KERAS_BASE + "train-images-idx3-ubyte.gz", "fashion-mnist/train-images-idx3-ubyte.gz",
               "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "md5", 26421880),
    RemoteFile(_KERAS_BASE + "t10k-labels-idx1-ubyte.gz", "fashion-mnist/t10k-labels-idx1-ubyte.gz",
               "bb300cfdad3c16e7a12a480ee83cd310", "md5", 5148),
    RemoteFile(_KERAS_BASE + "t10k-images-idx3-ubyte.gz", "fashion-mnist/t10k-images-idx3-ubyte.gz",
               "bef4ecab320f06d8554ea6380940ec79", "md5", 4422102),
)
# CIFAR-10: Keras downloads the *python* (pickled) version, which we never unpickle. We fetch
# the authors' *binary* version instead (fixed-size records, read with numpy); URL and md5 as
# published on https://www.cs.toronto.edu/~kriz/cifar.html (170,052,171 bytes).
_CIFAR_REMOTE = (
    RemoteFile("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", "cifar-10-binary.tar.gz",
               "c32a1d4ab5d03f1284b67883e8d87530", "md5", 170052171),
)

# CIFAR-100: the authors' *binary* version, as for CIFAR-10 (Keras fetches the pickled python version). The md5
# and size are those published on https://www.cs.toronto.edu/~kriz/cifar.html (03b5dce0..., 168,513,733 bytes);
# the sha256 is the one tensorflow/datasets records for the same URL (url_checksums/cifar100.txt).
_CIFAR100_REMOTE = (
    RemoteFile("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz", "cifar-100-binary.tar.gz",
               "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec", "sha256", 168513733),
)

_DIGITS = tuple(str(d) for d in range(10))
_FASHION = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
            "Ankle boot")
_CIFAR = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
# the 100 fine labels in label order (fine_label_names.txt of the archive)
_CIFAR100 = tuple("""apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly
camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin
elephant flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man
maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain
plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake
spider squirrel streetcar sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip
turtle wardrobe whale willow_tree wolf woman worm""".split())
_FER = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
# Image presets that aim at the published figures of simple CNNs rather than at a minute's lesson: all
# training images, batch norm, augmentation, early stopping (docs/BENCHMARKS.md, "FER-2013 and CIFAR-100").
_FER_PRESET = {"model": "cnn", "filters": (32, 64, 128), "kernel": 3, "pool": "max", "hidden": (256,),
               "dropout": 0.4, "batch_norm": True, "augment": True, "optimizer": "adam", "lr": 1e-3,
               "batch_size": 64, "epochs": 40, "early_stopping": 6, "reduce_lr": 3, "validation_split": 0.1,
               "subset": 0}
_CIFAR100_PRESET = {**_FER_PRESET, "filters": (64, 128, 256), "hidden": (512,), "batch_size": 128, "epochs": 30}
_PLAYGROUND = ("tensorflow/playground (Smilkov, Carter et al., 2016), src/dataset.ts; "
               "generators ported to numpy")
_TOY_CLASSES = ("negative", "positive")  # playground's labels -1 (orange) and +1 (blue)
_SENT = ("negative", "positive")
_NO_LICENCE = "No licence stated; the authors ask for a citation."


# -- opening defaults: what a page opens a dataset with, and what `train --dataset NAME` trains (the same
#    `presets.layered_spec`). Each was measured to teach within a minute on a 2-core CPU with the bundled data:
#    docs/BENCHMARKS.md, "Opening defaults" (commands, seeds, test figures, seconds, machine load).
# Toy sets: a small ReLU network, Adam at 0.01 and batches of 16 (the 600 points give 270 to fit: 17 steps an
# epoch), so the decision boundary settles within seconds; the spiral needs a third layer and more epochs.
_TOY_NET = {"model": "mlp", "hidden": (16, 16), "activation": ("relu",), "dropout": 0.0, "optimizer": "adam",
            "lr": 0.01, "batch_size": 16, "epochs": 20}
_TOY_DEFAULTS = {"spiral": {**_TOY_NET, "hidden": (32, 32, 32), "epochs": 40}}


def _toy(name: str, title: str, description: str) -> Entry:
    return Entry(name=name, title=title, task="toy", description=description, citation=_PLAYGROUND,
                 licence="Generated on the fly; generator code after tensorflow/playground (Apache 2.0).",
                 class_names=_TOY_CLASSES, input_shape=(2,), n_train=0, n_test=0, noun="points",
                 defaults=dict(_TOY_DEFAULTS.get(name, _TOY_NET)))


ENTRIES: tuple[Entry, ...] = (
    Entry(
        name="mnist", title="MNIST", task="image",
        description="70,000 handwritten digits, 28x28 grayscale, 10 classes (60,000 train / 10,000 test).",
        citation="Y. LeCun, C. Cortes, C. J. C. Burges: The MNIST database of handwritten digits.",
        licence="Copyright Yann LeCun and Corinna Cortes; CC BY-SA 3.0.",
        class_names=_DIGITS, input_shape=(28, 28, 1), n_train=60000, n_test=10000, noun="images",
        local_files=("mnist.npz",), cache_files=("mnist.npz",), remote=_MNIST_REMOTE,
        bundled_file="mnist_sample.npz",
    ),
    Entry(
        name="fashion-mnist", title="Fashion-MNIST", task="image",
        description="70,000 Zalando article images, 28x28 grayscale, 10 classes (60,000 train / 10,000 test).",
        citation="H. Xiao, K. Rasul, R. Vollgraf: Fashion-MNIST: a Novel Image Dataset for Benchmarking "
                 "Machine Learning Algorithms. arXiv:1708.07747, 2017.",
        licence="MIT, copyright 2017 Zalando SE.",
        class_names=_FASHION, input_shape=(28, 28, 1), n_train=60000, n_test=10000, noun="images",
        local_files=("fashion_mnist.npz",), cache_files=tuple(f.fname for f in _FASHION_REMOTE),
        remote=_FASHION_REMOTE, bundled_file="fashion_mnist_sample.npz",
    ),
    Entry(
        name="cifar10", title="CIFAR-10", task="image",
        description="60,000 small colour photos, 32x32 RGB, 10 classes (50,000 train / 10,000 test).",
        citation="A. Krizhevsky: Learning Multiple Layers of Features from Tiny Images. Technical report, "
                 "University of Toronto, 2009.",
        licence="No explicit licence; the authors ask for a citation of the report above.",
        class_names=_CIFAR, input_shape=(32, 32, 3), n_train=50000, n_test=10000, noun="images",
        local_files=("cifar10.npz", "cifar10_subset.npz"), cache_files=("cifar-10-binary.tar.gz",),
        remote=_CIFAR_REMOTE, bundled_file="cifar10_sample.npz",
    ),
    Entry(
        name="fer2013", title="FER-2013 facial expressions", task="image",
        description="35,887 faces, 48x48 grayscale, 7 expressions (28,709 train / 3,589 PrivateTest).",
        citation="I. Goodfellow et al.: Challenges in Representation Learning: A report on three machine learning "
                 "contests. ICML 2013 workshop (data by P.-L. Carrier and A. Courville).",
        licence="No explicit open licence: ICML 2013 Kaggle competition data, for research; cite the report above.",
        class_names=_FER, input_shape=(48, 48, 1), n_train=28709, n_test=3589, noun="images",
        local_files=("fer2013.npz",), bundled_file="fer2013_sample.npz", defaults=dict(_FER_PRESET),
    ),
    Entry(
        name="cifar100", title="CIFAR-100", task="image",
        description="60,000 small colour photos, 32x32 RGB, 100 classes (50,000 train / 10,000 test); "
                    "downloaded on request (161 MB).",
        citation="A. Krizhevsky: Learning Multiple Layers of Features from Tiny Images. Technical report, "
                 "University of Toronto, 2009.",
        licence="No explicit licence; the authors ask for a citation of the report above.",
        class_names=_CIFAR100, input_shape=(32, 32, 3), n_train=50000, n_test=10000, noun="images",
        local_files=("cifar-100-binary.tar.gz",), cache_files=("cifar-100-binary.tar.gz",),
        remote=_CIFAR100_REMOTE, defaults=dict(_CIFAR100_PRESET),
    ),
    _toy("circle", "Circle", "A disc of one class inside a ring of the other (tensorflow/playground)."),
    _toy("xor", "Exclusive or", "Four quadrants; the label is the sign of x*y (tensorflow/playground)."),
    _toy("gauss", "Two Gaussians", "Two Gaussian blobs at (2,2) and (-2,-2); noise widens them "
                                   "(tensorflow/playground)."),
    _toy("spiral", "Spiral", "Two interleaved spirals (tensorflow/playground)."),
    Entry(
        name="sonar", title="Sonar (mines vs rocks)", task="tabular",
        description="208 sonar returns, 60 energy bands in [0,1]; metal cylinder (mine) or rock.",
        citation="R. P. Gorman, T. J. Sejnowski: Analysis of Hidden Units in a Layered Network Trained to "
                 "Classify Sonar Targets. Neural Networks 1 (1988) 75-89. UCI Machine Learning Repository.",
        licence="UCI Machine Learning Repository, CC BY 4.0.",
        class_names=("mine", "rock"), input_shape=(60,), n_train=167, n_test=41, noun="rows",
        local_files=("sonar.all-data",), bundled_file="sonar.all-data", bundled_is_sample=False,
    ),
    Entry(
        name="churn", title="Telco customer churn", task="tabular",
        description="7,043 telecom customers, 19 attributes (one-hot encoded to 45 features); did they leave?",
        citation="IBM sample data set 'Telco Customer Churn' (IBM Watson Analytics), republished on Kaggle.",
        licence="IBM sample data; no explicit licence in the file.",
        class_names=("stayed", "churned"), input_shape=(45,), n_train=5634, n_test=1409, noun="rows",
        local_files=("WA_Fn-UseC_-Telco-Customer-Churn.csv",), bundled_file="telco_churn.csv.gz",
        bundled_is_sample=False,
    ),
    # -- sequence sets: their arrays depend on the spec (vocabulary, seq_len, look_back), so input_shape is
    #    the one their defaults give, and n_train is 0 where the spec decides it (windows)
    Entry(
        name="imdb", title="IMDB movie reviews", task="text",
        description="50,000 movie reviews labelled positive or negative (25,000 train, 25,000 test).",
        citation="Maas et al., 'Learning Word Vectors for Sentiment Analysis', ACL 2011.", licence=_NO_LICENCE,
        class_names=_SENT, input_shape=(200,), n_train=25000, n_test=25000, noun="reviews",
        local_files=("imdb_reviews.jsonl.xz",), bundled_file="imdb_sample.jsonl.xz",
        # a small Transformer (its attention output averaged over the review) generalises best from the
        # bundled 4,000 reviews; it peaks after ~2 epochs, so early stopping keeps the best epoch. 4,000
        # training reviews: all of the bundled sample, a minute's worth of the full set in the data dir.
        defaults={"model": "transformer", "subset": 4000, "vocab_size": 10000, "seq_len": 200, "embed_dim": 32,
                  "units": 32, "dropout": 0.1, "optimizer": "adam", "lr": 0.002, "batch_size": 32, "epochs": 5,
                  "early_stopping": 1, "validation_split": 0.1},
    ),
    Entry(
        name="rt-polarity", title="Rotten Tomatoes sentence polarity", task="text",
        description="10,662 one-sentence movie snippets, half positive, half negative (90/10 split).",
        citation="Pang & Lee, 'Seeing stars', ACL 2005 (sentence polarity dataset v1.0).", licence=_NO_LICENCE,
        class_names=_SENT, input_shape=(50,), n_train=9596, n_test=1066, noun="sentences",
        local_files=("rt_polarity.jsonl.gz",), bundled_file="rt_polarity.jsonl.gz", bundled_is_sample=False,
        defaults={"model": "lstm", "vocab_size": 10000, "seq_len": 50, "embed_dim": 32, "units": 32,
                  "batch_size": 64, "epochs": 4},
    ),
    Entry(
        name="sentences", title="Labelled sentences (IMDB, Amazon, Yelp)", task="text",
        description="3,000 short review sentences from three sites, half positive (80/20 split).",
        citation="Kotzias et al., 'From Group to Individual Labels using Deep Features', KDD 2015.",
        licence="UCI Machine Learning Repository; the authors ask for a citation.",
        class_names=_SENT, input_shape=(40,), n_train=2400, n_test=600, noun="sentences",
        local_files=("sentiment_labelled_sentences",), bundled_file="sentiment_labelled_sentences.jsonl.gz",
        bundled_is_sample=False,
        defaults={"model": "lstm", "vocab_size": 4000, "seq_len": 40, "embed_dim": 32, "units": 32,
                  "batch_size": 32, "epochs": 10},
    ),
    Entry(
        name="airline-passengers", title="International airline passengers", task="series",
        description="Monthly totals of international airline passengers in thousands, 1949-1960 (144 months).",
        citation="Box & Jenkins (1976), via the Time Series Data Library.", licence="No licence stated.",
        class_names=(), input_shape=(1, 1), n_train=0, n_test=0, noun="months",
        local_files=("airline-passengers.csv",), bundled_file="airline-passengers.csv", bundled_is_sample=False,
        # the Keras tutorial's setup (LSTM 4, look-back 1, batch 1, 100 epochs); `hidden` is for the dense model
        defaults={"model": "lstm", "train_ratio": 0.67, "validation_split": 0.0, "look_back": 1, "units": 4,
                  "epochs": 100, "batch_size": 1, "horizon": 24, "hidden": (32,), "dropout": 0.0},
    ),
    Entry(
        name="sine", title="Noisy sine wave", task="series",
        description="A generated sine (period `cycle` steps) with Gaussian noise `noise`; `n_points` values.",
        citation="Generated in the app.", licence="Generated.",
        class_names=(), input_shape=(20, 1), n_train=0, n_test=0, noun="steps",
        defaults={"model": "rnn", "units": 16, "train_ratio": 0.67, "validation_split": 0.0, "look_back": 20,
                  "n_points": 1000, "noise": 0.1, "cycle": 50.0, "horizon": 100, "epochs": 20, "batch_size": 16,
                  "hidden": (32,), "dropout": 0.0},
    ),
    Entry(
        name="shakespeare", title="Tiny Shakespeare", task="chars",
        description="1.1 million characters of Shakespeare's plays (Karpathy's char-RNN set); 90/10 split.",
        citation="Andrej Karpathy, char-RNN (2015).", licence="Shakespeare's text is public domain.",
        class_names=(), input_shape=(24,), n_train=0, n_test=0, noun="characters",
        local_files=("tinyshakespeare/input.txt",), bundled_file="tinyshakespeare.txt.xz", bundled_is_sample=False,
        # the model predicts one character per window, so within a minute many short, distinct windows teach
        # more than few long ones: 24 characters every 24 (all of the training text once an epoch), GRU 128,
        # Adam at 0.01, two epochs (a third one only overfits). The seed's LSTM (100-character windows every 3)
        # was still at 2.23 nats/char after its first epoch, 152 s in (docs/BENCHMARKS.md, "Tiny Shakespeare").
        defaults={"model": "gru", "embed_dim": 32, "units": 128, "dropout": 0.0, "seq_len": 24, "stride": 24,
                  "subset": 0, "optimizer": "adam", "lr": 0.01, "batch_size": 128, "validation_split": 0.1,
                  "epochs": 2},
    ),
)


def find_entry(name: str) -> Entry | None:
    """The row for ``name``, None when there is none (read from ENTRIES each time, so a test may extend it).

    ``upload:<key>`` names a stored upload (``synaptic_core.data.uploads``), made a row on the fly."""
    entry = next((e for e in ENTRIES if e.name == name), None)
    if entry is None and isinstance(name, str) and name.startswith("upload:"):
        from .uploads.entry import upload_entry
        return upload_entry(name)
    return entry


def get_entry(name: str) -> Entry:
    """The row for ``name``; a DataError listing the known names otherwise."""
    entry = find_entry(name)
    if entry is None:
        raise DataError(f"Unknown dataset {name!r}: choose one of {', '.join(dataset_names())}.")
    return entry


def dataset_defaults(name: str) -> dict[str, Any]:
    """The spec values dataset ``name`` brings with it ({} for an unknown name)."""
    entry = find_entry(name)
    return dict(entry.defaults) if entry else {}


def dataset_names() -> list[str]:
    """All dataset names, in table order (images, toy sets, tables, then the sequence sets)."""
    return [e.name for e in ENTRIES]


def list_datasets() -> list[DatasetInfo]:
    """The public description of every dataset."""
    return [e.info() for e in ENTRIES]
