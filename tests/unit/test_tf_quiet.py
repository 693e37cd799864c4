"""TensorFlow's start-up chatter is filtered from fd 2; anything else written there is kept."""

import os
import subprocess
import sys
from pathlib import Path

from synaptic_core import tf_quiet

ROOT = Path(__file__).resolve().parents[2]


def test_filtered_stderr_drops_chatter_and_keeps_real_lines(capfd):
    with tf_quiet.filtered_stderr():
        os.write(2, b"E0000 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)\n")
        os.write(2, b"I0000 port.cc:153] oneDNN custom operations are on.\n")
        os.write(2, b"a real problem the operator must see\n")
    err = capfd.readouterr().err
    assert "a real problem the operator must see" in err
    assert "cuInit" not in err and "oneDNN" not in err


def test_first_tensorflow_import_prints_no_cuda_or_onednn_chatter():
    code = ("from synaptic_core import tf_quiet; tf_quiet.install(); import keras, tensorflow as tf; "
            "tf.constant(1.0) + 1; import sys; print('ready', file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "ready" in proc.stderr
    assert "cuInit" not in proc.stderr and "oneDNN custom operations" not in proc.stderr, proc.stderr
