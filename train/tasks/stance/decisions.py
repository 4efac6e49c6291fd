"""Decisions learned from out-of-fold probabilities on the training set: folds that keep a group (a body, a
claim's story) on one side, Platt calibration of a stage's probability, and per-class decision weights that
maximise macro-F1 (or the FNC score) of the out-of-fold predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from train.tasks.stance.fnc import fnc_score

EPSILON = 1e-6
WEIGHT_GRID = np.exp(np.linspace(-2.5, 2.5, 51))  # decision weights searched, factor 1/12 .. 12
SEARCH_ROUNDS = 3
METRICS = ("macro_f1", "fnc")


def group_folds(groups: Any, n_folds: int, seed: int | None, n_rows: int | None = None) -> np.ndarray:
    """Fold number of each row: whole groups are dealt to folds in a seeded random order (groups None: each of
    `n_rows` rows is its own group). Fewer distinct groups than folds gives one fold per group."""
    groups = np.arange(n_rows or 0) if groups is None else np.asarray(groups)
    _, group_index = np.unique(groups, return_inverse=True)
    n_groups = int(group_index.max()) + 1 if len(group_index) else 0
    order = np.random.default_rng(seed).permutation(n_groups)
    return (order % min(n_folds, max(n_groups, 1)))[group_index]


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPSILON, 1 - EPSILON)
    return np.log(p / (1 - p))


def fit_platt(p: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """(slope, intercept) of a logistic map from logit(p) to the truth (Platt scaling). Identity when the truth
    has one class, or when the fitted slope is not positive: out-of-fold scores that do not rank the truth cannot
    be calibrated, only reversed or flattened."""
    truth = np.asarray(truth, dtype=bool)
    if truth.all() or not truth.any():
        return 1.0, 0.0
    model = LogisticRegression(C=1e4, max_iter=1000).fit(logit(p)[:, None], truth)
    slope, intercept = float(model.coef_[0, 0]), float(model.intercept_[0])
    return (slope, intercept) if slope > 0 else (1.0, 0.0)


def apply_platt(p: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(slope * logit(p) + intercept)))


def macro_f1_of(truth: np.ndarray, predicted: np.ndarray, n_classes: int) -> float:
    """Macro-F1 over class indexes 0..n_classes-1 (classes absent from both count as 0, as scikit-learn does)."""
    confusion = np.bincount(truth * n_classes + predicted, minlength=n_classes * n_classes).reshape(n_classes, -1)
    hits = np.diag(confusion).astype(float)
    denominator = confusion.sum(axis=0) + confusion.sum(axis=1)
    return float(np.mean(np.divide(2 * hits, denominator, out=np.zeros(n_classes), where=denominator > 0)))


def decision_score(metric: str, truth: np.ndarray, predicted: np.ndarray, classes: np.ndarray) -> float:
    if metric == "fnc":
        score, maximum = fnc_score(classes[truth], classes[predicted])
        return score / maximum if maximum else 0.0
    return macro_f1_of(truth, predicted, len(classes))


def choose_class_weights(proba: np.ndarray, truth: np.ndarray, classes: np.ndarray, metric: str = "macro_f1",
                         fixed: int | None = None) -> np.ndarray:
    """Per-class weights w maximising `metric` of argmax(proba · w) by coordinate ascent over WEIGHT_GRID; the
    class at index `fixed` keeps weight 1 (weights only matter up to a common factor)."""
    weights = np.ones(proba.shape[1])
    free = [k for k in range(proba.shape[1]) if k != (0 if fixed is None else fixed)]

    def value(w: np.ndarray) -> float:
        return decision_score(metric, truth, np.argmax(proba * w, axis=1), classes)

    best = value(weights)
    for _ in range(SEARCH_ROUNDS):
        improved = False
        for k in free:
            for candidate in WEIGHT_GRID:
                trial = weights.copy()
                trial[k] = candidate
                score = value(trial)
                if score > best + 1e-9:
                    best, weights, improved = score, trial, True
        if not improved:
            break
    return weights
