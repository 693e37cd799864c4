"""ROC curve and AUC against hand-computed cases (the AUC is also the chance that a random
positive scores above a random negative, ties counting one half)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from synaptic_core.training.sequence_results import roc_curve
from synaptic_core.viz.sequences import roc_figure


def test_four_points_by_hand():
    fpr, tpr, auc = roc_curve(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    assert fpr.tolist() == [0.0, 0.0, 0.5, 0.5, 1.0]
    assert tpr.tolist() == [0.0, 0.5, 0.5, 1.0, 1.0]
    assert auc == pytest.approx(0.75)


def test_ties_are_one_step_and_count_half():
    fpr, tpr, auc = roc_curve(np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.2, 0.9]))
    assert fpr.tolist() == [0.0, 0.0, 0.5, 1.0] and tpr.tolist() == [0.0, 0.5, 1.0, 1.0]
    assert auc == pytest.approx(0.875)  # pairs: (0.9>0.5) (0.9>0.2) (0.5>0.2) and one tie = 3.5/4


def test_perfect_and_reversed_scores():
    y = np.array([0, 0, 1, 1])
    assert roc_curve(y, np.array([0.1, 0.2, 0.8, 0.9]))[2] == pytest.approx(1.0)
    assert roc_curve(y, np.array([0.9, 0.8, 0.2, 0.1]))[2] == pytest.approx(0.0)


def test_auc_is_the_pairwise_ranking_probability_on_random_scores():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    s = np.round(rng.random(300) + 0.3 * y, 2)  # rounding makes ties
    pos, neg = s[y == 1], s[y == 0]
    pairs = [(p > n) + 0.5 * (p == n) for p, n in itertools.product(pos, neg)]
    assert roc_curve(y, s)[2] == pytest.approx(np.mean(pairs))


def test_roc_figure_draws_the_curve_and_the_chance_line():
    fig = roc_figure([0, 0, 0.5, 0.5, 1], [0, 0.5, 0.5, 1, 1], 0.75)
    chance, model = fig.data
    assert list(chance.x) == [0, 1] and "0.5" in chance.name
    assert list(model.y) == [0, 0.5, 0.5, 1, 1] and "AUC 0.750" in model.name
    assert "AUC 0.750" in fig.layout.title.text
