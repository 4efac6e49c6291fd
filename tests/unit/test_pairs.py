"""Pair feature builders and the two-stage stance model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import skops.io as sio
from sklearn.pipeline import Pipeline

from core.errors import ConfigError
from features.data import Prepared, dev_split
from features.pairs import (
    LEXICON_NAMES,
    RELATEDNESS_NAMES,
    SIMILARITY_NAMES,
    BodyStyle,
    LexiconFeatures,
    RelatednessFeatures,
    SimilarityFeatures,
    distinct_bodies,
    split_sentences,
)
from features.union import build_features, column_blocks, parse_specs
from train.config import parse_config
from train.safe_load import allowed_types
from train.tasks.stance.two_stage import TwoStageStanceClassifier

BODIES = {
    "b1": "Officials in Talmir confirmed the ransomware attack on the port. The Crimson Lattice gang claimed it. "
          "Systems were restored on Friday.",
    "b2": "The ministry denied reports that troops crossed the Hesh Pass. A spokeswoman called the claim false "
          "and said no units had moved.",
    "b3": "Relief convoys reached Rimmon after a week of delays. Aid workers said food stocks were low. "
          "Reportedly more trucks may follow.",
}
PAIRS = [
    ("Ransomware attack hits Talmir port", "b1", "agree"),
    ("Crimson Lattice behind port ransomware", "b1", "agree"),
    ("Port attack was a hoax", "b1", "disagree"),
    ("Troops crossed the Hesh Pass", "b2", "disagree"),
    ("Kaldoria moves units through Hesh Pass", "b2", "disagree"),
    ("Ministry comments on troop reports", "b2", "discuss"),
    ("More aid trucks may reach Rimmon", "b3", "discuss"),
    ("Convoys reach Rimmon", "b3", "agree"),
    ("Food stocks low in Rimmon", "b3", "agree"),
    ("Ransomware attack hits Talmir port", "b3", "unrelated"),
    ("Troops crossed the Hesh Pass", "b1", "unrelated"),
    ("Convoys reach Rimmon", "b2", "unrelated"),
]


def pair_frame(repeat: int = 1) -> pd.DataFrame:
    rows = [{"headline": h, "body": BODIES[b], "body_id": b, "stance": s} for h, b, s in PAIRS] * repeat
    return pd.DataFrame(rows)


def test_distinct_bodies_groups_rows_sharing_a_body() -> None:
    distinct, inverse, rows = distinct_bodies(np.array(["x", "y", "x", "z", "y"], dtype=object))
    assert list(distinct) == ["x", "y", "z"]
    assert list(inverse) == [0, 1, 0, 2, 1]
    assert [list(r) for r in rows] == [[0, 2], [1, 4], [3]]


def test_split_sentences_keeps_at_least_one_sentence() -> None:
    assert split_sentences("One. Two! Three?") == ["One.", "Two!", "Three?"]
    assert split_sentences("no break here") == ["no break here"]


def test_similarity_features_are_higher_for_the_matching_body() -> None:
    frame = pair_frame()
    features = SimilarityFeatures(n_components=5, random_state=0).fit(frame[["headline", "body"]])
    out = features.transform(frame[["headline", "body"]])
    assert out.shape == (len(frame), len(SIMILARITY_NAMES))
    related, unrelated = out[0], out[9]  # same claim, its own body vs another
    assert related[SIMILARITY_NAMES.index("word_cosine")] > unrelated[SIMILARITY_NAMES.index("word_cosine")]
    assert related[SIMILARITY_NAMES.index("overlap")] > unrelated[SIMILARITY_NAMES.index("overlap")]


def test_pair_features_ignore_column_names_claim_first_body_second() -> None:
    frame = pair_frame()[["headline", "body"]]
    renamed = frame.rename(columns={"headline": "claim", "body": "article"})
    a = LexiconFeatures().fit(frame).transform(frame)
    b = LexiconFeatures().fit(renamed).transform(renamed)
    assert np.array_equal(a, b)


@pytest.mark.parametrize("ranking", ["stems", "tfidf"])
def test_lexicon_features_see_refuting_words_in_the_body(ranking: str) -> None:
    frame = pair_frame()[["headline", "body"]]
    out = LexiconFeatures(ranking=ranking).fit(frame).transform(frame)
    assert out.shape[1] == len(LEXICON_NAMES)
    refuting = LEXICON_NAMES.index("body_refuting")
    assert out[3, refuting] > 0  # b2 says "denied ... false ... no"
    assert out[0, refuting] == 0  # b1 confirms


def test_transform_never_refits_on_new_text() -> None:
    train = pair_frame()[["headline", "body"]]
    features = SimilarityFeatures(n_components=5).fit(train)
    vocabulary = dict(features.word_.vocabulary_)
    new = pd.DataFrame({"headline": ["Zorblax quintessence"], "body": ["Entirely novel zorblax words here."]})
    features.transform(new)
    assert features.word_.vocabulary_ == vocabulary


def test_body_style_is_the_same_for_every_pair_of_one_body() -> None:
    frame = pair_frame()[["headline", "body"]]
    out = BodyStyle(min_df=0.3).fit(frame).transform(frame)
    assert sp.issparse(out)
    assert (out[0] != out[1]).nnz == 0  # rows 0 and 1 share body b1


def test_pair_builders_are_deterministic() -> None:
    frame = pair_frame()[["headline", "body"]]
    first = SimilarityFeatures(n_components=5, random_state=3).fit(frame).transform(frame)
    second = SimilarityFeatures(n_components=5, random_state=3).fit(frame).transform(frame)
    assert np.array_equal(first, second)


def _stance_pipeline(frame: pd.DataFrame, **params: object) -> Pipeline:
    specs = parse_specs([{"name": "pair_relatedness"}, {"name": "pair_similarity", "n_components": 5},
                         {"name": "pair_lexicon"}, {"name": "body_style", "min_df": 0.3}])
    features = build_features(specs, ["headline", "body"], seed=0)
    X = features.fit_transform(frame[["headline", "body"]])
    model = TwoStageStanceClassifier(column_blocks=column_blocks(features, specs), hgb_iter=20, **params)
    model.fit(X, frame["stance"])
    return Pipeline([("features", features), ("model", model)])


def test_column_blocks_name_each_builder_its_columns_and_density() -> None:
    specs = parse_specs([{"name": "pair_similarity", "n_components": 5}, {"name": "body_style", "min_df": 0.3},
                         {"name": "pair_lexicon"}])
    features = build_features(specs, ["headline", "body"], seed=0)
    features.fit(pair_frame()[["headline", "body"]])
    similarity, style, lexicon = column_blocks(features, specs)
    assert similarity == ("pair_similarity", 0, len(SIMILARITY_NAMES), True)
    assert style[0] == "body_style" and style[3] is False
    assert lexicon == ("pair_lexicon", style[2], style[2] + len(LEXICON_NAMES), True)


def test_relatedness_features_find_the_claims_words_in_its_own_body() -> None:
    frame = pair_frame()[["headline", "body"]]
    out = RelatednessFeatures().fit(frame).transform(frame)
    assert out.shape == (len(frame), len(RELATEDNESS_NAMES))
    coverage = RELATEDNESS_NAMES.index("idf_coverage")
    assert out[0, coverage] > out[9, coverage]  # same claim: its own body vs an unrelated one
    names = RELATEDNESS_NAMES.index("names_in_body")
    assert out[0, names] == 1.0  # "Talmir" appears in b1


def test_relatedness_needs_no_vocabulary_for_new_names() -> None:
    train = pair_frame()[["headline", "body"]]
    features = RelatednessFeatures().fit(train)
    new = pd.DataFrame({"headline": ["Minister of Zorblax resigns"],
                        "body": ["The Zorblax minister resigned on Monday. Zorblax officials confirmed it."]})
    out = features.transform(new)
    assert out[0, RELATEDNESS_NAMES.index("unseen_found")] == 1.0
    assert out[0, RELATEDNESS_NAMES.index("names_in_body")] == 1.0


def test_stage1_can_read_only_the_named_blocks_and_average_a_linear_model() -> None:
    frame = pair_frame(repeat=4)
    pipeline = _stance_pipeline(frame, stage1_features=("pair_relatedness",), stage1_lr_C=1.0)
    model = pipeline[-1]
    assert model.stage1_.n_features_in_ == len(RELATEDNESS_NAMES)
    assert model.stage1_linear_ is not None
    assert np.allclose(pipeline.predict_proba(frame[["headline", "body"]]).sum(axis=1), 1.0)


def test_stage1_features_must_name_a_dense_block() -> None:
    frame = pair_frame(repeat=2)
    with pytest.raises(ValueError, match=r"stage1_features \['body_style'\] match no dense feature block"):
        _stance_pipeline(frame, stage1_features=("body_style",))


def test_two_stage_predicts_stance_labels_and_probabilities() -> None:
    frame = pair_frame(repeat=4)
    pipeline = _stance_pipeline(frame)
    predicted = pipeline.predict(frame[["headline", "body"]])
    proba = pipeline.predict_proba(frame[["headline", "body"]])
    assert set(predicted) <= {"agree", "disagree", "discuss", "unrelated"}
    assert list(pipeline.classes_) == ["agree", "disagree", "discuss", "unrelated"]
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert (predicted == frame["stance"]).mean() > 0.8  # it can fit a tiny, separable set


def test_two_stage_rejects_labels_outside_the_stance_scheme() -> None:
    with pytest.raises(ValueError, match=r"two_stage expects stance labels .* got \['maybe'\]"):
        TwoStageStanceClassifier().fit(np.ones((4, 3)), ["agree", "maybe", "unrelated", "discuss"])


def test_a_fitted_stance_pipeline_passes_the_safe_loader_allow_list() -> None:
    pipeline = _stance_pipeline(pair_frame(repeat=4))
    needed = sio.get_untrusted_types(data=sio.dumps(pipeline))
    assert set(needed) <= allowed_types()
    loaded = sio.loads(sio.dumps(pipeline), trusted=needed)
    frame = pair_frame()[["headline", "body"]]
    assert list(loaded.predict(frame)) == list(pipeline.predict(frame))


def _stance_config(features: list[dict], model: str = "two_stage", task: str = "stance") -> dict:
    return {"task": task, "data": {"demo": "stance"}, "features": features, "model": {"name": model}}


def test_two_stage_needs_a_dense_pair_builder() -> None:
    with pytest.raises(ConfigError, match=r"^model.name: two_stage needs at least one dense pair builder in "
                                          r"features \(pair_lexicon, pair_relatedness, pair_similarity\)$"):
        parse_config(_stance_config([{"name": "body_style"}]))


def test_two_stage_is_a_stance_model() -> None:
    config = _stance_config([{"name": "pair_similarity"}], task="topic")
    config["data"] = {"demo": "topic"}
    with pytest.raises(ConfigError, match="model.name: two_stage is a stance model; use it with task: stance"):
        parse_config(config)


def test_pair_builders_take_exactly_two_columns() -> None:
    with pytest.raises(ConfigError, match=r"features\[0\].columns: expected two columns \(claim, body\), got 1"):
        parse_config(_stance_config([{"name": "pair_lexicon", "columns": ["headline"]}]))


def test_the_dev_split_keeps_each_body_on_one_side() -> None:
    frame = pair_frame(repeat=3)
    frame["body_id"] = frame["body_id"] + frame.index.map(lambda i: f"-{i % 5}")
    data = Prepared(frame, frame.head(2), ["headline", "body"], "stance", False, "body_id", {}, {}, {})
    dev = dev_split(data, 0.3, seed=1)
    assert set(dev.train["body_id"]).isdisjoint(dev.test["body_id"])
    assert len(dev.train) + len(dev.test) == len(frame)


def test_stage1_features_in_the_config_must_be_dense_builders_it_uses() -> None:
    config = _stance_config([{"name": "pair_relatedness"}, {"name": "body_style"}])
    config["model"]["params"] = {"stage1_features": ["body_style"]}
    with pytest.raises(ConfigError, match=r"^model.params.stage1_features: 'body_style' is not a dense pair builder "
                                          r"in features \(pair_relatedness\)$"):
        parse_config(config)
