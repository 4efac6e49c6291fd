"""The estimator registry: named scikit-learn classifiers, their secnews defaults, and the seed passed through.

Each entry carries its own facts (defaults, whether fit needs dense input, the fitted types the safe loader may
accept), so the runner asks the entry instead of keeping side tables.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from pydantic import Field
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression, RidgeClassifier, SGDClassifier
from sklearn.naive_bayes import ComplementNB, MultinomialNB
from sklearn.neural_network import MLPClassifier

from core.errors import ConfigError
from core.registry import Registry, Spec, closest
from train.linear_svm import LinearSVM
from train.multilabel import MultiLabelClassifier, MultiLabelSpec
from train.nbsvm import NBSVMClassifier

ESTIMATORS: Registry[BaseEstimator] = Registry("model")

ClassWeight = Literal["balanced"] | dict[str, float] | None


class ModelSpec(Spec):
    """`model:` section: a registered name, estimator parameters, class weights and calibration."""

    name: str = "logreg"
    params: dict[str, Any] = Field(default_factory=dict, description="keyword arguments of the estimator")
    class_weight: ClassWeight = Field(None, description="'balanced', a {class: weight} mapping, or null")
    calibrated: bool = Field(False, description="wrap in CalibratedClassifierCV to get probabilities")
    calibration_cv: int = Field(3, ge=2)
    calibration_ensemble: bool = Field(
        True, description="true: average `calibration_cv` models fit on folds; false: one model fit on all rows, "
        "calibrated on out-of-fold scores (same predictions as the uncalibrated model, one model to apply)")
    multi_label: MultiLabelSpec = Field(default_factory=MultiLabelSpec,
                                        description="multi-label data: thresholds and fallback")


# Fitted-state types skops does not trust by default; the safe loader accepts exactly these (and ours).
WRAPPER_TYPES = ("sklearn.calibration._CalibratedClassifier", "sklearn.calibration._SigmoidCalibration",
                 "train.multilabel.MultiLabelClassifier", "sklearn.multiclass._ConstantPredictor")
TREE_TYPES = ("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",)
MLP_TYPES = ("sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
             "sklearn.neural_network._stochastic_optimizers.SGDOptimizer")


def register_estimator(name: str, cls: type[BaseEstimator], summary: str, trusted: tuple[type | str, ...] = (),
                       dense_input: bool = False, check_config: Callable[[Any], list[str]] | None = None,
                       **defaults: Any) -> None:
    """Register an estimator class under `name` with the defaults secnews sets unless the config does."""
    ESTIMATORS.register(name, ModelSpec, summary, WRAPPER_TYPES + trusted, defaults=defaults,
                        dense_input=dense_input, check_config=check_config)(cls)


register_estimator("logreg", LogisticRegression, "logistic regression (probabilities, interpretable)", max_iter=2000)
register_estimator("linear_svm", LinearSVM,
                   "linear SVM (fast, strong on sparse text; `calibrated: true` for probabilities)", (LinearSVM,))
register_estimator("nb_svm", NBSVMClassifier,
                   "linear SVM on naive-Bayes-weighted features (NB-SVM; strong on long texts)", (NBSVMClassifier,))
register_estimator("sgd", SGDClassifier, "linear model trained by SGD (scales to large corpora)", max_iter=50,
                   tol=1e-4)
register_estimator("passive_aggressive", SGDClassifier,
                   "passive-aggressive (PA-I steps, no learning rate to tune; online)", loss="hinge", penalty=None,
                   learning_rate="pa1", eta0=1.0, max_iter=50, tol=1e-4)
register_estimator("complement_nb", ComplementNB, "complement naive Bayes (good with imbalanced text classes)")
register_estimator("multinomial_nb", MultinomialNB, "multinomial naive Bayes")
register_estimator("ridge", RidgeClassifier, "ridge classifier")
register_estimator("mlp", MLPClassifier, "one- or two-layer perceptron", MLP_TYPES, hidden_layer_sizes=(100,),
                   early_stopping=True)
register_estimator("hist_gb", HistGradientBoostingClassifier, "histogram gradient boosting (dense features)",
                   TREE_TYPES, dense_input=True)


def _accepts(cls: type, name: str) -> bool:
    return name in inspect.signature(cls.__init__).parameters


def build_model(spec: ModelSpec, seed: int, multi_label: bool = False,
                dense_layout: tuple[tuple[str, int], ...] | None = None) -> BaseEstimator:
    """Instantiate the estimator a spec names; unknown parameters are ConfigErrors by key path.

    `dense_layout` (the union's leading dense blocks, known from the config) goes to models that read blocks."""
    entry = ESTIMATORS.get(spec.name, "model.name")
    cls = entry.build
    valid = sorted(inspect.signature(cls.__init__).parameters.keys() - {"self"})
    for key in spec.params:
        if key not in valid:
            hint = closest(key, valid)
            raise ConfigError(
                f"model.params.{key}: unknown parameter of {spec.name}"
                + (f"; did you mean '{hint}'?" if hint else f"; valid: {', '.join(valid)}")
            )
    kwargs = {**entry.defaults, **spec.params}
    if _accepts(cls, "random_state"):
        kwargs.setdefault("random_state", seed)
    if dense_layout is not None and _accepts(cls, "dense_blocks"):
        kwargs.setdefault("dense_blocks", dense_layout)
    if spec.class_weight is not None and not (multi_label and spec.multi_label.class_weight == "none"):
        if not _accepts(cls, "class_weight"):
            raise ConfigError(f"model.class_weight: {spec.name} does not support class weights")
        kwargs["class_weight"] = spec.class_weight
    estimator = cls(**kwargs)
    if spec.calibrated and not multi_label:  # multi-label models calibrate each label themselves
        estimator = CalibratedClassifierCV(estimator, cv=spec.calibration_cv, ensemble=spec.calibration_ensemble)
    if multi_label:
        options = spec.multi_label
        estimator = MultiLabelClassifier(estimator, options.thresholds, options.threshold, options.fallback,
                                         options.folds, options.min_positives, seed)
    return estimator


def _probe_data(n_columns: int, labels: tuple[str, ...]) -> tuple[Any, np.ndarray]:
    """A tiny, fixed, learnable problem: enough for scikit-learn to validate parameters at the start of fit."""
    rng = np.random.default_rng(0)
    X = rng.random((40, n_columns))
    y = np.array([labels[i % len(labels)] for i in range(40)], dtype=object)
    X[y == labels[0], 0] += 1.0
    return X, y


def _fit_error(estimator: BaseEstimator, n_columns: int, labels: tuple[str, ...]) -> Exception | None:
    X, y = _probe_data(n_columns, labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            clone(estimator).fit(X, y)
        except Exception as exc:  # any failure on the probe counts; interrupts still propagate
            return exc
    return None


def check_params(spec: ModelSpec, seed: int, dense_layout: tuple[tuple[str, int], ...] | None = None,
                 labels: tuple[str, ...] = ()) -> None:
    """Fail before any data is read when a model parameter has a bad value.

    scikit-learn validates parameters when `fit` starts and has no public validator, so each configured parameter
    is tried alone on a tiny probe problem shaped like the config's features (`dense_layout` leads its columns)
    and labelled with the task's fixed labels (`labels`, when it has them):
    one that fails there but not with the defaults is the culprit. Anything else is left to the real fit.
    """
    if not spec.params:
        return
    n_columns, labels = sum(width for _, width in dense_layout or ()) + 4, labels or ("a", "b")
    base = build_model(ModelSpec(name=spec.name), seed, dense_layout=dense_layout)
    if _fit_error(base, n_columns, labels) is not None:
        return  # the probe problem does not suit this estimator; its fit will report bad values itself
    for key, value in spec.params.items():
        probe = build_model(ModelSpec(name=spec.name, params={key: value}), seed, dense_layout=dense_layout)
        error = _fit_error(probe, n_columns, labels)
        if error is not None:
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ConfigError(f"model.params.{key}: invalid value {value!r} for {spec.name} ({first})")


def scores(model: ClassifierMixin, X: Any) -> Any:
    """Class scores for ranking: probabilities when the model has them, else decision values."""
    if hasattr(model, "predict_proba"):
        try:
            return model.predict_proba(X)
        except AttributeError:
            pass
    return model.decision_function(X)


def blas_threads(dense_input: bool) -> Any:
    """Thread limits for fitting and applying a model: one BLAS thread for models on sparse text features.

    Those models hand BLAS only small dense blocks (a row of class scores per document), where OpenBLAS's extra
    threads spin instead of helping: a logistic regression on 8k ACLED notes fit in 2.5 s with two threads and
    1.4 s with one. Models on dense features keep the library defaults.
    """
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    return nullcontext() if dense_input else threadpool_limits(limits=1, user_api="blas")
