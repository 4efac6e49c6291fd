"""NB-SVM: naive-Bayes log-count ratios scale the features of one linear SVM per class, folded into `coef_`."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.svm import LinearSVC

from train.nbsvm import NBSVMClassifier, log_count_ratio

# Feature 0 marks class "a", feature 1 class "b", feature 2 class "c"; feature 3 occurs everywhere.
X = sparse.csr_matrix(np.array([[1, 0, 0, 1], [1, 0, 0, 1], [0, 1, 0, 1], [0, 1, 0, 1], [0, 0, 1, 1],
                                [0, 0, 1, 1]], dtype=float))
y = np.array(["a", "a", "b", "b", "c", "c"])


def test_log_count_ratio_favours_features_of_the_class():
    ratio = log_count_ratio(X, y == "a", alpha=1.0)
    assert ratio[0] > 0 > ratio[1]
    assert ratio[1] == pytest.approx(ratio[2])


def test_decision_is_the_svm_on_scaled_features_folded_into_the_weights():
    model = NBSVMClassifier(C=0.5).fit(X, y)
    ratio = log_count_ratio(X, y == "b", alpha=1.0)
    svm = LinearSVC(C=0.5, class_weight={True: 1.0, False: 1.0}).fit(X.multiply(ratio).tocsr(), y == "b")
    np.testing.assert_allclose(model.decision_function(X)[:, 1], svm.decision_function(X.multiply(ratio)), rtol=1e-6)
    assert list(model.predict(X)) == list(y)


def test_classes_fitted_in_parallel_give_the_same_model_every_time():
    # fits long enough to overlap: in threads they would race on liblinear's one random generator and differ
    rng = np.random.default_rng(0)
    counts = sparse.random(3000, 20000, density=0.01, random_state=1, format="csr")
    labels = rng.choice(["a", "b", "c", "d"], size=3000)
    one = NBSVMClassifier(C=10.0, svm_weight=1.0, random_state=0, n_jobs=1).fit(counts, labels)
    for _ in range(2):
        two = NBSVMClassifier(C=10.0, svm_weight=1.0, random_state=0, n_jobs=2).fit(counts, labels)
        np.testing.assert_array_equal(one.coef_, two.coef_)
        np.testing.assert_array_equal(one.intercept_, two.intercept_)


def test_two_classes_give_one_margin_column_like_linear_svc():
    model = NBSVMClassifier().fit(X[:4], y[:4])
    assert model.coef_.shape == (1, 4) and model.decision_function(X[:4]).shape == (4,)
    assert list(model.predict(X[:4])) == ["a", "a", "b", "b"]


def test_svm_weight_adds_a_plain_svm_to_the_margins():
    pure, mixed = NBSVMClassifier().fit(X, y), NBSVMClassifier(svm_weight=2.0).fit(X, y)
    plain = LinearSVC(C=1.0, class_weight={True: 1.0, False: 1.0}).fit(X, y == "c")
    np.testing.assert_allclose(mixed.coef_[2], pure.coef_[2] + 2.0 * plain.coef_.ravel(), rtol=1e-6)


def test_balanced_class_weight_weighs_the_rows_of_a_rare_class_up():
    rare = np.array(["a", "a", "a", "a", "b", "c"])
    weighted = NBSVMClassifier(C=0.05, class_weight="balanced").fit(X, rare)
    unweighted = NBSVMClassifier(C=0.05).fit(X, rare)
    assert weighted.decision_function(X[4:5])[0, 1] > unweighted.decision_function(X[4:5])[0, 1]


@pytest.mark.parametrize("params", [{"alpha": 0.0}, {"svm_weight": -1.0}])
def test_bad_smoothing_or_weight_is_refused_at_fit(params):
    with pytest.raises(ValueError, match=r"^alpha must be > 0 and svm_weight >= 0"):
        NBSVMClassifier(**params).fit(X, y)


def test_a_saved_model_loads_through_the_allow_list(tmp_path):
    import skops.io as sio

    from train.estimators import ModelSpec, build_model
    from train.safe_load import load_skops

    model = build_model(ModelSpec(name="nb_svm", calibrated=True, calibration_cv=2), 0).fit(X, y)
    sio.dump(model, tmp_path / "model.skops")
    np.testing.assert_allclose(load_skops(tmp_path / "model.skops").predict_proba(X), model.predict_proba(X))
