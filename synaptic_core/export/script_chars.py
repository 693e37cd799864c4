"""The character-model parts of an exported script that differ from the other sequence tasks.

Every character script (rnn, lstm, gru, transformer and char-rnn on a text) samples as the app's
results do (``synaptic_core/training/sequence_results.py``: ``TEMPERATURES``, 300 characters after
the test text's first window, ``sequences/chars.py`` ``generate_many``): ``chars_settings`` gives
the settings it reads.

A model in ``sequences.chars.EVERY_STEP_MODELS`` (char-rnn) predicts the next character after EVERY
position of its window (Karpathy's char-RNN). ``wire_every_step`` edits the assembled script the way
the app differs for it, step for step:

* data (``sequences/prepare.py`` ``prepare_chars``): the training targets are the window shifted by
  one, ``char_windows(..., all_steps=True)``; the test keeps one target per window (the character
  after it), as the app's test does;
* loss: the same sparse cross-entropy, now averaged over every position of every window;
* evaluation and sampling (``chars.last_step``): the prediction after the whole window, the last
  position's, gives ``test.nats_per_char`` and each sampled character.

The model (every recurrent layer returns its whole sequence) is ``script_models._recurrent``'s.
Each edit's anchor must be found exactly once, so a change in script.py or script_data.py fails
loudly here (tests/unit/test_export_chars_every_step.py), never as a silently wrong script.
"""

from __future__ import annotations

from typing import Any

from synaptic_core.export.errors import ExportError

#: characters sampled per temperature, as ``sequence_results.chars_results`` does
SAMPLE_LENGTH = 300

_WINDOWS_OLD = '''def char_windows(ids, seq_len, stride):
    """Inputs ids[s : s + seq_len] and the character that follows as the target, every `stride` characters."""
    starts = np.arange(0, len(ids) - seq_len, stride)
    x = ids[starts[:, None] + np.arange(seq_len)[None, :]]
    return x.astype("int32"), ids[starts + seq_len].astype("int64")
'''

_WINDOWS_NEW = '''def char_windows(ids, seq_len, stride, every_step=False):
    """Inputs ids[s : s + seq_len], every `stride` characters, and as the target the character that follows;
    with every_step the target is the window shifted by one: the next character after EVERY position."""
    starts = np.arange(0, len(ids) - seq_len, stride)
    x = ids[starts[:, None] + np.arange(seq_len)[None, :]]
    if every_step:
        return x.astype("int32"), ids[starts[:, None] + 1 + np.arange(seq_len)[None, :]].astype("int64")
    return x.astype("int32"), ids[starts + seq_len].astype("int64")
'''

_EDITS = [
    (_WINDOWS_OLD, _WINDOWS_NEW),
    ("    x_train, y_train = char_windows(ids[:cut], SEQ_LEN, STRIDE)\n",
     "    # the model predicts after every character: each training window teaches SEQ_LEN next characters\n"
     "    x_train, y_train = char_windows(ids[:cut], SEQ_LEN, STRIDE, every_step=True)\n"
     "    # the test scores the character after each window, as for every character model\n"),
    ("    # integer labels and softmax outputs: sparse categorical cross-entropy\n",
     "    # integer labels and softmax outputs: sparse categorical cross-entropy, averaged over every\n"
     "    # position of every window (each position's target is the character after it)\n"),
    ('''    """The model's outputs as probabilities of the character after each window: (N, alphabet size)."""
    return np.asarray(outputs).astype("float64")
''', '''    """The model's outputs as probabilities of the character after each window: (N, alphabet size).

    The model predicts after every position, (N, SEQ_LEN, alphabet size): the prediction after the
    whole window is the last position's."""
    return np.asarray(outputs)[:, -1].astype("float64")
'''),
]


def chars_settings(spec: Any) -> list[tuple[str, Any, str]]:
    """The sampling settings of a character script (the app's results sample the same way)."""
    from synaptic_core.training.sequence_results import TEMPERATURES

    return [("TEMPERATURES", list(TEMPERATURES), "one sample per temperature (0 = always the likeliest)"),
            ("SAMPLE_LENGTH", SAMPLE_LENGTH, "characters generated per sample")]


def refusal(spec: Any) -> str | None:
    """Why an every-step run cannot be exported (its targets are windows, not classes), or None."""
    from synaptic_core.sequences.chars import every_step
    from synaptic_core.specs import PARAM_BY_NAME

    if not every_step(spec.model):
        return None
    used = [f"{name} = {getattr(spec, name)}" for name in ("imbalance", "loss", "cv_folds")
            if getattr(spec, name) != PARAM_BY_NAME[name].default]
    if used:
        return (f"{', '.join(used)} on every-step targets (a whole window of next characters per example) is not "
                "written into exported scripts: class counts, weights and folds there treat each target as "
                "one class. Export a run trained without it.")
    return None


def wire_every_step(spec: Any, source: str) -> str:
    """``source`` with the every-step edits for a char-rnn spec; unchanged for any other model."""
    from synaptic_core.sequences.chars import every_step

    if not every_step(spec.model):
        return source
    for old, new in _EDITS:
        if source.count(old) != 1:
            raise ExportError(f"internal: {old.splitlines()[0].strip()!r} was not found once in the script.")
        source = source.replace(old, new)
    return source
