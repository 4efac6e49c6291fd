"""Multi-label classification: one binary model per label, calibrated per-label probabilities, per-label
thresholds tuned on out-of-fold scores of the training data, and a fallback to the top label.

Everything is learned inside `fit` from the training rows it is given, so a pipeline holding this estimator
never sees dev or test labels when it tunes its thresholds.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np
from pydantic import Field
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier

from core.registry import Spec


class MultiLabelSpec(Spec):
    """`model.multi_label:` how a multi-label model turns per-label scores into a label set."""

    thresholds: Literal["tuned", "fixed"] = Field(
        "tuned", description="tuned: per-label thresholds maximising F1 on out-of-fold training scores; "
        "fixed: `threshold` for every label")
    threshold: float = Field(0.5, gt=0, lt=1, description="the fixed threshold, and the default of labels too "
                             "rare to tune")
    fallback: Literal["top", "none"] = Field(
        "top", description="top: a row no label passes gets its most probable label; none: an empty set")
    folds: int = Field(3, ge=2, le=10, description="cross-validation folds for calibration and thresholds")
    min_positives: int = Field(3, ge=1, description="labels with fewer training positives keep `threshold`")
    class_weight: Literal["model", "none"] = Field(
        "model", description="model: each label's binary model gets `model.class_weight`; none: unweighted (balanced "
        "weights on rare labels slow linear SVMs down many times, and did not help on the benchmarks' dev splits)")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def _raw_scores(model: OneVsRestClassifier, X: Any) -> np.ndarray:
    """Per-label decision values (or positive-class probabilities for models without decision_function)."""
    if hasattr(model, "decision_function"):
        try:
            return np.asarray(model.decision_function(X), dtype=float).reshape(X.shape[0], -1)
        except AttributeError:
            pass
    return np.asarray(model.predict_proba(X), dtype=float).reshape(X.shape[0], -1)


def platt(scores: np.ndarray, positives: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of a sigmoid mapping scores to probabilities (Platt scaling with his target smoothing)."""
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if n_pos == 0 or n_neg == 0:
        return 1.0, 0.0
    target = np.where(positives, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    a, b = 1.0, 0.0
    for _ in range(50):  # Newton steps on the logistic loss
        p = _sigmoid(a * scores + b)
        weight = np.maximum(p * (1 - p), 1e-12)
        residual = p - target
        grad = np.array([np.dot(residual, scores), residual.sum()])
        hess = np.array([[np.dot(weight, scores * scores), np.dot(weight, scores)],
                         [np.dot(weight, scores), weight.sum()]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


def best_threshold(proba: np.ndarray, positives: np.ndarray, default: float) -> float:
    """The probability cut that maximises F1 for one label (midway between neighbouring scores)."""
    if positives.sum() == 0:
        return default
    order = np.argsort(-proba, kind="stable")
    ranked, hits = proba[order], positives[order]
    tp = np.cumsum(hits)
    predicted = np.arange(1, len(ranked) + 1)
    f1 = 2 * tp / (predicted + positives.sum())
    distinct = np.r_[ranked[1:] < ranked[:-1], True]  # cut only between different scores
    best = int(np.argmax(np.where(distinct, f1, -1)))
    below = ranked[best + 1] if best + 1 < len(ranked) else 0.0
    return float(np.clip((ranked[best] + below) / 2, 0.01, 0.99))


class MultiLabelClassifier(ClassifierMixin, BaseEstimator):
    """One-vs-rest over a label-indicator matrix, with calibrated per-label probabilities and thresholds.

    `predict` returns the indicator matrix of labels whose probability reaches their threshold, plus the most
    probable label for rows where none does (`fallback="top"`); `predict_proba` returns one probability per label.
    """

    def __init__(self, estimator: Any = None, thresholds: str = "tuned", threshold: float = 0.5,
                 fallback: str = "top", folds: int = 3, min_positives: int = 3, random_state: int | None = None
                 ) -> None:
        self.estimator = estimator
        self.thresholds = thresholds
        self.threshold = threshold
        self.fallback = fallback
        self.folds = folds
        self.min_positives = min_positives
        self.random_state = random_state

    def _fit_ovr(self, X: Any, Y: np.ndarray) -> OneVsRestClassifier:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
            warnings.filterwarnings("ignore", message="Label not .* is present in all training examples")
            return OneVsRestClassifier(clone(self.estimator)).fit(X, Y)

    def _out_of_fold_scores(self, X: Any, Y: np.ndarray) -> np.ndarray:
        scores = np.zeros(Y.shape, dtype=float)
        splitter = KFold(n_splits=self.folds, shuffle=True, random_state=self.random_state)
        for fit_rows, held_rows in splitter.split(np.zeros(Y.shape[0])):
            scores[held_rows] = _raw_scores(self._fit_ovr(X[fit_rows], Y[fit_rows]), X[held_rows])
        return scores

    def fit(self, X: Any, Y: Any) -> MultiLabelClassifier:
        Y = np.asarray(Y)
        if Y.ndim != 2:
            raise ValueError("MultiLabelClassifier expects a label-indicator matrix (rows x labels)")
        self.estimator_ = self._fit_ovr(X, Y)
        self.classes_ = np.arange(Y.shape[1])
        positives = Y.astype(bool)
        counts = positives.sum(axis=0)
        self.slopes_, self.intercepts_ = np.ones(Y.shape[1]), np.zeros(Y.shape[1])
        self.thresholds_ = np.full(Y.shape[1], float(self.threshold))
        if Y.shape[0] >= 2 * self.folds:
            oof = self._out_of_fold_scores(X, Y)
            for j in range(Y.shape[1]):
                self.slopes_[j], self.intercepts_[j] = platt(oof[:, j], positives[:, j])
                if self.thresholds == "tuned" and counts[j] >= self.min_positives:
                    proba = _sigmoid(self.slopes_[j] * oof[:, j] + self.intercepts_[j])
                    self.thresholds_[j] = best_threshold(proba, positives[:, j], self.threshold)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probability of each label (rows x labels)."""
        return _sigmoid(_raw_scores(self.estimator_, X) * self.slopes_ + self.intercepts_)

    def decision_function(self, X: Any) -> np.ndarray:
        return self.predict_proba(X) - self.thresholds_

    def predict_from_proba(self, proba: np.ndarray) -> np.ndarray:
        """Labels at or above their thresholds, with the top label for rows where none is (fallback='top')."""
        predicted = (proba >= self.thresholds_).astype(int)
        if self.fallback == "top" and proba.shape[1]:
            empty = predicted.sum(axis=1) == 0
            predicted[np.flatnonzero(empty), proba[empty].argmax(axis=1)] = 1
        return predicted

    def predict(self, X: Any) -> np.ndarray:
        return self.predict_from_proba(self.predict_proba(X))

    @property
    def coef_(self) -> Any:
        """The per-label linear weights (for the top-features report), when the base model is linear."""
        return np.vstack([np.asarray(e.coef_.toarray() if hasattr(e.coef_, "toarray") else e.coef_).ravel()
                          for e in self.estimator_.estimators_])
