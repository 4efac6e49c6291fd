"""Decisions learned out of fold: grouped folds, Platt calibration, per-class decision weights."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

from train.tasks.stance.decisions import (
    apply_platt,
    choose_class_weights,
    fit_platt,
    group_folds,
    macro_f1_of,
)


def test_group_folds_never_split_a_group() -> None:
    groups = np.repeat(np.arange(40), 3)
    folds = group_folds(groups, 5, seed=0)
    assert set(folds) == set(range(5))
    for group in range(40):
        assert len(set(folds[groups == group])) == 1


def test_group_folds_are_reproducible_and_follow_the_seed() -> None:
    groups = np.repeat([f"body{i}" for i in range(30)], 2)
    assert np.array_equal(group_folds(groups, 5, seed=3), group_folds(groups, 5, seed=3))
    assert not np.array_equal(group_folds(groups, 5, seed=3), group_folds(groups, 5, seed=4))


def test_without_groups_each_row_is_its_own_group() -> None:
    assert np.bincount(group_folds(None, 4, seed=0, n_rows=20)).tolist() == [5, 5, 5, 5]


def test_fewer_groups_than_folds_give_one_fold_per_group() -> None:
    assert sorted(set(group_folds(np.array(["a", "a", "b", "c"]), 5, seed=0))) == [0, 1, 2]


def test_platt_scaling_recovers_a_known_map() -> None:
    rng = np.random.default_rng(0)
    scores = rng.uniform(0.01, 0.99, 20000)
    true_probability = apply_platt(scores, 0.5, -1.0)  # overconfident scores, biased towards the positive class
    truth = rng.uniform(size=len(scores)) < true_probability
    slope, intercept = fit_platt(scores, truth)
    assert abs(slope - 0.5) < 0.05 and abs(intercept + 1.0) < 0.1


def test_platt_scaling_is_the_identity_without_a_usable_signal() -> None:
    scores = np.linspace(0.1, 0.9, 50)
    assert fit_platt(scores, np.ones(50, dtype=bool)) == (1.0, 0.0)
    assert fit_platt(scores, scores < 0.5) == (1.0, 0.0)  # scores rank the truth backwards: not calibrated
    assert np.allclose(apply_platt(scores, 1.0, 0.0), scores)


def test_macro_f1_matches_scikit_learn() -> None:
    rng = np.random.default_rng(1)
    truth, predicted = rng.integers(0, 4, 300), rng.integers(0, 3, 300)
    assert np.isclose(macro_f1_of(truth, predicted, 4), f1_score(truth, predicted, labels=[0, 1, 2, 3],
                                                                  average="macro", zero_division=0))


def test_class_weights_raise_a_class_the_argmax_never_predicts() -> None:
    rng = np.random.default_rng(2)
    truth = np.repeat([0, 1], [900, 100])
    proba = np.column_stack([np.full(1000, 0.7), np.full(1000, 0.3)])
    proba[truth == 1, 1] += rng.uniform(0.0, 0.2, 100)  # the rare class scores higher, never above 0.5
    weights = choose_class_weights(proba, truth, np.array(["common", "rare"]), fixed=0)
    predicted = np.argmax(proba * weights, axis=1)
    assert weights[0] == 1.0 and weights[1] > 2.0
    assert macro_f1_of(truth, predicted, 2) > macro_f1_of(truth, np.argmax(proba, axis=1), 2)


def test_class_weights_can_maximise_the_fnc_score() -> None:
    classes = np.array(["agree", "discuss", "unrelated"])
    truth = np.array([0, 1, 2, 2])
    proba = np.array([[0.3, 0.2, 0.5], [0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.1, 0.1, 0.8]])
    weights = choose_class_weights(proba, truth, classes, metric="fnc", fixed=2)
    assert list(np.argmax(proba * weights, axis=1)) == [0, 1, 2, 2]
