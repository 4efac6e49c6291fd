"""The model registry: named scikit-learn classifiers with class weights and the seed passed through."""

from __future__ import annotations

import inspect
from typing import Any, Literal

from pydantic import Field
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression, RidgeClassifier, SGDClassifier
from sklearn.naive_bayes import ComplementNB, MultinomialNB
from sklearn.neural_network import MLPClassifier
from sklearn.svm import LinearSVC

from features.errors import ConfigError
from features.registry import Registry, Spec, closest
from train.multilabel import MultiLabelClassifier, MultiLabelSpec
from train.two_stage import TwoStageStanceClassifier

MODELS: Registry[BaseEstimator] = Registry("model")

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


_DEFAULTS: dict[str, dict[str, Any]] = {}
NEEDS_DENSE = frozenset({"hist_gb"})  # models whose fit rejects sparse matrices
NEEDS_COLUMN_BLOCKS = frozenset({"two_stage"})  # models told which columns each feature builder produced


# Fitted-state types skops does not trust by default; the safe loader accepts exactly these (and ours).
WRAPPER_TYPES = ("sklearn.calibration._CalibratedClassifier", "sklearn.calibration._SigmoidCalibration",
                     "train.multilabel.MultiLabelClassifier", "sklearn.multiclass._ConstantPredictor")


def _register(name: str, cls: type[BaseEstimator], summary: str, trusted: tuple[str, ...] = (),
              **defaults: Any) -> None:
    _DEFAULTS[name] = defaults
    MODELS.register(name, ModelSpec, summary, WRAPPER_TYPES + trusted)(cls)


_register("logreg", LogisticRegression, "logistic regression (probabilities, interpretable)", max_iter=2000)
_register("linear_svm", LinearSVC, "linear SVM (fast, strong on sparse text; `calibrated: true` for probabilities)")
_register("sgd", SGDClassifier, "linear model trained by SGD (scales to large corpora)", max_iter=50, tol=1e-4)
_register("complement_nb", ComplementNB, "complement naive Bayes (good with imbalanced text classes)")
_register("multinomial_nb", MultinomialNB, "multinomial naive Bayes")
_register("ridge", RidgeClassifier, "ridge classifier")
_register("mlp", MLPClassifier, "one- or two-layer perceptron",
          ("sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
           "sklearn.neural_network._stochastic_optimizers.SGDOptimizer"),
          hidden_layer_sizes=(100,), early_stopping=True)
_TREES = ("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",)
_register("hist_gb", HistGradientBoostingClassifier, "histogram gradient boosting (dense features)", _TREES)
_register("two_stage", TwoStageStanceClassifier,
          "stance: related vs unrelated, then agree/disagree/discuss (boosting + linear, class-balanced)",
          (*_TREES, "train.two_stage.TwoStageStanceClassifier"))


def _accepts(cls: type, name: str) -> bool:
    return name in inspect.signature(cls.__init__).parameters


def build_model(spec: ModelSpec, seed: int, multi_label: bool = False) -> BaseEstimator:
    """Instantiate and validate the estimator a spec names; parameter problems are ConfigErrors by path."""
    cls = MODELS.get(spec.name, "model.name").build
    valid = sorted(inspect.signature(cls.__init__).parameters.keys() - {"self"})
    for key in spec.params:
        if key not in valid:
            hint = closest(key, valid)
            raise ConfigError(
                f"model.params.{key}: unknown parameter of {spec.name}"
                + (f"; did you mean '{hint}'?" if hint else f"; valid: {', '.join(valid)}")
            )
    kwargs = {**_DEFAULTS[spec.name], **spec.params}
    if _accepts(cls, "random_state"):
        kwargs.setdefault("random_state", seed)
    if spec.class_weight is not None:
        if not _accepts(cls, "class_weight"):
            raise ConfigError(f"model.class_weight: {spec.name} does not support class weights")
        kwargs["class_weight"] = spec.class_weight
    estimator = cls(**kwargs)
    _check_params(estimator, spec.name)
    if spec.calibrated and not multi_label:  # multi-label models calibrate each label themselves
        estimator = CalibratedClassifierCV(estimator, cv=spec.calibration_cv, ensemble=spec.calibration_ensemble)
    if multi_label:
        options = spec.multi_label
        estimator = MultiLabelClassifier(estimator, options.thresholds, options.threshold, options.fallback,
                                         options.folds, options.min_positives, seed)
    return estimator


def _check_params(estimator: BaseEstimator, name: str) -> None:
    """Run scikit-learn's own parameter validation now, so a bad value fails before any data is loaded."""
    from sklearn.utils._param_validation import InvalidParameterError

    try:
        clone(estimator)._validate_params()
    except InvalidParameterError as exc:
        message = str(exc).split("\n")[0]
        key = message.split("'")[1] if message.count("'") >= 2 else "params"
        raise ConfigError(f"model.params.{key}: {message}") from None


def scores(model: ClassifierMixin, X: Any) -> Any:
    """Class scores for ranking: probabilities when the model has them, else decision values."""
    if hasattr(model, "predict_proba"):
        try:
            return model.predict_proba(X)
        except AttributeError:
            pass
    return model.decision_function(X)
