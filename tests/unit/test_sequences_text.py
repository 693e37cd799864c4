"""Tokenisation and the word vocabulary: ids 0 (pad) and 1 (out of vocabulary) reserved,
frequency order, pre-padding and truncation that keep a review's end, training texts only."""

from __future__ import annotations

import numpy as np

from synaptic_core.sequences.text import OOV, PAD, Vocabulary, tokenize
from synaptic_core.specs import RunSpec


def test_tokenize_lowercases_drops_html_and_punctuation_keeps_contractions():
    assert tokenize("Great film!<br /><br />I DIDN'T expect it... 10/10") == \
        ["great", "film", "i", "didn't", "expect", "it", "10", "10"]
    assert tokenize("") == [] and tokenize("<b></b> ?!") == []


def test_vocabulary_ranks_by_frequency_then_alphabet_and_reserves_two_ids():
    vocab = Vocabulary.build(["b a a", "c b a", "d"], size=4)  # a:3, b:2, then c and d tie at 1
    assert vocab.words == ("a", "b")  # size - 2 words: ids 0 and 1 are pad and OOV
    assert vocab.size == 4
    assert vocab.index() == {"a": 2, "b": 3}
    assert Vocabulary.build(["d c"], size=10).words == ("c", "d")  # ties: alphabetical


def test_encode_pads_at_the_front_truncates_keeping_the_end_and_marks_unknown_words():
    vocab = Vocabulary.build(["good movie", "good plot"], size=10)  # good=2, movie=3, plot=4
    x = vocab.encode(["good movie", "a good plot twist at the end", ""], seq_len=4)
    assert x.dtype == np.int32 and x.shape == (3, 4)
    assert x[0].tolist() == [PAD, PAD, 2, 3]
    assert x[1].tolist() == [OOV, OOV, OOV, OOV]  # the last four words: twist at the end
    assert vocab.encode(["good plot twist"], seq_len=4)[0].tolist() == [PAD, 2, 4, OOV]
    assert x[2].tolist() == [PAD] * 4
    assert vocab.decode([PAD, 2, OOV, 4]) == ["good", "<oov>", "plot"]


def test_vocabulary_comes_from_training_texts_only_on_real_sentences():
    """The labelled-sentences set (bundled): a word seen only in test sentences is out of vocabulary."""
    from synaptic_core.sequences.datasets import locate, read_text_rows
    from synaptic_core.sequences.prepare import load_sequence_dataset

    spec = RunSpec.from_mapping({"dataset": "sentences", "vocab_size": 100000, "seq_len": 30, "subset": 0})
    ds = load_sequence_dataset(spec)
    train_texts, _, test_texts, test_y = read_text_rows("sentences", locate("sentences")[1])
    train_words = {w for t in train_texts for w in tokenize(t)}
    test_only = {w for t in test_texts for w in tokenize(t)} - train_words
    assert test_only, "the split should leave some words unseen in training"
    assert set(ds.extra["vocab"]) == train_words
    assert not test_only & set(ds.extra["vocab"])
    assert ds.x_train.shape[1] == ds.x_test.shape[1] == 30
    assert len(ds.x_test) == len(test_y) == 600 and set(np.unique(ds.y_train)) == {0, 1}
