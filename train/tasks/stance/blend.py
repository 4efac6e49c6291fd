"""One decision of a stance cascade: gradient boosting on the dense pair features averaged with a logistic
regression on the standardised dense features plus the sparse columns that follow them."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from train.tasks.stance.layout import DenseThenSparseInput, dense_and_rest

# One thread (OpenMP and BLAS) per stage: on the shared 2-core machine, two threads made a 200-tree boosting fit
# 10-20x slower (3,000 rows: 2.5 s vs 54 s; 30,000 rows: 3.6 s vs 23 s) and a logistic regression on the demo
# pairs 30x slower (0.6 s vs 19 s): busy-waiting threads lose to the other processes. The cascade runs many fits.
ONE_THREAD = {"limits": 1}


class BlendedStage(DenseThenSparseInput, ClassifierMixin, BaseEstimator):
    """Boosting on the first `n_dense` columns (all when None) averaged with a linear model on every column.

    `lr_C=None` leaves the linear model out; `balanced` weights classes inversely to their frequency in both
    models, so a rare class (disagree) shapes the ranking; the cascade calibrates the probabilities afterwards.
    """

    def __init__(self, n_dense: int | None = None, hgb_iter: int = 300, learning_rate: float = 0.1,
                 lr_C: float | None = 0.3, balanced: bool = True, random_state: int | None = 0) -> None:
        self.n_dense = n_dense
        self.hgb_iter = hgb_iter
        self.learning_rate = learning_rate
        self.lr_C = lr_C
        self.balanced = balanced
        self.random_state = random_state

    def _split(self, X: Any) -> tuple[np.ndarray, Any]:
        return dense_and_rest(X, X.shape[1] if self.n_dense is None else self.n_dense)

    def _linear_input(self, dense: np.ndarray, rest: Any) -> Any:
        scaled = self.scaler_.transform(dense)
        return scaled if rest is None else sp.hstack([sp.csr_matrix(scaled), sp.csr_matrix(rest)]).tocsr()

    def fit(self, X: Any, y: Any) -> BlendedStage:
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        dense, rest = self._split(X)
        weight = "balanced" if self.balanced else None
        self.boosting_ = HistGradientBoostingClassifier(max_iter=self.hgb_iter, learning_rate=self.learning_rate,
                                                        class_weight=weight, random_state=self.random_state)
        self.linear_ = None
        with threadpool_limits(**ONE_THREAD):
            self.boosting_.fit(dense, y)
            if self.lr_C is not None:
                self.scaler_ = StandardScaler().fit(dense)
                self.linear_ = LogisticRegression(C=self.lr_C, max_iter=3000, class_weight=weight)
                self.linear_.fit(self._linear_input(dense, rest), y)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        dense, rest = self._split(X)
        with threadpool_limits(**ONE_THREAD):
            proba = self.boosting_.predict_proba(dense)
            if self.linear_ is not None:
                proba = 0.5 * (proba + self.linear_.predict_proba(self._linear_input(dense, rest)))
        return proba

    def predict(self, X: Any) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
