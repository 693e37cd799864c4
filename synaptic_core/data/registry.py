"""The table of datasets: one row per name, like tensorflow/playground's dataset list.

A row holds everything the rest of the data layer needs to know about a set: its title,
task, description, citation and licence, class names, and the file names it has in each
source (the local data dir, the Keras cache, the network, the bundled sample). Adding a
dataset means adding a row here and, if it has a new file format, a reader.

Names are stable and lower-case: they appear in URLs, specs and the run history.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    task: str  # "image" | "toy" | "tabular"
    description: str
    citation: str
    licence: str
    class_names: tuple[str, ...]
    input_shape: tuple[int, ...]
    n_train: int
    n_test: int
    noun: str  # what one example is called in labels: "images", "points", "rows"
    local_files: tuple[str, ...] = ()  # names in $SYNAPTIC_DATA_DIR; the first one present wins
    cache_files: tuple[str, ...] = ()  # under <Keras home>/datasets; all must be present
    remote: tuple[RemoteFile, ...] = ()  # what `download()` fetches (into cache_files)
    bundled_file: str | None = None  # under assets/data/
    bundled_is_sample: bool = True  # False when the bundled file is the complete set

    def info(self) -> DatasetInfo:
        return DatasetInfo(
            name=self.name, title=self.title, task=self.task, description=self.description,
            citation=self.citation, licence=self.licence, class_names=self.class_names,
            input_shape=self.input_shape, n_train=self.n_train, n_test=self.n_test,
            downloadable=bool(self.remote),
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

_DIGITS = tuple(str(d) for d in range(10))
_FASHION = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
            "Ankle boot")
_CIFAR = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
_PLAYGROUND = ("tensorflow/playground (Smilkov, Carter et al., 2016), src/dataset.ts; "
               "generators ported to numpy")
_TOY_CLASSES = ("negative", "positive")  # playground's labels -1 (orange) and +1 (blue)


def _toy(name: str, title: str, description: str) -> Entry:
    return Entry(name=name, title=title, task="toy", description=description, citation=_PLAYGROUND,
                 licence="Generated on the fly; generator code after tensorflow/playground (Apache 2.0).",
                 class_names=_TOY_CLASSES, input_shape=(2,), n_train=0, n_test=0, noun="points")


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
)
_BY_NAME: dict[str, Entry] = {e.name: e for e in ENTRIES}


def get_entry(name: str) -> Entry:
    """The row for ``name``; a DataError listing the known names otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise DataError(f"Unknown dataset {name!r}: choose one of {', '.join(dataset_names())}.") from None


def dataset_names() -> list[str]:
    """All dataset names, in table order (images, toy sets, tabular)."""
    return [e.name for e in ENTRIES]


def list_datasets() -> list[DatasetInfo]:
    """The public description of every dataset."""
    return [e.info() for e in ENTRIES]
