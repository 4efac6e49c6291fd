"""scikit-learn's estimator checks for the two-stage model and the pair transformers.

The pair transformers read exactly two text columns (claim, body); checks that feed numeric matrices of other
widths, or test numeric-only behaviour, cannot apply and are expected to fail, each with its reason."""

from __future__ import annotations

from typing import Any

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from features.stance.lexicon import LexiconFeatures
from features.stance.relatedness import RelatednessFeatures
from features.stance.similarity import SimilarityFeatures
from features.stance.style import BodyStyle
from train.tasks.stance.blend import BlendedStage
from train.tasks.stance.cascade import CascadeStanceClassifier
from train.tasks.stance.two_stage import TwoStageStanceClassifier

NOT_TWO_TEXT_COLUMNS = "feeds a numeric matrix whose width is not two; pair builders read (claim, body) text"
PAIR_INPUT_ONLY = {
    name: NOT_TWO_TEXT_COLUMNS for name in (
        "check_fit_score_takes_y", "check_dont_overwrite_parameters", "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit", "check_estimators_dtypes", "check_dtype_object",
        "check_pipeline_consistency", "check_estimators_pickle", "check_f_contiguous_array_estimator",
        "check_transformer_data_not_an_array", "check_transformer_general", "check_transformer_preserve_dtypes",
        "check_methods_sample_order_invariance", "check_methods_subset_invariance", "check_dict_unchanged",
        "check_fit2d_predict1d",
    )
} | {
    "check_complex_data": "expects a numeric-input error message; pair builders first refuse the column count",
    "check_estimators_empty_data_messages": "expects a numeric-input error message; the column count is refused",
    "check_fit2d_1sample": "expects a numeric-input error message; the column count is refused first",
    "check_fit2d_1feature": "expects a numeric-input error message; the column count is refused first",
    "check_estimators_nan_inf": "text input: a missing claim or body is empty text, not an error",
    "check_estimator_sparse_tag": "text pairs are never sparse matrices",
    "check_estimator_sparse_array": "text pairs are never sparse matrices",
    "check_estimator_sparse_matrix": "text pairs are never sparse matrices",
}
NEEDS_REAL_TEXT = {  # the fitted vocabularies need words in at least min_df texts; numbers as text have none
    name: "vocabularies with min_df > 1 find no terms in numbers written as text" for name in (
        "check_estimators_overwrite_params", "check_estimators_fit_returns_self", "check_readonly_memmap_input",
    )
}


def expected_failures(estimator: Any) -> dict[str, str]:
    if isinstance(estimator, SimilarityFeatures):
        return PAIR_INPUT_ONLY | NEEDS_REAL_TEXT
    return PAIR_INPUT_ONLY


@parametrize_with_checks([RelatednessFeatures(), LexiconFeatures(), SimilarityFeatures(n_components=2), BodyStyle()],
                         expected_failed_checks=expected_failures)
def test_pair_transformers_keep_the_scikit_learn_contract(estimator: Any, check: Any) -> None:
    check(estimator)


@pytest.mark.slow  # ~60 boosting fits per estimator
@parametrize_with_checks([TwoStageStanceClassifier(hgb_iter=3),
                          TwoStageStanceClassifier(hgb_iter=3, stage1_lr_C=1.0, threshold=0.3)])
def test_the_two_stage_model_keeps_the_scikit_learn_contract(estimator: Any, check: Any) -> None:
    check(estimator)


@pytest.mark.slow  # every check fits the cascade once per fold plus once on all rows
@parametrize_with_checks([CascadeStanceClassifier(hgb_iter=3, decision_folds=3),
                          CascadeStanceClassifier(hgb_iter=3, decision_folds=0, calibrate=False, class_weights=None,
                                                  stage1_lr_C=None),
                          BlendedStage(hgb_iter=3)])
def test_the_cascade_and_its_stages_keep_the_scikit_learn_contract(estimator: Any, check: Any) -> None:
    check(estimator)
