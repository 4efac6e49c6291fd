"""The estimator registry: each named estimator trains on our features; params, class weights and seed pass through."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

import train.tasks  # noqa: F401  (registers the task-specific estimators)
from core.errors import ConfigError
from features.union import build_features, parse_specs
from tests.conftest import REPO
from train.estimators import ESTIMATORS, ModelSpec, build_model, check_params, scores

SPARSE_MODELS = ["logreg", "linear_svm", "nb_svm", "sgd", "passive_aggressive", "complement_nb", "multinomial_nb",
                 "ridge", "mlp"]
WITH_CLASS_WEIGHT = ["logreg", "linear_svm", "nb_svm", "sgd", "passive_aggressive", "ridge", "hist_gb"]
WITHOUT_CLASS_WEIGHT = ["complement_nb", "multinomial_nb", "mlp"]


@pytest.fixture(scope="module")
def corpus(make_topic_frame):
    frame = make_topic_frame(per_class=10)
    return frame[["title", "body"]], frame["label"].to_numpy()


def fit(model_spec: dict, corpus, features: list[dict] | None = None, seed: int = 3) -> Pipeline:
    X, y = corpus
    union = build_features(parse_specs(features or [{"name": "tfidf_word"}]), ["title", "body"], seed)
    pipeline = Pipeline([("features", union), ("model", build_model(ModelSpec(**model_spec), seed))])
    return pipeline.fit(X, y)


def test_every_registered_model_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert [name for name in ESTIMATORS.names() if not re.search(rf"\b{name}\b", readme)] == []


@pytest.mark.parametrize("name", SPARSE_MODELS)
def test_each_model_learns_the_tiny_corpus_from_sparse_tfidf(name, corpus):
    X, y = corpus
    pipeline = fit({"name": name}, corpus)
    assert (pipeline.predict(X) == y).mean() >= 0.9


def test_hist_gb_learns_the_tiny_corpus_from_dense_svd_features(corpus):
    X, y = corpus
    pipeline = fit({"name": "hist_gb", "params": {"max_iter": 10, "min_samples_leaf": 2}}, corpus,
                   [{"name": "tfidf_word", "svd_components": 8}])
    assert (pipeline.predict(X) == y).mean() >= 0.9


def test_hist_gb_learns_the_tiny_corpus_from_tfidf_made_dense(corpus):
    X, y = corpus
    union = build_features(parse_specs([{"name": "tfidf_word"}]), ["title", "body"], 3, dense=True)
    model = build_model(ModelSpec(name="hist_gb", params={"max_iter": 10, "min_samples_leaf": 2}), 3)
    pipeline = Pipeline([("features", union), ("model", model)]).fit(X, y)
    assert (pipeline.predict(X) == y).mean() >= 0.9


def test_only_models_that_reject_sparse_input_ask_for_dense_features():
    assert [entry.name for entry in ESTIMATORS if entry.dense_input] == ["hist_gb"]


def test_linear_svm_alone_gives_no_probabilities(corpus):
    assert not hasattr(fit({"name": "linear_svm"}, corpus), "predict_proba")


def test_linear_svm_calibrated_gives_probabilities_that_sum_to_one(corpus):
    X, _ = corpus
    pipeline = fit({"name": "linear_svm", "calibrated": True}, corpus)
    probabilities = pipeline.predict_proba(X)
    assert probabilities.shape == (len(X), 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_calibrated_wraps_the_estimator_with_the_configured_folds():
    model = build_model(ModelSpec(name="linear_svm", calibrated=True, calibration_cv=4), 0)
    assert isinstance(model, CalibratedClassifierCV)
    assert model.cv == 4


def test_scores_are_probabilities_when_the_model_has_them(corpus):
    X, _ = corpus
    assert np.allclose(scores(fit({"name": "logreg"}, corpus), X).sum(axis=1), 1.0)


def test_scores_fall_back_to_decision_values(corpus):
    X, _ = corpus
    pipeline = fit({"name": "ridge"}, corpus)
    assert np.allclose(scores(pipeline, X), pipeline.decision_function(X))


@pytest.mark.parametrize("name", WITH_CLASS_WEIGHT)
def test_class_weight_is_passed_to_the_estimator(name):
    assert build_model(ModelSpec(name=name, class_weight="balanced"), 0).get_params()["class_weight"] == "balanced"


def test_class_weight_may_be_a_mapping_of_classes_to_weights():
    model = build_model(ModelSpec(name="logreg", class_weight={"malware": 3.0}), 0)
    assert model.class_weight == {"malware": 3.0}


@pytest.mark.parametrize("name", WITHOUT_CLASS_WEIGHT)
def test_class_weight_on_a_model_without_it_is_a_config_error(name):
    with pytest.raises(ConfigError) as caught:
        build_model(ModelSpec(name=name, class_weight="balanced"), 0)
    assert str(caught.value) == f"model.class_weight: {name} does not support class weights"


@pytest.mark.parametrize("name", ["logreg", "linear_svm", "sgd", "ridge", "mlp", "hist_gb"])
def test_seed_becomes_the_random_state(name):
    assert build_model(ModelSpec(name=name), 1234).get_params()["random_state"] == 1234


def test_an_explicit_random_state_wins_over_the_seed():
    assert build_model(ModelSpec(name="logreg", params={"random_state": 5}), 1234).random_state == 5


def test_the_same_seed_gives_the_same_mlp(corpus):
    X, _ = corpus
    first = fit({"name": "mlp", "params": {"hidden_layer_sizes": [8]}}, corpus, seed=11)
    second = fit({"name": "mlp", "params": {"hidden_layer_sizes": [8]}}, corpus, seed=11)
    assert np.array_equal(first.predict_proba(X), second.predict_proba(X))


def test_params_are_passed_to_the_estimator():
    assert build_model(ModelSpec(name="logreg", params={"C": 2.5}), 0).C == 2.5


def test_registered_defaults_apply_unless_overridden():
    assert build_model(ModelSpec(name="logreg"), 0).max_iter == 2000
    assert build_model(ModelSpec(name="logreg", params={"max_iter": 10}), 0).max_iter == 10


def test_multi_label_wraps_the_estimator_one_label_at_a_time():
    from train.multilabel import MultiLabelClassifier

    model = build_model(ModelSpec(name="logreg"), 0, multi_label=True)
    assert isinstance(model, MultiLabelClassifier)
    assert isinstance(model.estimator, LogisticRegression)


def test_an_unknown_parameter_suggests_the_closest_one():
    with pytest.raises(ConfigError) as caught:
        build_model(ModelSpec(name="logreg", params={"max_iters": 5}), 0)
    assert str(caught.value) == "model.params.max_iters: unknown parameter of logreg; did you mean 'max_iter'?"


def test_a_bad_parameter_value_is_a_config_error_naming_the_parameter():
    with pytest.raises(ConfigError) as caught:
        check_params(ModelSpec(name="logreg", params={"max_iter": 100, "C": -1}), 0)
    assert str(caught.value).startswith("model.params.C: invalid value -1 for logreg (")


def test_good_parameter_values_pass_the_check():
    check_params(ModelSpec(name="hist_gb", params={"max_iter": 5, "learning_rate": 0.2}), 0)


def test_an_unknown_model_name_lists_the_valid_names():
    with pytest.raises(ConfigError) as caught:
        build_model(ModelSpec(name="logregg"), 0)
    assert str(caught.value) == (
        f"model.name: unknown model 'logregg' (did you mean 'logreg'?); valid names: {', '.join(ESTIMATORS.names())}"
    )


def test_calibration_without_ensemble_keeps_one_model_fit_on_all_rows(corpus):
    X, y = corpus
    pipeline = fit({"name": "linear_svm", "calibrated": True, "calibration_ensemble": False}, corpus)
    assert len(pipeline[-1].calibrated_classifiers_) == 1
    plain = fit({"name": "linear_svm"}, corpus)
    assert (pipeline.predict(X) == plain.predict(X)).mean() > 0.9


def test_multi_label_models_calibrate_each_label_themselves():
    from train.multilabel import MultiLabelClassifier

    model = build_model(ModelSpec(name="linear_svm", calibrated=True), 0, multi_label=True)
    assert isinstance(model, MultiLabelClassifier)
    assert not isinstance(model.estimator, CalibratedClassifierCV)


def test_models_on_sparse_features_run_with_one_blas_thread_and_dense_ones_keep_the_default():
    from threadpoolctl import threadpool_info

    from train.estimators import blas_threads

    def blas_limits():
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    default = blas_limits()
    if not default:
        pytest.skip("no BLAS library reports its threads here")
    with blas_threads(dense_input=False):
        assert set(blas_limits()) == {1}
    assert blas_limits() == default
    with blas_threads(dense_input=True):
        assert blas_limits() == default
