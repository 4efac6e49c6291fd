"""`linear_svm` fits groups of its one-vs-rest problems in worker processes: the same problems as LinearSVC's own
fit, so the same model up to the solver's tolerance, and the same model on every run for a number of workers."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

from train import cores
from train.linear_svm import PARALLEL_MIN_NONZEROS, LinearSVM


def problem(classes: int = 6, rows: int = 600, columns: int = 300, seed: int = 0) -> tuple[Any, np.ndarray]:
    """Sparse non-negative rows whose class shows in a few columns of its own."""
    rng = np.random.default_rng(seed)
    labels = np.array([f"topic_{i % classes}" for i in range(rows)])
    X = sparse.random(rows, columns, density=0.05, random_state=seed, format="lil")
    for row, label in enumerate(labels):
        own = int(label.split("_")[1]) * 5
        X[row, own + rng.integers(0, 5)] = 1.0 + rng.random()
    return X.tocsr(), labels


def agree(grouped: LinearSVM, plain: LinearSVC, X: sparse.csr_matrix) -> None:
    assert list(grouped.classes_) == list(plain.classes_)
    np.testing.assert_allclose(grouped.coef_, plain.coef_, atol=1e-3)
    np.testing.assert_allclose(grouped.intercept_, plain.intercept_, atol=1e-3)
    assert (grouped.predict(X) == plain.predict(X)).mean() > 0.99


@pytest.mark.parametrize("class_weight", [None, "balanced", {"topic_0": 5.0}])
def test_grouped_fit_solves_the_problems_linear_svc_solves(class_weight):
    X, y = problem()
    keep = np.r_[0:300, 300:600:3]  # uneven classes, so balanced weights differ from class to class
    X, y = X[keep], y[keep]
    plain = LinearSVC(C=2.0, class_weight=class_weight, tol=1e-8, max_iter=20000, random_state=0).fit(X, y)
    grouped = LinearSVM(C=2.0, class_weight=class_weight, tol=1e-8, max_iter=20000, random_state=0, n_jobs=2)
    agree(grouped.fit(X, y), plain, X)


def test_sample_weights_and_no_intercept_pass_through():
    X, y = problem()
    weights = np.linspace(0.5, 2.0, len(y))
    plain = LinearSVC(fit_intercept=False, tol=1e-8, max_iter=20000, random_state=0).fit(X, y, sample_weight=weights)
    grouped = LinearSVM(fit_intercept=False, tol=1e-8, max_iter=20000, random_state=0, n_jobs=2)
    grouped.fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(grouped.coef_, plain.coef_, atol=1e-3)
    assert grouped.intercept_ == 0.0


def test_the_grouped_model_is_the_same_on_every_run():
    X, y = problem(classes=8, rows=1600, columns=2000)
    first = LinearSVM(C=10.0, random_state=0, n_jobs=2).fit(X, y)
    second = LinearSVM(C=10.0, random_state=0, n_jobs=2).fit(X, y)
    assert np.array_equal(first.coef_, second.coef_)
    assert np.array_equal(first.intercept_, second.intercept_)


def test_groups_hold_two_classes_at_least_and_deal_them_round_robin():
    X, _ = problem()
    assert [g.tolist() for g in LinearSVM(n_jobs=2)._groups(X, 6)] == [[0, 2, 4], [1, 3, 5]]
    assert len(LinearSVM(n_jobs=2)._groups(X, 3)) == 1  # a group of one would be a binary problem
    assert len(LinearSVM(n_jobs=8)._groups(X, 6)) == 3


def test_small_problems_and_a_one_core_budget_fit_in_one_call():
    small, _ = problem()
    large = sparse.random(4000, PARALLEL_MIN_NONZEROS // 400, density=0.1, random_state=0, format="csr")
    assert large.nnz >= PARALLEL_MIN_NONZEROS
    with cores.limited(2):
        assert len(LinearSVM()._groups(small, 20)) == 1
        assert len(LinearSVM()._groups(large, 20)) == 2
    with cores.limited(1):
        assert len(LinearSVM()._groups(large, 20)) == 1


def test_binary_and_crammer_singer_fits_are_linear_svc_fits():
    X, y = problem(classes=2)
    plain = LinearSVC(random_state=0).fit(X, y)
    grouped = LinearSVM(random_state=0, n_jobs=2).fit(X, y)
    assert np.array_equal(grouped.coef_, plain.coef_)
    X, y = problem()
    plain = LinearSVC(multi_class="crammer_singer", random_state=0).fit(X, y)
    grouped = LinearSVM(multi_class="crammer_singer", random_state=0, n_jobs=2).fit(X, y)
    assert np.array_equal(grouped.coef_, plain.coef_)


def test_one_warning_when_a_group_does_not_converge():
    X, y = problem()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = LinearSVM(C=100.0, max_iter=2, random_state=0, n_jobs=2).fit(X, y)
    assert model.n_iter_ == 2
    assert sum(issubclass(w.category, ConvergenceWarning) for w in caught) == 1


def test_a_saved_grouped_model_loads_through_the_allow_list(tmp_path):
    import skops.io as sio

    from train.estimators import ModelSpec, build_model
    from train.safe_load import load_skops

    X, y = problem()
    model = build_model(ModelSpec(name="linear_svm", params={"n_jobs": 2}, calibrated=True, calibration_cv=2), 0)
    model.fit(X, y)
    assert isinstance(model.estimator, LinearSVM)
    sio.dump(model, tmp_path / "model.skops")
    np.testing.assert_allclose(load_skops(tmp_path / "model.skops").predict_proba(X), model.predict_proba(X))


def test_a_daemonic_process_fits_in_one_call(monkeypatch):
    import multiprocessing

    X, _ = problem()
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True, raising=False)
    assert len(LinearSVM(n_jobs=2)._groups(X, 6)) == 1  # groups in turn would only add the "rest" problems
