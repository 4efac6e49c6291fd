"""The cross-fitted sentence-level stance features: marking, no label leakage into a story's own features, label
checks, and a pipeline that saves and loads through the safe loader."""

from __future__ import annotations

import numpy as np
import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from stance_examples import pair_frame

from features.stance.sentence_stance import SentenceStanceFeatures, marked_sentence
from features.union import build_features, dense_layout, parse_specs
from train.safe_load import allowed_types
from train.tasks.stance.cascade import CascadeStanceClassifier

COLUMNS = ["headline", "body"]


def features(**params: object) -> SentenceStanceFeatures:
    return SentenceStanceFeatures(**{"min_df": 1, "folds": 3, **params})


def b1_rows(frame) -> np.ndarray:
    """The related pairs of body b1: one story (its claims are related to no other body)."""
    return ((frame["body_id"] == "b1") & (frame["stance"] != "unrelated")).to_numpy()


def test_claim_words_become_one_token_and_negated_words_are_marked() -> None:
    marked = marked_sentence("Officials did not confirm the attack. Port open", {"confi", "attac"})
    assert marked == "officials did not not_CLAIMWORD not_the not_CLAIMWORD not_port open"


def test_the_output_has_the_named_width_in_fit_transform_and_transform() -> None:
    frame = pair_frame(repeat=2)
    transformer = features()
    assert transformer.fit_transform(frame[COLUMNS], frame["stance"]).shape == (len(frame), 9)
    assert transformer.transform(frame[COLUMNS]).shape == (len(frame), 9)
    assert list(transformer.get_feature_names_out())[:3] == [
        "sentence_max_agree", "sentence_max_disagree", "sentence_max_discuss"]


def test_a_storys_training_features_never_depend_on_its_own_labels() -> None:
    frame = pair_frame(repeat=2)
    flipped = frame.copy()
    rows = b1_rows(frame)
    flipped.loc[rows, "stance"] = flipped.loc[rows, "stance"].map({"agree": "disagree", "disagree": "agree"})
    cross_fitted = features().fit_transform(frame[COLUMNS], frame["stance"])
    cross_fitted_flipped = features().fit_transform(flipped[COLUMNS], flipped["stance"])
    np.testing.assert_array_equal(cross_fitted[rows], cross_fitted_flipped[rows])
    # fit on all pairs, the classifier does learn from b1's labels: transform of the same rows changes
    in_sample = features().fit(frame[COLUMNS], frame["stance"]).transform(frame[COLUMNS])
    in_sample_flipped = features().fit(flipped[COLUMNS], flipped["stance"]).transform(flipped[COLUMNS])
    assert not np.allclose(in_sample[rows], in_sample_flipped[rows])


def test_fit_then_transform_equals_the_final_classifier_of_fit_transform() -> None:
    frame = pair_frame(repeat=2)
    fitted_twice = features()
    fitted_twice.fit_transform(frame[COLUMNS], frame["stance"])
    np.testing.assert_allclose(fitted_twice.transform(frame[COLUMNS]),
                               features().fit(frame[COLUMNS], frame["stance"]).transform(frame[COLUMNS]))


def test_one_story_gives_its_training_pairs_no_evidence_instead_of_in_sample_probabilities() -> None:
    frame = pair_frame(repeat=2)
    one_story = frame[b1_rows(frame)]
    values = features().fit_transform(one_story[COLUMNS], one_story["stance"])
    assert not values.any()


def test_fitting_needs_the_stance_labels() -> None:
    frame = pair_frame()
    with pytest.raises(ValueError, match="learns from the stance labels: fit it with y"):
        features().fit(frame[COLUMNS])
    with pytest.raises(ValueError, match="expects the labels agree, disagree, discuss, unrelated; got refute"):
        features().fit_transform(frame[COLUMNS], frame["stance"].replace("disagree", "refute"))


def test_a_cascade_pipeline_with_sentence_features_saves_and_loads_through_the_safe_loader() -> None:
    frame = pair_frame(repeat=4)
    specs = parse_specs([{"name": "pair_relatedness"}, {"name": "sentence_stance", "min_df": 1, "folds": 3}])
    model = CascadeStanceClassifier(dense_blocks=dense_layout(specs), stage1_features=("pair_relatedness",),
                                    hgb_iter=5, decision_folds=0, calibrate=False, class_weights=None)
    pipeline = Pipeline([("features", build_features(specs, COLUMNS, seed=0)), ("model", model)])
    pipeline.fit(frame[COLUMNS], frame["stance"])
    needed = sio.get_untrusted_types(data=sio.dumps(pipeline))
    assert set(needed) <= allowed_types()
    loaded = sio.loads(sio.dumps(pipeline), trusted=needed)
    probabilities = loaded.predict_proba(frame[COLUMNS])
    assert list(loaded.predict(frame[COLUMNS])) == list(loaded.classes_[probabilities.argmax(axis=1)])
