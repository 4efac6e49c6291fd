"""Two-stage stance classifier: related vs. unrelated first, then agree / disagree / discuss on related pairs.

Stage 1 is gradient boosting on the dense pair features (optionally averaged with a logistic regression). Stage 2
is fit on related pairs only and averages class-balanced gradient boosting on the dense features with
class-balanced logistic regression on the standardised dense features plus any sparse blocks (e.g. body style
words), so the rare `disagree` class is not drowned by `discuss`.
"""

from __future__ import annotations

from numbers import Integral, Real
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

from features.stance.labels import UNRELATED
from train.estimators import TREE_TYPES, register_estimator
from train.tasks.stance.blend import ONE_THREAD
from train.tasks.stance.layout import DenseThenSparseInput, block_columns, dense_and_rest


class TwoStageStanceClassifier(DenseThenSparseInput, ClassifierMixin, BaseEstimator):
    """Related/unrelated, then the related class.

    `dense_blocks` is the static layout of the leading dense columns: (builder name, width) pairs in column
    order, known from the config before any fitting (the union puts dense pair blocks first; see
    `features.union.dense_layout`); every column after them is sparse "rest" read by the linear model only.
    `None` treats all columns as one dense block. Stage 1 reads the dense blocks named in `stage1_features`
    (default: all). Labels other than `unrelated_label` are the stage-2 classes.

    Probabilities and the threshold: with P(related) = p from stage 1 and the stage-2 distribution s,
    `predict_proba` is the joint distribution [p'·s_k for each related class, 1 - p'], where p' is p with its
    odds multiplied by (1 - threshold) / threshold — the threshold acts as a prior (or cost) shift on
    relatedness, p' = 1/2 exactly where p = threshold, and threshold 0.5 leaves p unchanged. `predict` is
    always the argmax of `predict_proba`, so a raised threshold makes "unrelated" more likely everywhere,
    consistently for labels, probabilities and top-k lists.
    """

    def __init__(self, dense_blocks: tuple[tuple[str, int], ...] | None = None,
                 stage1_features: tuple[str, ...] | None = None, stage1_lr_C: float | None = None,
                 threshold: float = 0.5, class_weights: dict[str, float] | None = None, lr_C: float = 0.3,
                 hgb_iter: int = 300, unrelated_label: Any = UNRELATED, random_state: int | None = 0) -> None:
        self.dense_blocks = dense_blocks
        self.stage1_features = stage1_features
        self.stage1_lr_C = stage1_lr_C
        self.threshold = threshold
        self.class_weights = class_weights
        self.lr_C = lr_C
        self.hgb_iter = hgb_iter
        self.unrelated_label = unrelated_label
        self.random_state = random_state

    def _validate_params(self) -> None:
        """Check the constructor arguments with a message naming the parameter (also called before data loads)."""
        def positive(name: str, value: Any, optional: bool = False) -> None:
            if optional and value is None:
                return
            if not isinstance(value, Real) or isinstance(value, bool) or not value > 0:
                raise ValueError(f"The '{name}' parameter of {type(self).__name__} must be a positive number"
                                 f"{' or None' if optional else ''}. Got {value!r} instead.")

        positive("lr_C", self.lr_C)
        positive("stage1_lr_C", self.stage1_lr_C, optional=True)
        if not isinstance(self.threshold, Real) or not 0 < self.threshold < 1:
            raise ValueError(f"The 'threshold' parameter of {type(self).__name__} must be a number in (0, 1). "
                             f"Got {self.threshold!r} instead.")
        if not isinstance(self.hgb_iter, Integral) or isinstance(self.hgb_iter, bool) or self.hgb_iter < 1:
            raise ValueError(f"The 'hgb_iter' parameter of {type(self).__name__} must be an integer >= 1. "
                             f"Got {self.hgb_iter!r} instead.")
        if self.class_weights is not None:
            if not isinstance(self.class_weights, dict):
                raise ValueError(f"The 'class_weights' parameter of {type(self).__name__} must be a mapping "
                                 f"{{class: weight}} or None. Got {self.class_weights!r} instead.")
            for weight in self.class_weights.values():
                positive("class_weights", weight)

    def _layout(self, n_columns: int) -> tuple[np.ndarray, int]:
        """Column indexes stage 1 reads, and how many leading columns are dense."""
        return block_columns(self.dense_blocks, n_columns, self.stage1_features, "stage1_features")

    def _parts(self, X: Any) -> tuple[np.ndarray, np.ndarray, Any]:
        """Stage-1 array, dense array, and the remaining (sparse or dense) columns or None."""
        stage1_idx, n_dense = self._layout(X.shape[1])
        dense, rest = dense_and_rest(X, n_dense)
        return dense[:, stage1_idx], dense, rest

    def _linear_input(self, dense: np.ndarray, rest: Any) -> Any:
        scaled = self.scaler_.transform(dense)
        if rest is None:
            return scaled
        return sp.hstack([sp.csr_matrix(scaled), sp.csr_matrix(rest)]).tocsr()

    def fit(self, X: Any, y: Any) -> TwoStageStanceClassifier:
        self._validate_params()
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        related = np.array([label != self.unrelated_label for label in y], dtype=bool)
        self.has_unrelated_ = not related.all()
        self.related_classes_ = np.unique(y[related])
        unknown = sorted(set(self.class_weights or {}) - {str(c) for c in self.related_classes_})
        if unknown:
            raise ValueError(f"class_weights name classes not among the related labels: {unknown}")
        stage1, dense, rest = self._parts(X)
        self.stage1_ = self.stage1_linear_ = None
        self.boosting_ = self.linear_ = None
        with threadpool_limits(**ONE_THREAD):
            if related.any() and not related.all():
                self._fit_stage1(stage1, related)
            if len(self.related_classes_) > 1:
                self._fit_stage2(dense[related], rest[np.flatnonzero(related)] if rest is not None else None,
                                 y[related])
        return self

    def _fit_stage1(self, stage1: np.ndarray, related: np.ndarray) -> None:
        self.stage1_ = HistGradientBoostingClassifier(max_iter=self.hgb_iter, learning_rate=0.1,
                                                      random_state=self.random_state).fit(stage1, related)
        if self.stage1_lr_C is not None:
            self.stage1_scaler_ = StandardScaler().fit(stage1)
            self.stage1_linear_ = LogisticRegression(C=self.stage1_lr_C, max_iter=2000)
            self.stage1_linear_.fit(self.stage1_scaler_.transform(stage1), related)

    def _fit_stage2(self, dense: np.ndarray, rest: Any, y: np.ndarray) -> None:
        self.boosting_ = HistGradientBoostingClassifier(max_iter=self.hgb_iter, learning_rate=0.05,
                                                        class_weight="balanced", random_state=self.random_state)
        self.boosting_.fit(dense, y)
        self.scaler_ = StandardScaler().fit(dense)
        self.linear_ = LogisticRegression(C=self.lr_C, max_iter=3000, class_weight="balanced")
        self.linear_.fit(self._linear_input(dense, rest), y)

    def stage_probabilities(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """P(related) from stage 1 (before the threshold) and the stage-2 distribution over `related_classes_`.

        One thread (see `blend.ONE_THREAD`): OpenMP start-up per tree dominated 3-row predictions on a busy 2-core
        machine (18 s instead of 0.1 s)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        stage1, dense, rest = self._parts(X)
        n = X.shape[0]
        with threadpool_limits(**ONE_THREAD):
            p_related = np.full(n, float(len(self.related_classes_) > 0))
            if self.stage1_ is not None:
                p_related = self.stage1_.predict_proba(stage1)[:, 1]
                if self.stage1_linear_ is not None:
                    linear = self.stage1_linear_.predict_proba(self.stage1_scaler_.transform(stage1))[:, 1]
                    p_related = 0.5 * (p_related + linear)
            if self.boosting_ is None:
                return p_related, np.ones((n, len(self.related_classes_)))
            stage2 = 0.5 * (self.boosting_.predict_proba(dense)
                            + self.linear_.predict_proba(self._linear_input(dense, rest)))
        weights = np.array([(self.class_weights or {}).get(str(c), 1.0) for c in self.related_classes_])
        stage2 = stage2 * weights
        return p_related, stage2 / stage2.sum(axis=1, keepdims=True)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Joint distribution over `classes_` with the threshold applied as an odds shift (see the class doc)."""
        p_related, stage2 = self.stage_probabilities(X)
        odds_shift = (1.0 - self.threshold) / self.threshold
        shifted = p_related * odds_shift / (p_related * odds_shift + (1.0 - p_related))
        proba = np.zeros((len(p_related), len(self.classes_)))
        positions = np.searchsorted(self.classes_, self.related_classes_)
        proba[:, positions] = stage2 * shifted[:, None]
        if self.has_unrelated_:
            unrelated = [k for k, label in enumerate(self.classes_) if label == self.unrelated_label]
            proba[:, unrelated[0]] = 1.0 - shifted
        return proba

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class: always `classes_[argmax(predict_proba)]`."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


def check_stance_model_config(config: Any) -> list[str]:
    """Cross-section rules of the stance models: a stance task, at least one dense pair builder, and block
    parameters (`stage1_features`, `polarity_features`) that name dense builders of the config."""
    from features.builders import BUILDERS

    model, lines = config.model.name, []
    if config.task != "stance":
        lines.append(f"model.name: {model} is a stance model; use it with task: stance")
    dense_in_config = [s.name for s in config.feature_specs if BUILDERS.get(s.name, "features").dense_output]
    if not dense_in_config:
        dense = ", ".join(entry.name for entry in BUILDERS if entry.dense_output)
        lines.append(f"model.name: {model} needs at least one dense pair builder in features ({dense})")
    for parameter in ("stage1_features", "polarity_features"):
        for name in config.model.params.get(parameter) or []:
            if name not in dense_in_config:
                lines.append(f"model.params.{parameter}: '{name}' is not a dense pair builder in features "
                             f"({', '.join(dense_in_config) or 'none'})")
    return lines


register_estimator("two_stage", TwoStageStanceClassifier,
                   "stance: related vs unrelated, then agree/disagree/discuss (boosting + linear, class-balanced)",
                   (*TREE_TYPES, TwoStageStanceClassifier), check_config=check_stance_model_config)
