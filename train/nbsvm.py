"""NB-SVM: a linear SVM per class on features scaled by naive-Bayes log-count ratios (Wang & Manning 2012).

Scaling each feature by how much more often it occurs in a class's documents than in the others' lets the SVM
start from what naive Bayes knows; on long texts this beats the plain SVM on the same features. The ratios are
computed in `fit` from the training rows only, and folded into the weights, so prediction is one sparse product.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.svm import LinearSVC
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from train.per_class import fit_per_class, workers_for

# Below this many stored values a class's fit takes a few milliseconds, less than handing it to a worker process.
PARALLEL_MIN_NONZEROS = 1_000_000


def log_count_ratio(present: Any, positives: np.ndarray, alpha: float) -> np.ndarray:
    """log((p / |p|_1) / (q / |q|_1)) with p, q the smoothed per-feature document counts in and out of the class."""
    p = np.asarray(present[positives].sum(axis=0)).ravel() + alpha
    q = np.asarray(present[~positives].sum(axis=0)).ravel() + alpha
    return np.log(p / p.sum()) - np.log(q / q.sum())


class NBSVMClassifier(ClassifierMixin, BaseEstimator):
    """One-vs-rest linear SVMs on NB-scaled features; `coef_` holds the scaled weights, so it is a linear model.

    `class_weight` follows LinearSVC's convention: with more than two classes, in the problem of class c its
    rows weigh `class_weight[c]` and the other rows 1. Features should be non-negative counts or weights (a
    feature counts as present in a row when its value is > 0).
    `n_jobs` is how many worker processes fit the classes (the model is the same for any value); None lets a
    large problem (at least `PARALLEL_MIN_NONZEROS` stored values) use the cores this training may use
    (`train.cores`: all of them, or a sweep trial's share) and fits a small one in turn.
    """

    def __init__(self, C: float = 1.0, alpha: float = 1.0, svm_weight: float = 0.0, class_weight: Any = None,
                 max_iter: int = 1000, tol: float = 1e-4, random_state: int | None = None,
                 n_jobs: int | None = None) -> None:
        self.C = C
        self.alpha = alpha
        self.svm_weight = svm_weight
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _binary_svm(self, positive_weight: float, negative_weight: float) -> LinearSVC:
        return LinearSVC(C=self.C, class_weight={True: positive_weight, False: negative_weight}, max_iter=self.max_iter,
                         tol=self.tol, random_state=self.random_state)

    def fit(self, X: Any, y: Any) -> NBSVMClassifier:
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32])
        check_classification_targets(y)
        if self.alpha <= 0 or self.svm_weight < 0:
            raise ValueError(f"alpha must be > 0 and svm_weight >= 0, got {self.alpha} and {self.svm_weight}")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"NBSVMClassifier needs at least 2 classes, got {len(self.classes_)}")
        weights = (compute_class_weight(self.class_weight, classes=self.classes_, y=y)
                   if self.class_weight is not None else np.ones(len(self.classes_)))
        present = (X > 0).astype(np.float64) if sparse.issparse(X) else (np.asarray(X) > 0).astype(np.float64)
        problems = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        negative = weights[0] if len(self.classes_) == 2 else 1.0
        tasks = [(y == cls, weights[int(np.searchsorted(self.classes_, cls))], negative) for cls in problems]
        fitted = fit_per_class(self._fit_class, (X, present), tasks, self._jobs(X))
        coefs, intercepts = [coef for coef, _ in fitted], [intercept for _, intercept in fitted]
        self.coef_ = np.vstack(coefs)
        self.intercept_ = np.asarray(intercepts)
        return self

    def _jobs(self, X: Any) -> int:
        """Worker processes for this fit: as configured, else the cores available when the problem is large."""
        return workers_for(self.n_jobs, X, PARALLEL_MIN_NONZEROS)

    def _fit_class(self, shared: tuple[Any, Any], positives: np.ndarray, positive_weight: float,
                   negative_weight: float) -> tuple[np.ndarray, float]:
        """The weights and intercept of one class's problem (class rows against the rest)."""
        X, present = shared
        ratio = log_count_ratio(present, positives, self.alpha)
        scaled = X.multiply(ratio).tocsr() if sparse.issparse(X) else X * ratio
        svm = self._binary_svm(positive_weight, negative_weight).fit(scaled, positives)
        coef, intercept = svm.coef_.ravel() * ratio, svm.intercept_[0]
        if self.svm_weight > 0:  # add a plain SVM's margins: keeps rare classes, whose ratios are noisy, sound
            plain = self._binary_svm(positive_weight, negative_weight).fit(X, positives)
            coef = coef + self.svm_weight * plain.coef_.ravel()
            intercept = intercept + self.svm_weight * plain.intercept_[0]
        return coef, intercept

    def decision_function(self, X: Any) -> np.ndarray:
        """Per-class margins (rows x classes); one column, the second class's, for two classes."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False)
        scores = np.asarray(X @ self.coef_.T) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X: Any) -> np.ndarray:
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[scores.argmax(axis=1)]
