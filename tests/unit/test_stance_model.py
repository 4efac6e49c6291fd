"""The two-stage stance model inside its pipeline: static block layout, probabilities, threshold, config checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from stance_examples import pair_frame

from core.errors import ConfigError
from features.builders import BUILDERS
from features.data import Prepared, dev_split
from features.stance.lexicon import LEXICON_NAMES
from features.stance.relatedness import RELATEDNESS_NAMES
from features.union import build_features, dense_layout, parse_specs
from train.config import parse_config
from train.estimators import ModelSpec, build_model, check_params
from train.safe_load import allowed_types
from train.tasks.stance.two_stage import TwoStageStanceClassifier

SPECS = [{"name": "body_style", "min_df": 0.3}, {"name": "pair_relatedness"}, {"name": "pair_lexicon"}]
COLUMNS = ["headline", "body"]


def stance_pipeline(**params: object) -> Pipeline:
    specs = parse_specs(SPECS)
    model = TwoStageStanceClassifier(dense_blocks=dense_layout(specs), hgb_iter=20, **params)
    return Pipeline([("features", build_features(specs, COLUMNS, seed=0)), ("model", model)])


def test_the_dense_layout_is_known_from_the_config_alone() -> None:
    assert dense_layout(parse_specs(SPECS)) == (("pair_relatedness", len(RELATEDNESS_NAMES)),
                                                ("pair_lexicon", len(LEXICON_NAMES)))


def test_every_dense_builder_has_a_width_without_fitting() -> None:
    dense = [entry.name for entry in BUILDERS if entry.dense_output]
    layout = dense_layout(parse_specs([{"name": name} for name in dense]))
    assert [name for name, _ in layout] == dense and all(width > 0 for _, width in layout)


def test_the_union_puts_dense_blocks_first_and_the_fitted_widths_match_the_layout() -> None:
    specs = parse_specs(SPECS)
    features = build_features(specs, COLUMNS, seed=0).fit(pair_frame()[COLUMNS])
    assert [name for name, _, _ in features.transformers_] == ["1_pair_relatedness", "2_pair_lexicon", "0_body_style"]
    start = 0
    for name, width in dense_layout(specs):
        block = features.output_indices_[next(n for n, _, _ in features.transformers_ if n.endswith(name))]
        assert (block.start, block.stop) == (start, start + width)
        start += width


def test_clone_and_fit_reproduce_the_pipeline_even_when_sparse_widths_change() -> None:
    frame = pair_frame(repeat=4)
    fitted = stance_pipeline(stage1_features=("pair_relatedness",)).fit(frame[COLUMNS], frame["stance"])
    again = clone(fitted).fit(frame[COLUMNS], frame["stance"])
    assert np.allclose(again.predict_proba(frame[COLUMNS]), fitted.predict_proba(frame[COLUMNS]))
    fewer = frame[frame["body_id"] != "b3"]  # another body vocabulary: the sparse block's width changes
    other = clone(fitted).fit(fewer[COLUMNS], fewer["stance"])
    assert other[-1].stage1_.n_features_in_ == len(RELATEDNESS_NAMES)


@pytest.mark.parametrize("threshold", [0.05, 0.3, 0.5, 0.7, 0.95])
def test_predict_is_the_argmax_of_predict_proba_at_every_threshold(threshold: float) -> None:
    frame = pair_frame(repeat=4)
    pipeline = stance_pipeline(threshold=threshold).fit(frame[COLUMNS], frame["stance"])
    new = pd.DataFrame({"headline": ["Port attack confirmed", "Hesh Pass troops", "Rimmon weather"],
                        "body": [pair_frame()["body"][0], pair_frame()["body"][3], pair_frame()["body"][6]]})
    for X in (frame[COLUMNS], new):
        proba = pipeline.predict_proba(X)
        assert np.allclose(proba.sum(axis=1), 1.0)
        assert list(pipeline.predict(X)) == list(pipeline.classes_[proba.argmax(axis=1)])


def test_the_threshold_shifts_the_odds_of_relatedness() -> None:
    frame = pair_frame(repeat=4)
    features = build_features(parse_specs(SPECS), COLUMNS, seed=0)
    X = features.fit_transform(frame[COLUMNS])
    model = TwoStageStanceClassifier(dense_blocks=dense_layout(parse_specs(SPECS)), hgb_iter=20, threshold=0.2)
    model.fit(X, frame["stance"])
    p, stage2 = model.stage_probabilities(X)
    shifted = 4 * p / (4 * p + 1 - p)  # odds × (1 - 0.2) / 0.2
    proba = model.predict_proba(X)
    assert list(model.classes_) == ["agree", "disagree", "discuss", "unrelated"]
    assert np.allclose(proba[:, 3], 1 - shifted)
    assert np.allclose(proba[:, :3], stage2 * shifted[:, None])


def test_class_weights_scale_the_stage_two_distribution() -> None:
    frame = pair_frame(repeat=4)
    X = build_features(parse_specs(SPECS), COLUMNS, seed=0).fit_transform(frame[COLUMNS])
    layout = dense_layout(parse_specs(SPECS))
    plain = TwoStageStanceClassifier(dense_blocks=layout, hgb_iter=20).fit(X, frame["stance"])
    weighted = TwoStageStanceClassifier(dense_blocks=layout, hgb_iter=20, class_weights={"disagree": 3.0})
    weighted.fit(X, frame["stance"])
    _, s = plain.stage_probabilities(X)
    expected = s * [1.0, 3.0, 1.0]
    assert np.allclose(weighted.stage_probabilities(X)[1], expected / expected.sum(axis=1, keepdims=True))


def test_class_weights_must_name_related_classes() -> None:
    with pytest.raises(ValueError, match=r"^class_weights name classes not among the related labels: \['agre'\]$"):
        TwoStageStanceClassifier(class_weights={"agre": 2.0}).fit(np.eye(4), ["agree", "disagree", "discuss",
                                                                               "unrelated"])


def test_stage1_reads_only_the_named_blocks_and_can_average_a_linear_model() -> None:
    frame = pair_frame(repeat=4)
    model = stance_pipeline(stage1_features=("pair_relatedness",), stage1_lr_C=1.0).fit(frame[COLUMNS],
                                                                                        frame["stance"])[-1]
    assert model.stage1_.n_features_in_ == len(RELATEDNESS_NAMES)
    assert model.stage1_linear_ is not None


def test_stage1_features_must_name_a_dense_block() -> None:
    frame = pair_frame(repeat=2)
    with pytest.raises(ValueError, match=r"stage1_features \['body_style'\] match no dense feature block"):
        stance_pipeline(stage1_features=("body_style",)).fit(frame[COLUMNS], frame["stance"])


def test_the_two_stage_model_fits_a_small_separable_set() -> None:
    frame = pair_frame(repeat=4)
    pipeline = stance_pipeline().fit(frame[COLUMNS], frame["stance"])
    assert (pipeline.predict(frame[COLUMNS]) == frame["stance"]).mean() > 0.8


def test_build_model_gives_the_layout_to_the_two_stage_model_only() -> None:
    layout = (("pair_relatedness", 40),)
    assert build_model(ModelSpec(name="two_stage"), 0, dense_layout=layout).dense_blocks == layout
    assert "dense_blocks" not in build_model(ModelSpec(name="logreg"), 0, dense_layout=layout).get_params()


def test_a_bad_threshold_is_a_config_error_naming_the_parameter() -> None:
    with pytest.raises(ConfigError, match=r"^model.params.threshold: invalid value 2 for two_stage \(The 'threshold' "
                                          r"parameter of TwoStageStanceClassifier must be a number in \(0, 1\)\."):
        check_params(ModelSpec(name="two_stage", params={"threshold": 2}), 0)


def test_a_fitted_stance_pipeline_passes_the_safe_loader_allow_list() -> None:
    frame = pair_frame(repeat=4)
    pipeline = stance_pipeline().fit(frame[COLUMNS], frame["stance"])
    needed = sio.get_untrusted_types(data=sio.dumps(pipeline))
    assert set(needed) <= allowed_types()
    loaded = sio.loads(sio.dumps(pipeline), trusted=needed)
    assert list(loaded.predict(frame[COLUMNS])) == list(pipeline.predict(frame[COLUMNS]))


def _stance_config(features: list[dict], model: str = "two_stage", task: str = "stance") -> dict:
    return {"task": task, "data": {"demo": "stance"}, "features": features, "model": {"name": model}}


def test_two_stage_needs_a_dense_pair_builder() -> None:
    dense = ", ".join(entry.name for entry in BUILDERS if entry.dense_output)
    with pytest.raises(ConfigError, match=rf"^model.name: two_stage needs at least one dense pair builder in "
                                          rf"features \({dense}\)$"):
        parse_config(_stance_config([{"name": "body_style"}]))


def test_two_stage_is_a_stance_model() -> None:
    config = _stance_config([{"name": "pair_similarity"}], task="topic")
    config["data"] = {"demo": "topic"}
    with pytest.raises(ConfigError, match="^model.name: two_stage is a stance model; use it with task: stance$"):
        parse_config(config)


def test_pair_builders_take_exactly_two_columns() -> None:
    with pytest.raises(ConfigError, match=r"^features\[0\].columns: expected two columns \(claim, body\), got 1$"):
        parse_config(_stance_config([{"name": "pair_lexicon", "columns": ["headline"]}]))


def test_bm25_parameters_are_config_keys() -> None:
    config = parse_config(_stance_config([{"name": "pair_relatedness", "k1": 2.0, "b": 0.3}]))
    assert (config.feature_specs[0].k1, config.feature_specs[0].b) == (2.0, 0.3)
    with pytest.raises(ConfigError, match=r"^features\[0\].b: expected less than or equal to 1, got 1.5$"):
        parse_config(_stance_config([{"name": "pair_relatedness", "b": 1.5}]))


def test_the_dev_split_keeps_each_body_on_one_side() -> None:
    frame = pair_frame(repeat=3)
    frame["body_id"] = frame["body_id"] + frame.index.map(lambda i: f"-{i % 5}")
    data = Prepared(frame, frame.head(2), COLUMNS, "stance", False, "body_id", {}, {}, {})
    dev = dev_split(data, 0.3, seed=1)
    assert set(dev.train["body_id"]).isdisjoint(dev.test["body_id"])
    assert len(dev.train) + len(dev.test) == len(frame)


def test_with_the_stance_task_the_dev_split_keeps_each_story_on_one_side() -> None:
    """A claim related to bodies on both sides would let the dev part score claims the fit has seen."""
    from features.stance.stories import story_groups
    from train.tasks import get_task

    rows = []
    for story in range(12):  # each story: one claim related to three bodies, plus an unrelated pair elsewhere
        for body in range(3):
            rows.append({"headline": f"claim {story}", "body": f"body {story}-{body}", "body_id": f"{story}-{body}",
                         "stance": "discuss"})
        rows.append({"headline": f"claim {story}", "body": f"body {(story + 1) % 12}-0",
                     "body_id": f"{(story + 1) % 12}-0", "stance": "unrelated"})
    frame = pd.DataFrame(rows)
    data = Prepared(frame, frame.head(2), COLUMNS, "stance", False, "body_id", {}, {}, {})
    dev = dev_split(data, 0.25, seed=1, task=get_task("stance"))
    related_claims = [set(part[part["stance"] != "unrelated"]["headline"]) for part in (dev.train, dev.test)]
    assert related_claims[0].isdisjoint(related_claims[1])
    stories = story_groups(frame["headline"].to_numpy(), frame["body_id"].to_numpy(),
                           (frame["stance"] != "unrelated").to_numpy())
    story_of = dict(zip(frame["body_id"], stories, strict=False))
    assert {story_of[b] for b in dev.train["body_id"]}.isdisjoint(story_of[b] for b in dev.test["body_id"])
    assert len(dev.train) + len(dev.test) == len(frame) and len(dev.test) > 0
    assert list(dev.train.columns) == list(frame.columns)


def test_stage1_features_in_the_config_must_be_dense_builders_it_uses() -> None:
    config = _stance_config([{"name": "pair_relatedness"}, {"name": "body_style"}])
    config["model"]["params"] = {"stage1_features": ["body_style"]}
    with pytest.raises(ConfigError, match=r"^model.params.stage1_features: 'body_style' is not a dense pair builder "
                                          r"in features \(pair_relatedness\)$"):
        parse_config(config)
