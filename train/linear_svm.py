"""`linear_svm`: scikit-learn's LinearSVC, with the one-vs-rest problems of a large multi-class fit split into
groups that worker processes fit side by side.

liblinear fits the classes of a multi-class problem one after the other in one call, on one core. A group fits in
one call too: its classes keep their labels and every other row is labelled "rest", so the problem of each class in
the group (its rows, weighed by its class weight, against all other rows, weighed 1) is the one the full fit solves,
and the extra "rest" problem is dropped. With two groups on two cores the fit of the word + char features of 20
Newsgroups takes 1.2-1.5x less time. The solution is the same up to the solver's tolerance (liblinear visits the rows
in a random order drawn from one generator per call, so the order differs with the grouping): for a given number of
workers the weights are the same on every run; `n_jobs: 1` gives LinearSVC's own fit.
"""

from __future__ import annotations

import warnings
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from train.per_class import fit_per_class, workers_for

# Below this many stored values, starting workers and sharing the matrix with them costs about what grouping saves
# (20 Newsgroups, 20 classes: 1.2M values 1.0 s alone vs 2.0 s in two groups at C=0.1; 2.9M values 2.4 s vs 1.9 s).
PARALLEL_MIN_NONZEROS = 2_000_000
REST = -1  # the label of the rows outside a group (the classes are encoded 0..k-1)


class LinearSVM(LinearSVC):
    """LinearSVC that fits groups of its one-vs-rest problems in worker processes on large problems.

    `n_jobs`: worker processes (groups of classes); None uses the cores this training may use (`train.cores`) when
    the matrix has at least `PARALLEL_MIN_NONZEROS` stored values and there are at least four classes (each group
    holds two or more, so liblinear solves it one-vs-rest), else fits like LinearSVC.
    """

    _parameter_constraints = {**LinearSVC._parameter_constraints, "n_jobs": [None, Integral]}

    def __init__(self, penalty: str = "l2", loss: str = "squared_hinge", *, dual: Any = "auto", tol: float = 1e-4,
                 C: float = 1.0, multi_class: str = "ovr", fit_intercept: bool = True, intercept_scaling: float = 1,
                 class_weight: Any = None, verbose: int = 0, random_state: Any = None, max_iter: int = 1000,
                 n_jobs: int | None = None) -> None:
        super().__init__(penalty=penalty, loss=loss, dual=dual, tol=tol, C=C, multi_class=multi_class,
                         fit_intercept=fit_intercept, intercept_scaling=intercept_scaling, class_weight=class_weight,
                         verbose=verbose, random_state=random_state, max_iter=max_iter)
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LinearSVM:
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64, order="C", accept_large_sparse=False)
        check_classification_targets(y)
        classes = np.unique(y)
        groups = self._groups(X, len(classes))
        if len(groups) <= 1 or self.multi_class != "ovr":
            return super().fit(X, y, sample_weight=sample_weight)
        self.classes_ = classes
        weights = compute_class_weight(self.class_weight, classes=classes, y=y, sample_weight=sample_weight)
        shared = (X, np.searchsorted(classes, y), sample_weight, weights)
        fitted = fit_per_class(self._fit_group, shared, [(group,) for group in groups], len(groups))
        coef = np.empty((len(classes), X.shape[1]))
        intercept = np.zeros(len(classes))
        for group, (group_coef, group_intercept, _) in zip(groups, fitted, strict=True):
            coef[group], intercept[group] = group_coef, group_intercept
        self.coef_ = coef
        self.intercept_ = intercept if self.fit_intercept else 0.0
        self.n_iter_ = max(n_iter for _, _, n_iter in fitted)
        if self.n_iter_ >= self.max_iter:
            warnings.warn("Liblinear failed to converge, increase the number of iterations.", ConvergenceWarning,
                          stacklevel=2)
        return self

    def _groups(self, X: Any, n_classes: int) -> list[np.ndarray]:
        """Classes dealt round-robin into as many groups as there are workers, two classes at least per group."""
        count = max(1, min(workers_for(self.n_jobs, X, PARALLEL_MIN_NONZEROS), n_classes // 2))
        return [np.arange(start, n_classes, count) for start in range(count)]

    def _fit_group(self, shared: tuple[Any, ...], group: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """Weights, intercepts and iterations of the problems of the classes in `group` (encoded 0..k-1)."""
        X, encoded, sample_weight, weights = shared
        labels = np.where(np.isin(encoded, group), encoded, REST)
        params = {key: value for key, value in self.get_params().items() if key != "n_jobs"}
        params["class_weight"] = {REST: 1.0, **{int(c): float(weights[c]) for c in group}}
        with warnings.catch_warnings():  # the caller warns once for all groups
            warnings.simplefilter("ignore", ConvergenceWarning)
            svm = LinearSVC(**params).fit(X, labels, sample_weight=sample_weight)
        rows = np.searchsorted(svm.classes_, group)
        intercept = svm.intercept_[rows] if self.fit_intercept else np.zeros(len(group))
        return svm.coef_[rows], intercept, svm.n_iter_
