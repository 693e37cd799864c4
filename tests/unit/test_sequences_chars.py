"""Character windows and generation with a temperature: 0 is greedy, higher is flatter."""

from __future__ import annotations

import numpy as np
import pytest

from synaptic_core.sequences.chars import Alphabet, char_windows, generate, generate_many, sample_index


def test_alphabet_round_trip_skips_unknown_characters():
    a = Alphabet.of("hello world")
    assert a.chars == " dehlorw" and a.size == 8
    assert a.decode(a.encode("hello")) == "hello"
    assert a.decode(a.encode("hex!")) == "he"


def test_char_windows_target_the_next_character_every_stride():
    ids = np.arange(10)
    x, y = char_windows(ids, seq_len=4, stride=3)
    assert x.tolist() == [[0, 1, 2, 3], [3, 4, 5, 6]]
    assert y.tolist() == [4, 7]


def test_temperature_zero_is_greedy():
    rng = np.random.default_rng(0)
    probs = np.array([0.3, 0.31, 0.39 - 1e-9, 0.0])
    assert all(sample_index(probs, 0.0, rng) == 2 for _ in range(50))


def test_low_temperature_sharpens_and_high_temperature_flattens():
    probs = np.array([0.6, 0.3, 0.1])
    counts = {}
    for t in (0.1, 1.0, 5.0):
        rng = np.random.default_rng(42)
        draws = np.array([sample_index(probs, t, rng) for _ in range(4000)])
        counts[t] = np.bincount(draws, minlength=3) / len(draws)
    assert counts[0.1][0] > 0.99                                 # nearly greedy
    np.testing.assert_allclose(counts[1.0], probs, atol=0.03)    # the model's own distribution
    assert counts[5.0].max() - counts[5.0].min() < 0.15          # nearly uniform
    assert counts[5.0][2] > counts[1.0][2] > counts[0.1][2]      # the rare character comes up more


class CountingModel:
    """Next character = the one after the last in the alphabet (p = 0.7); counts its calls."""

    def __init__(self, size: int):
        self.size, self.calls, self.batches = size, 0, []

    def __call__(self, windows):
        self.calls += 1
        self.batches.append(windows.shape)
        probs = np.full((len(windows), self.size), 0.3 / (self.size - 1))
        probs[np.arange(len(windows)), (windows[:, -1] + 1) % self.size] = 0.7
        return probs


def test_greedy_generation_follows_the_likeliest_path_and_pads_a_short_seed():
    a = Alphabet("abcd")
    model = CountingModel(4)
    text = generate(model, a, "b", 6, 0.0, seq_len=3, rng=np.random.default_rng(0))
    assert text == "cdabcd"
    assert model.batches[0] == (1, 3)  # the one-character seed was left-padded to the window length


def test_several_temperatures_share_each_model_call():
    a = Alphabet("abcd")
    model = CountingModel(4)
    texts = generate_many(model, a, "abc", 50, [0.0, 1.0, 3.0], seq_len=3, rng=np.random.default_rng(1))
    assert model.calls == 50 and model.batches[0] == (3, 3)
    assert texts[0] == ("dabc" * 13)[:50]
    assert all(len(t) == 50 and set(t) <= set("abcd") for t in texts)
    assert texts[2] != texts[0]  # at temperature 3 the path wanders


def test_generation_is_reproducible_with_the_same_rng_seed():
    a = Alphabet("abcd")
    one = generate_many(CountingModel(4), a, "ab", 40, [1.0], 3, np.random.default_rng(7))
    two = generate_many(CountingModel(4), a, "ab", 40, [1.0], 3, np.random.default_rng(7))
    assert one == two


@pytest.mark.parametrize("seed_text", ["", "zzz"])
def test_a_seed_with_no_known_character_still_generates(seed_text):
    assert len(generate(CountingModel(4), Alphabet("abcd"), seed_text, 5, 0.0, 3, np.random.default_rng(0))) == 5
