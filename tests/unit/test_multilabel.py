"""train.multilabel: per-label calibrated probabilities, thresholds tuned on out-of-fold training scores, fallback."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.svm import LinearSVC

from train.config import parse_config
from train.estimators import build_model
from train.multilabel import MultiLabelClassifier, best_threshold, platt


def separable(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two labels, each decided by one feature; about a third of the rows carry neither."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    Y = np.column_stack([X[:, 0] > 0.4, X[:, 1] > 0.4]).astype(int)
    return X, Y


def test_best_threshold_cuts_between_the_positive_and_negative_scores():
    proba = np.array([0.9, 0.8, 0.35, 0.3, 0.1])
    positives = np.array([True, True, True, False, False])
    assert best_threshold(proba, positives, 0.5) == pytest.approx((0.35 + 0.3) / 2)


def test_best_threshold_keeps_the_default_without_positives():
    assert best_threshold(np.array([0.2, 0.1]), np.array([False, False]), 0.42) == 0.42


def test_platt_maps_higher_scores_to_higher_probabilities():
    scores = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])
    a, b = platt(scores, scores > 0)
    assert a > 0
    assert 1 / (1 + np.exp(-(a * 2 + b))) > 0.5 > 1 / (1 + np.exp(-(a * -2 + b)))


def test_probabilities_are_per_label_and_predictions_follow_the_thresholds():
    X, Y = separable()
    model = MultiLabelClassifier(LinearSVC(), fallback="none", random_state=0).fit(X, Y)
    proba = model.predict_proba(X)
    assert proba.shape == Y.shape and ((proba >= 0) & (proba <= 1)).all()
    assert (model.predict(X) == (proba >= model.thresholds_).astype(int)).all()
    assert (model.predict(X) == Y).mean() > 0.9


def test_fallback_top_gives_every_row_its_most_probable_label():
    X, Y = separable()
    model = MultiLabelClassifier(LinearSVC(), fallback="top", random_state=0).fit(X, Y)
    predicted = model.predict(X)
    assert (predicted.sum(axis=1) >= 1).all()
    empty = (model.predict_proba(X) < model.thresholds_).all(axis=1)
    assert empty.any()
    assert (predicted[empty].argmax(axis=1) == model.predict_proba(X)[empty].argmax(axis=1)).all()


def test_fallback_none_leaves_rows_without_a_label_empty():
    X, Y = separable()
    model = MultiLabelClassifier(LinearSVC(), fallback="none", random_state=0).fit(X, Y)
    assert (model.predict(X).sum(axis=1) == 0).any()


def test_fixed_thresholds_are_the_configured_value():
    X, Y = separable()
    model = MultiLabelClassifier(LinearSVC(), thresholds="fixed", threshold=0.3, random_state=0).fit(X, Y)
    assert model.thresholds_.tolist() == [0.3, 0.3]


def test_tuned_thresholds_depend_on_the_training_rows_only():
    X, Y = separable()
    first = MultiLabelClassifier(LinearSVC(), random_state=0).fit(X, Y)
    again = MultiLabelClassifier(LinearSVC(), random_state=0).fit(X, Y)
    first.predict(np.zeros((3, 4)))
    assert first.thresholds_.tolist() == again.thresholds_.tolist()
    assert not np.allclose(first.thresholds_, 0.5)


def test_labels_too_rare_to_tune_keep_the_default_threshold():
    X, Y = separable()
    Y[:, 1] = 0
    Y[:2, 1] = 1
    model = MultiLabelClassifier(LinearSVC(), threshold=0.5, min_positives=3, random_state=0).fit(X, Y)
    assert model.thresholds_[1] == 0.5


def test_the_config_section_reaches_the_estimator():
    config = parse_config({"data": {"train": "x.csv", "multi_label": True}, "features": [{"name": "tfidf_word"}],
                           "model": {"name": "linear_svm", "multi_label": {"fallback": "none", "folds": 4}}})
    model = build_model(config.model, 7, multi_label=True)
    assert isinstance(model, MultiLabelClassifier)
    assert (model.fallback, model.folds, model.random_state) == ("none", 4, 7)


def test_class_weight_none_fits_each_label_unweighted():
    config = parse_config({"data": {"train": "x.csv", "multi_label": True}, "features": [{"name": "tfidf_word"}],
                           "model": {"name": "linear_svm", "class_weight": "balanced",
                                     "multi_label": {"class_weight": "none"}}})
    assert build_model(config.model, 7, multi_label=True).estimator.class_weight is None
    assert build_model(config.model, 7, multi_label=False).class_weight == "balanced"


def test_an_unknown_fallback_is_a_path_addressed_config_error():
    from core.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^model\.multi_label\.fallback: expected 'top' or 'none', got \"first\""):
        parse_config({"data": {"train": "x.csv"}, "features": [{"name": "tfidf_word"}],
                      "model": {"multi_label": {"fallback": "first"}}})
