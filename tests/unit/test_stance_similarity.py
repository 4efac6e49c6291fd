"""Similarity features: open-vocabulary overlaps worked out by hand, fitted spaces by their behaviour."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from stance_examples import pair_frame

from features.stance.similarity import SIMILARITY_NAMES, SimilarityFeatures

CLAIM, BODY = "rocket launch delayed", "The rocket launch was delayed again. Weather was bad."


@pytest.fixture(scope="module")
def hand() -> dict[str, float]:
    frame = pd.concat([pair_frame()[["headline", "body"]],
                       pd.DataFrame({"headline": [CLAIM], "body": [BODY]})], ignore_index=True)
    out = SimilarityFeatures(n_components=5).fit(frame).transform(frame.tail(1))
    return dict(zip(SIMILARITY_NAMES, out[0].tolist(), strict=True))


def test_token_overlaps_by_hand(hand: dict[str, float]) -> None:
    # content words rocket, launch, delayed are all in the body (and its two-sentence lead)
    assert hand["overlap"] == 1.0 and hand["lead_overlap"] == 1.0 and hand["idf_overlap"] == 1.0
    assert hand["idf_missing"] == 0.0
    # body words: the rocket launch was delayed again weather bad → 3 of 8
    assert hand["jaccard"] == pytest.approx(3 / 8)
    assert hand["bigram_overlap"] == 0.5  # "rocket launch" yes, "launch delayed" no


def test_lengths_by_hand(hand: dict[str, float]) -> None:
    assert hand["claim_tokens"] == 3
    assert hand["log_body_tokens"] == pytest.approx(math.log1p(9))
    assert hand["body_sentences"] == 2


def test_words_seen_in_training_and_a_claim_without_names(hand: dict[str, float]) -> None:
    assert hand["unseen_words"] == 0 and hand["unseen_in_body"] == -1.0
    assert hand["names_in_body"] == -1.0  # no capitalised word after the first


def test_the_best_sentence_is_the_first(hand: dict[str, float]) -> None:
    assert hand["best_sentence_position"] == 0.0
    assert hand["word_best_sentence"] == pytest.approx(hand["word_first_sentence"])


def test_similarity_is_higher_for_the_matching_body() -> None:
    frame = pair_frame()[["headline", "body"]]
    out = SimilarityFeatures(n_components=5).fit(frame).transform(frame)
    for name in ("word_cosine", "overlap", "open_cosine", "bm25"):
        j = SIMILARITY_NAMES.index(name)
        assert out[0, j] > out[9, j], name  # same claim: its own body vs another


def test_transform_never_refits_on_new_text() -> None:
    features = SimilarityFeatures(n_components=5).fit(pair_frame()[["headline", "body"]])
    vocabulary = dict(features.word_.vocabulary_)
    new = pd.DataFrame({"headline": ["Zorblax quintessence"], "body": ["Entirely novel zorblax words here."]})
    row = dict(zip(SIMILARITY_NAMES, features.transform(new)[0], strict=True))
    assert features.word_.vocabulary_ == vocabulary
    assert row["unseen_words"] == 2 and row["unseen_in_body"] == 0.5  # zorblax found, quintessence not


def test_similarity_is_deterministic() -> None:
    frame = pair_frame()[["headline", "body"]]
    first = SimilarityFeatures(n_components=5, random_state=3).fit(frame).transform(frame)
    second = SimilarityFeatures(n_components=5, random_state=3).fit(frame).transform(frame)
    assert np.array_equal(first, second)
