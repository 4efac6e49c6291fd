"""The cascaded stance model: its joint distribution, out-of-fold calibration and class weights, groups from the
runner, reproducibility, and the config errors of its parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from stance_examples import BODIES, pair_frame

from core.errors import ConfigError
from core.tasks import TASKS
from features.data import Prepared
from features.stance.stories import story_groups
from features.union import build_features, dense_layout, parse_specs
from train.config import parse_config
from train.estimators import ModelSpec, build_model, check_params
from train.runner import group_argument
from train.safe_load import allowed_types
from train.tasks.stance.cascade import CascadeStanceClassifier

SPECS = [{"name": "body_style", "min_df": 0.3}, {"name": "pair_relatedness"}, {"name": "pair_lexicon"}]
COLUMNS = ["headline", "body"]
UNSEEN = pd.DataFrame({"headline": ["Port attack confirmed", "Hesh Pass troops", "Rimmon weather"],
                       "body": [BODIES["b1"], BODIES["b2"], BODIES["b3"]]})


def many_bodies(repeat: int = 4) -> pd.DataFrame:
    """The example pairs with each copy given its own body ids, so grouped folds have groups to deal."""
    frame = pair_frame(repeat=repeat)
    frame["body_id"] = frame["body_id"] + "-" + (frame.index // 12).astype(str)
    return frame


def features_and_layout(frame: pd.DataFrame) -> tuple[np.ndarray, tuple[tuple[str, int], ...]]:
    specs = parse_specs(SPECS)
    return build_features(specs, COLUMNS, seed=0).fit_transform(frame[COLUMNS]), dense_layout(specs)


def cascade_pipeline(**params: object) -> Pipeline:
    specs = parse_specs(SPECS)
    model = CascadeStanceClassifier(dense_blocks=dense_layout(specs), hgb_iter=20, **params)
    return Pipeline([("features", build_features(specs, COLUMNS, seed=0)), ("model", model)])


def fit_pipeline(frame: pd.DataFrame, **params: object) -> Pipeline:
    return cascade_pipeline(**params).fit(frame[COLUMNS], frame["stance"], model__groups=frame["body_id"])


def test_the_joint_distribution_chains_the_three_decisions() -> None:
    frame = many_bodies()
    X, layout = features_and_layout(frame)
    model = CascadeStanceClassifier(dense_blocks=layout, hgb_iter=20, class_weights=None, calibrate=False,
                                    decision_folds=0).fit(X, frame["stance"])
    stages = model.stage_probabilities(X)
    r, s, q = stages["related"], stages["stance"], stages["polarity"]
    assert list(model.classes_) == ["agree", "disagree", "discuss", "unrelated"]
    assert list(model.stance_classes_) == ["agree", "disagree"]
    expected = np.column_stack([r * s * q[:, 0], r * s * q[:, 1], r * (1 - s), 1 - r])
    assert np.allclose(model.predict_proba(X), expected)


def test_predict_is_the_argmax_of_predict_proba_on_unseen_pairs() -> None:
    pipeline = fit_pipeline(many_bodies())
    for X in (many_bodies()[COLUMNS], UNSEEN):
        proba = pipeline.predict_proba(X)
        assert np.allclose(proba.sum(axis=1), 1.0)
        assert list(pipeline.predict(X)) == list(pipeline.classes_[proba.argmax(axis=1)])


def test_decision_weights_reweight_the_joint_distribution() -> None:
    frame = many_bodies()
    X, layout = features_and_layout(frame)
    plain = CascadeStanceClassifier(dense_blocks=layout, hgb_iter=20, class_weights=None, calibrate=False,
                                    decision_folds=0).fit(X, frame["stance"])
    weighted = clone(plain).set_params(class_weights={"disagree": 3.0}).fit(X, frame["stance"])
    expected = plain.predict_proba(X) * [1.0, 3.0, 1.0, 1.0]
    assert np.allclose(weighted.predict_proba(X), expected / expected.sum(axis=1, keepdims=True))


def test_cross_validation_learns_calibration_and_weights_from_out_of_fold_probabilities() -> None:
    frame = many_bodies()
    model = fit_pipeline(frame)[-1]
    assert model.calibration_.shape == (3, 2) and (model.calibration_[:, 0] > 0).all()
    assert model.oof_proba_.shape == (len(frame), 4)
    assert model.decision_weights_[list(model.classes_).index("unrelated")] == 1.0


def test_clone_and_fit_reproduce_the_pipeline() -> None:
    frame = many_bodies()
    fitted = fit_pipeline(frame, polarity_features=("pair_lexicon",))
    again = clone(fitted).fit(frame[COLUMNS], frame["stance"], model__groups=frame["body_id"])
    assert np.allclose(again.predict_proba(UNSEEN), fitted.predict_proba(UNSEEN))
    assert np.allclose(again[-1].decision_weights_, fitted[-1].decision_weights_)


def test_labels_outside_the_stance_scheme_make_one_multiclass_decision() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4))
    y = np.array(["a", "b", "c"])[np.argmax(X[:, :3], axis=1)]
    model = CascadeStanceClassifier(hgb_iter=10, decision_folds=3).fit(X, y)
    assert list(model.stance_classes_) == ["a", "b", "c"]
    assert model.stages_["related"] is None and model.stages_["stance"] is None
    assert (model.predict(X) == y).mean() > 0.8


def test_the_runner_gives_story_groups_to_models_whose_fit_takes_them() -> None:
    frame = many_bodies()
    data = Prepared(frame, frame.head(2), COLUMNS, "stance", False, "body_id", {}, {}, {})
    task = TASKS.get("stance", "task").build()
    groups = group_argument(CascadeStanceClassifier(), data, task)["groups"]
    related = frame["stance"] != "unrelated"
    expected = story_groups(frame["headline"], frame["body_id"], related)
    assert list(groups) == list(expected)
    assert group_argument(build_model(ModelSpec(name="logreg"), 0), data, task) == {}


def test_other_tasks_give_their_split_groups() -> None:
    frame = many_bodies()
    data = Prepared(frame, frame.head(2), COLUMNS, "stance", False, "body_id", {}, {}, {})
    topic = TASKS.get("topic", "task").build()
    assert list(group_argument(CascadeStanceClassifier(), data, topic)["groups"]) == list(frame["body_id"])


def test_groups_must_match_the_rows() -> None:
    with pytest.raises(ValueError, match=r"^groups has 2 entries but X has 4 rows$"):
        CascadeStanceClassifier().fit(np.eye(4), ["agree", "discuss", "unrelated", "agree"], groups=[1, 2])


def test_cross_validated_decisions_need_folds() -> None:
    with pytest.raises(ConfigError, match=r"^model.params.decision_folds: invalid value 0 for stance_cascade "
                                          r"\(CascadeStanceClassifier: class_weights='cv' and calibrate=True learn "
                                          r"from out-of-fold probabilities; set decision_folds >= 2 or turn them "
                                          r"off\)"):
        check_params(ModelSpec(name="stance_cascade", params={"decision_folds": 0}), 0)


def test_an_unknown_decision_metric_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"^model.params.decision_metric: invalid value 'accuracy' for "
                                          r"stance_cascade \(The 'decision_metric' parameter of "
                                          r"CascadeStanceClassifier must be one of \['macro_f1', 'fnc'\]"):
        check_params(ModelSpec(name="stance_cascade", params={"decision_metric": "accuracy"}), 0)


def test_class_weights_must_name_training_labels() -> None:
    with pytest.raises(ValueError, match=r"^class_weights name classes not among the training labels: \['agre'\]$"):
        CascadeStanceClassifier(class_weights={"agre": 2.0}, decision_folds=0, calibrate=False).fit(
            np.eye(4), ["agree", "disagree", "discuss", "unrelated"])


def test_polarity_features_in_the_config_must_be_dense_builders_it_uses() -> None:
    config = {"task": "stance", "data": {"demo": "stance"},
              "features": [{"name": "pair_relatedness"}, {"name": "body_style"}],
              "model": {"name": "stance_cascade", "params": {"polarity_features": ["pair_evidence"]}}}
    with pytest.raises(ConfigError, match=r"^model.params.polarity_features: 'pair_evidence' is not a dense pair "
                                          r"builder in features \(pair_relatedness\)$"):
        parse_config(config)


def test_a_fitted_cascade_pipeline_passes_the_safe_loader_allow_list() -> None:
    pipeline = fit_pipeline(many_bodies())
    needed = sio.get_untrusted_types(data=sio.dumps(pipeline))
    assert set(needed) <= allowed_types()
    loaded = sio.loads(sio.dumps(pipeline), trusted=needed)
    assert list(loaded.predict(UNSEEN)) == list(pipeline.predict(UNSEEN))
