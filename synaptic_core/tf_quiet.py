"""TensorFlow's start-up chatter kept out of the server log, real errors kept in.

The first ``import tensorflow`` and the first device initialisation write a dozen lines
straight to file descriptor 2 from C++ (oneDNN notes, "Could not find cuda drivers", and on
a CPU-only machine an E-level "failed call to cuInit" that reads like a fault). They are
written before absl's logging is set up, so ``TF_CPP_MIN_LOG_LEVEL`` does not hide them.

``install()`` puts an import hook in ``sys.meta_path``: when something first imports
``tensorflow`` (keras does, lazily, wherever a page or worker needs it), the import and the
device probe that follows run with fd 2 pointed at a temporary file; afterwards every line
that is not known chatter is written back to the real stderr, so a genuine error is never
lost. One hook per process, removed after it fired; everything here is standard library.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile
import threading
from contextlib import contextmanager
from typing import Iterator

# Lines TensorFlow prints on every start on a machine without a GPU; nothing a user can act on.
CHATTER = re.compile(
    r"oneDNN custom operations are on|Could not find cuda drivers|failed call to cuInit"
    r"|All log messages before absl::InitializeLog\(\) is called|This TensorFlow binary is optimized"
    r"|To enable the following instructions|rebuild TensorFlow with the appropriate compiler flags"
    r"|Unable to register cu(DNN|FFT|BLAS) factory|computation placer already registered|TF-TRT Warning"
    r"|cuda_executor.cc.*NUMA node|Skipping registering GPU devices"
)
_lock = threading.Lock()


def keep_line(line: str) -> bool:
    """True for a stderr line worth keeping (anything that is not known start-up chatter)."""
    return bool(line.strip()) and not CHATTER.search(line)


@contextmanager
def filtered_stderr() -> Iterator[None]:
    """Capture fd 2 while the block runs, then write back only the lines worth keeping."""
    with _lock:
        sys.stderr.flush()
        saved = os.dup(2)
        with tempfile.TemporaryFile() as tmp:
            os.dup2(tmp.fileno(), 2)
            try:
                yield
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                tmp.seek(0)
                kept = [ln for ln in tmp.read().decode("utf-8", "replace").splitlines() if keep_line(ln)]
                if kept:
                    os.write(2, ("\n".join(kept) + "\n").encode())


class _QuietLoader(importlib.abc.Loader):
    """Wraps tensorflow's own loader: runs it, then the device probe, inside ``filtered_stderr``."""

    def __init__(self, inner: importlib.abc.Loader):
        self.inner = inner

    def __getattr__(self, name: str):  # resource readers and the rest: tensorflow's own loader answers
        return getattr(self.inner, name)

    def create_module(self, spec):  # noqa: ANN001 - importlib's signature
        return self.inner.create_module(spec)

    def exec_module(self, module) -> None:  # noqa: ANN001
        with filtered_stderr():
            self.inner.exec_module(module)
            try:  # the CUDA probe ("failed call to cuInit") happens at the first device query
                module.config.list_physical_devices()
            except Exception:  # noqa: BLE001 - a probe failure shows later, where it matters
                pass


class _Hook(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):  # noqa: ANN001
        if name != "tensorflow":
            return None
        uninstall()  # fire once; find the real spec without this hook in the way
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def install() -> bool:
    """Quiet the first TensorFlow import of this process; False when it was imported already."""
    if "tensorflow" in sys.modules:
        return False
    if not any(isinstance(f, _Hook) for f in sys.meta_path):
        sys.meta_path.insert(0, _Hook())
    return True


def uninstall() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _Hook)]


__all__ = ["install", "uninstall", "filtered_stderr", "keep_line", "CHATTER"]


class _NotRetracing:
    """A logging filter that drops tf.function's "triggered tf.function retracing" warning."""

    def filter(self, record: "logging.LogRecord") -> bool:  # noqa: F821 - logging imported by the caller
        return "triggered tf.function retracing" not in record.getMessage()


_NOT_RETRACING = _NotRetracing()


def quiet_retracing() -> None:
    """In a worker that serves run after run: each run builds its own model, so TensorFlow counts
    one more trace of ``predict`` per run and, from the fifth, warns of "excessive retracing" in the
    server log. Nothing is wrong (every run is a new model); the warning alone is dropped. Idempotent."""
    import logging

    logger = logging.getLogger("tensorflow")
    if _NOT_RETRACING not in logger.filters:
        logger.addFilter(_NOT_RETRACING)
