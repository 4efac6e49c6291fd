"""Cascaded stance classifier: related vs. unrelated, then neutral (discuss) vs. taking a stance, then which stance
(agree vs. disagree), each decision calibrated and the final decision weighted per class, both learned from
out-of-fold probabilities of folds that keep a group (body, story) on one side."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from features.stance.labels import UNRELATED
from train.estimators import TREE_TYPES, register_estimator
from train.tasks.stance.blend import BlendedStage
from train.tasks.stance.decisions import (
    METRICS,
    apply_platt,
    choose_class_weights,
    fit_platt,
    group_folds,
)
from train.tasks.stance.layout import DenseThenSparseInput, block_columns, dense_and_rest
from train.tasks.stance.two_stage import check_stance_model_config

NEUTRAL = "discuss"
STAGES = ("related", "stance", "polarity")  # P(related), P(takes a stance | related), P(stance class | stance)


class CascadeStanceClassifier(DenseThenSparseInput, ClassifierMixin, BaseEstimator):
    """Three decisions, each a `BlendedStage` (boosting + linear) fit on the rows it concerns:

    - related: related vs. `unrelated_label`, on the dense blocks in `stage1_features` (default all);
    - stance: a stance (any related label but `neutral_label`) vs. neutral, on every column, related rows;
    - polarity: which stance (agree vs. disagree), on the blocks in `polarity_features` plus the sparse columns,
      rows that take a stance.

    The joint distribution is P(unrelated) = 1 - r, P(neutral) = r (1 - s), P(c) = r s q_c. With
    `decision_folds` >= 2, `fit` first fits the cascade on folds that keep each of `groups` (fit argument: body
    or story ids; rows are independent without it) on one side, and from the out-of-fold probabilities learns a
    Platt map per binary decision (`calibrate`) and, with `class_weights="cv"`, one weight per class maximising
    `decision_metric` (macro_f1 or fnc) of argmax(joint · weights). A mapping fixes the weights instead.
    `predict_proba` is the weighted joint distribution renormalised, so `predict` is always its argmax.
    """

    def __init__(self, dense_blocks: tuple[tuple[str, int], ...] | None = None,
                 stage1_features: tuple[str, ...] | None = None, polarity_features: tuple[str, ...] | None = None,
                 stage1_lr_C: float | None = 1.0, lr_C: float = 0.3, hgb_iter: int = 300, decision_folds: int = 5,
                 calibrate: bool = True, class_weights: str | dict[str, float] | None = "cv",
                 decision_metric: str = "macro_f1", unrelated_label: Any = UNRELATED, neutral_label: Any = NEUTRAL,
                 random_state: int | None = 0) -> None:
        self.dense_blocks = dense_blocks
        self.stage1_features = stage1_features
        self.polarity_features = polarity_features
        self.stage1_lr_C = stage1_lr_C
        self.lr_C = lr_C
        self.hgb_iter = hgb_iter
        self.decision_folds = decision_folds
        self.calibrate = calibrate
        self.class_weights = class_weights
        self.decision_metric = decision_metric
        self.unrelated_label = unrelated_label
        self.neutral_label = neutral_label
        self.random_state = random_state

    def _validate_params(self) -> None:
        """Check the constructor arguments with a message naming the parameter (also called before data loads)."""
        name = type(self).__name__
        for key in ("lr_C", "stage1_lr_C"):
            value = getattr(self, key)
            if key == "stage1_lr_C" and value is None:
                continue
            if not isinstance(value, Real) or isinstance(value, bool) or not value > 0:
                raise ValueError(f"The '{key}' parameter of {name} must be a positive number. Got {value!r} instead.")
        for key, low in (("hgb_iter", 1), ("decision_folds", 0)):
            value = getattr(self, key)
            if not isinstance(value, Integral) or isinstance(value, bool) or value < low or (key == "decision_folds"
                                                                                              and value == 1):
                allowed = "an integer >= 1" if key == "hgb_iter" else "0 (no cross-validation) or an integer >= 2"
                raise ValueError(f"The '{key}' parameter of {name} must be {allowed}. Got {value!r} instead.")
        if self.decision_metric not in METRICS:
            raise ValueError(f"The 'decision_metric' parameter of {name} must be one of {list(METRICS)}. "
                             f"Got {self.decision_metric!r} instead.")
        weights = self.class_weights
        if isinstance(weights, dict):
            if not all(isinstance(w, Real) and not isinstance(w, bool) and w > 0 for w in weights.values()):
                raise ValueError(f"The 'class_weights' parameter of {name} must map classes to positive numbers. "
                                 f"Got {weights!r} instead.")
        elif weights not in (None, "cv"):
            raise ValueError(f"The 'class_weights' parameter of {name} must be 'cv', a mapping {{class: weight}} "
                             f"or None. Got {weights!r} instead.")
        if self.decision_folds == 0 and (weights == "cv" or self.calibrate):
            raise ValueError(f"{name}: class_weights='cv' and calibrate=True learn from out-of-fold probabilities; "
                             f"set decision_folds >= 2 or turn them off")

    def _columns(self, n_columns: int) -> tuple[np.ndarray, np.ndarray, int]:
        stage1, n_dense = block_columns(self.dense_blocks, n_columns, self.stage1_features, "stage1_features")
        polarity, _ = block_columns(self.dense_blocks, n_columns, self.polarity_features, "polarity_features")
        return stage1, polarity, n_dense

    def _inputs(self, X: Any) -> dict[str, Any]:
        """What each decision reads: stage-1 blocks; all columns; the polarity blocks plus the sparse rest."""
        stage1, polarity, n_dense = self._columns(X.shape[1])
        dense, rest = dense_and_rest(X, n_dense)
        polarity_input = dense[:, polarity] if rest is None else _hstack(dense[:, polarity], rest)
        return {"related": dense[:, stage1], "stance": X, "polarity": polarity_input}

    def _stage_models(self, n_dense: int, n_polarity: int) -> dict[str, BlendedStage]:
        seed = self.random_state
        return {
            "related": BlendedStage(None, self.hgb_iter, 0.1, self.stage1_lr_C, balanced=False, random_state=seed),
            "stance": BlendedStage(n_dense, self.hgb_iter, 0.05, self.lr_C, random_state=seed),
            "polarity": BlendedStage(n_polarity, self.hgb_iter, 0.05, self.lr_C, random_state=seed),
        }

    def _targets(self, y: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """(rows, target) of each decision."""
        related = y != self.unrelated_label
        takes_stance = related & (y != self.neutral_label)
        return {"related": (np.ones(len(y), dtype=bool), related), "stance": (related, takes_stance),
                "polarity": (takes_stance, y)}

    def _fit_stages(self, inputs: dict[str, Any], y: np.ndarray, rows: np.ndarray) -> dict[str, BlendedStage | None]:
        """Each decision fit on `rows` it concerns; None where those rows hold one outcome (or none)."""
        _, polarity, n_dense = self._columns(self.n_features_in_)
        models, fitted = self._stage_models(n_dense, len(polarity)), {}
        for stage, (concerned, target) in self._targets(y).items():
            chosen = np.flatnonzero(concerned & rows)
            if len(np.unique(target[chosen])) < 2:
                fitted[stage] = None
                continue
            fitted[stage] = clone(models[stage]).fit(inputs[stage][chosen], target[chosen])
        return fitted

    def _raw_probabilities(self, stages: dict[str, BlendedStage | None], inputs: dict[str, Any],
                           rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """r, s (n,) and q (n, stance classes) before calibration; a missing decision gives its only outcome."""
        n = inputs["stance"].shape[0] if rows is None else len(rows)

        def part(stage: str) -> Any:
            return inputs[stage] if rows is None else inputs[stage][rows]

        constant = {"related": _share(self.has_related_, self.has_unrelated_),
                    "stance": _share(self.has_stance_, self.has_neutral_)}
        out = {}
        for stage in ("related", "stance"):
            model = stages[stage]
            out[stage] = model.predict_proba(part(stage))[:, 1] if model is not None else np.full(n, constant[stage])
        q = np.zeros((n, len(self.stance_classes_)))
        model = stages["polarity"]
        if model is not None:
            q[:, np.searchsorted(self.stance_classes_, model.classes_)] = model.predict_proba(part("polarity"))
        elif len(self.stance_classes_):
            q[:, 0] = 1.0
        out["polarity"] = q
        return out

    def _calibrated(self, raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        r = apply_platt(raw["related"], *self.calibration_[0])
        s = apply_platt(raw["stance"], *self.calibration_[1])
        q = raw["polarity"]
        if q.shape[1] == 2:
            second = apply_platt(q[:, 1], *self.calibration_[2])
            q = np.column_stack([1 - second, second])
        return {"related": r, "stance": s, "polarity": q}

    def _joint(self, probabilities: dict[str, np.ndarray]) -> np.ndarray:
        r, s, q = probabilities["related"], probabilities["stance"], probabilities["polarity"]
        proba = np.zeros((len(r), len(self.classes_)))
        position = {label: k for k, label in enumerate(self.classes_)}
        if self.has_unrelated_:
            proba[:, position[self.unrelated_label]] = 1 - r
        if self.has_neutral_:
            proba[:, position[self.neutral_label]] = r * (1 - s)
        for k, label in enumerate(self.stance_classes_):
            proba[:, position[label]] = r * s * q[:, k]
        return proba

    def fit(self, X: Any, y: Any, groups: Any = None) -> CascadeStanceClassifier:
        """Fit the three decisions; with `decision_folds`, first learn calibration and class weights out of fold."""
        self._validate_params()
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64)
        check_classification_targets(y)
        if groups is not None and len(groups) != len(y):
            raise ValueError(f"groups has {len(groups)} entries but X has {len(y)} rows")
        self.classes_ = np.unique(y)
        unknown = sorted(set(self.class_weights) - {str(c) for c in self.classes_}) \
            if isinstance(self.class_weights, dict) else []
        if unknown:
            raise ValueError(f"class_weights name classes not among the training labels: {unknown}")
        self.has_unrelated_ = bool(np.any(y == self.unrelated_label))
        self.has_related_ = bool(np.any(y != self.unrelated_label))
        self.has_neutral_ = bool(np.any(y == self.neutral_label))
        self.stance_classes_ = np.unique(y[(y != self.unrelated_label) & (y != self.neutral_label)])
        self.has_stance_ = len(self.stance_classes_) > 0
        inputs = self._inputs(X)
        self.calibration_ = np.tile([1.0, 0.0], (len(STAGES), 1))
        self.decision_weights_ = np.array([(self.class_weights or {}).get(str(c), 1.0) if isinstance(
            self.class_weights, dict) else 1.0 for c in self.classes_])
        if self.decision_folds:
            self._learn_decisions(inputs, y, groups)
        self.stages_ = self._fit_stages(inputs, y, np.ones(len(y), dtype=bool))
        return self

    def _learn_decisions(self, inputs: dict[str, Any], y: np.ndarray, groups: Any) -> None:
        """Out-of-fold stage probabilities → Platt maps per binary decision → class weights (when 'cv')."""
        folds = group_folds(groups, self.decision_folds, self.random_state, len(y))
        n = len(y)
        raw = {"related": np.zeros(n), "stance": np.zeros(n), "polarity": np.zeros((n, len(self.stance_classes_)))}
        for fold in np.unique(folds):
            held = folds == fold
            stages = self._fit_stages(inputs, y, ~held) if (~held).any() else dict.fromkeys(STAGES)
            for stage, values in self._raw_probabilities(stages, inputs, np.flatnonzero(held)).items():
                raw[stage][held] = values
        targets = self._targets(y)
        if self.calibrate:
            for k, stage in enumerate(("related", "stance")):
                rows, truth = targets[stage]
                self.calibration_[k] = fit_platt(raw[stage][rows], truth[rows])
            if len(self.stance_classes_) == 2:
                rows, truth = targets["polarity"]
                self.calibration_[2] = fit_platt(raw["polarity"][rows, 1], truth[rows] == self.stance_classes_[1])
        if self.class_weights == "cv":
            proba = self._joint(self._calibrated(raw))
            truth = np.searchsorted(self.classes_, y)
            fixed = int(np.searchsorted(self.classes_, self.unrelated_label)) if self.has_unrelated_ else 0
            self.decision_weights_ = choose_class_weights(proba, truth, self.classes_, self.decision_metric, fixed)
        self.oof_proba_ = self._joint(self._calibrated(raw)) * self.decision_weights_

    def stage_probabilities(self, X: Any) -> dict[str, np.ndarray]:
        """Calibrated r = P(related), s = P(stance | related) and q = P(stance class | stance) for each row.

        Each stage predicts on one thread (see `blend.ONE_THREAD`)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        return self._calibrated(self._raw_probabilities(self.stages_, self._inputs(X)))

    def predict_proba(self, X: Any) -> np.ndarray:
        """The joint distribution times the decision weights, renormalised (see the class doc)."""
        weighted = self._joint(self.stage_probabilities(X)) * self.decision_weights_
        return weighted / weighted.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class: always `classes_[argmax(predict_proba)]`."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


def _share(present: bool, other: bool) -> float:
    """The probability of an outcome a fold never saw both sides of: 1 or 0 when only one side exists at all."""
    return float(present) / (float(present) + float(other)) if present or other else 0.0


def _hstack(dense: np.ndarray, rest: Any) -> Any:
    if sp.issparse(rest):
        return sp.hstack([sp.csr_matrix(dense), rest]).tocsr()
    return np.hstack([dense, np.asarray(rest, dtype=np.float64)])


register_estimator("stance_cascade", CascadeStanceClassifier,
                   "stance: related?, then discuss vs. a stance, then agree vs. disagree; calibrated, class "
                   "weights by grouped CV", (*TREE_TYPES, CascadeStanceClassifier, BlendedStage),
                   check_config=check_stance_model_config)
