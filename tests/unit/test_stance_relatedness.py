"""Relatedness features on a one-pair example worked out by hand, and their behaviour on new names."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from stance_examples import one_pair, pair_frame

from features.stance.relatedness import RELATEDNESS_NAMES, RelatednessFeatures

# Fitted on this one pair: documents are the claim and the body (2 texts).
# claim stems: hacke hit talmi port (all content); body stems: in talmi the port was hit | nothi else happe (9)
# document frequency: hacke 1, hit/talmi/port 2  →  IDF log(3/2)+1 for "hacke", log(3/3)+1 = 1 for the others
CLAIM, BODY = "Hackers hit Talmir port", "In Talmir the port was hit. Nothing else happened."
RARE = math.log(1.5) + 1
WEIGHT = 3 + RARE  # total IDF weight of the claim's content stems


@pytest.fixture(scope="module")
def hand() -> dict[str, float]:
    frame = one_pair(CLAIM, BODY)
    row = RelatednessFeatures().fit(frame).transform(frame)[0]
    return dict(zip(RELATEDNESS_NAMES, row.tolist(), strict=True))


def test_lengths_and_counts(hand: dict[str, float]) -> None:
    assert hand["claim_tokens"] == 4 and hand["claim_content_stems"] == 4
    assert hand["log_body_tokens"] == pytest.approx(math.log1p(9))
    assert hand["body_sentences"] == 2


def test_coverage_weights_the_claims_stems_by_idf(hand: dict[str, float]) -> None:
    assert hand["coverage"] == pytest.approx(3 / 4)
    assert hand["idf_coverage"] == pytest.approx(3 / WEIGHT)
    assert hand["idf_found"] == pytest.approx(3.0)
    assert hand["idf_missing"] == pytest.approx(RARE)
    assert hand["rarest_idf"] == pytest.approx(RARE)
    assert hand["rarest_found"] == 0.0
    assert hand["rarest3_found"] == pytest.approx(2 / 3)
    assert hand["unseen_stems"] == 0 and hand["unseen_found"] == -1.0  # every stem was seen in training


def test_sentence_coverage_finds_the_first_sentence(hand: dict[str, float]) -> None:
    assert hand["best_sentence_coverage"] == pytest.approx(3 / WEIGHT)
    assert hand["second_sentence_coverage"] == 0.0
    assert hand["top3_sentence_coverage"] == pytest.approx(3 / WEIGHT / 2)  # two sentences
    assert hand["share_half_covered_sentences"] == 0.5
    assert hand["first_half_covered_position"] == 0.0


def test_bm25_uses_the_fitted_mean_lengths(hand: dict[str, float]) -> None:
    # body: 9 tokens = the fitted mean, so norm = k1 = 1.2 and each found stem (tf 1, IDF 1) adds 2.2 / 2.2 = 1
    assert hand["body_bm25"] == pytest.approx(3 / WEIGHT)
    # sentence 1 has 6 tokens, the mean sentence 4.5: norm = 1.2 (0.25 + 0.75 * 6 / 4.5) = 1.5
    assert hand["best_sentence_bm25"] == pytest.approx(3 * 2.2 / 2.5 / WEIGHT)
    assert hand["top3_sentence_bm25"] == pytest.approx(3 * 2.2 / 2.5 / WEIGHT / 2)


def test_subsequences_and_ngrams(hand: dict[str, float]) -> None:
    assert hand["lcs_best"] == pytest.approx(2 / 4)  # talmi, port in order
    assert hand["content_lcs_best"] == pytest.approx(2 / 4)  # best sentence without stop words: talmi port hit
    assert hand["bigram_overlap"] == 0.0  # "talmir port" is split by "the" in the body
    assert hand["trigram_overlap"] == 0.0


def test_names_and_numbers(hand: dict[str, float]) -> None:
    assert hand["claim_names"] == 1 and hand["names_in_body"] == 1.0 and hand["names_in_lead"] == 1.0
    assert hand["names_as_words"] == 1.0
    assert hand["claim_numbers"] == 0 and hand["numbers_in_body"] == -1.0


def test_a_claim_identical_to_its_body_contains_all_its_character_grams() -> None:
    frame = one_pair("Port attack", "Port attack.")
    row = dict(zip(RELATEDNESS_NAMES, RelatednessFeatures().fit(frame).transform(frame)[0], strict=True))
    assert row["char4_in_body"] == 1.0 and row["char4_best_sentence"] == 1.0 and row["char4_jaccard_best"] == 1.0


def test_k1_and_b_change_bm25_only() -> None:
    frame = pair_frame()[["headline", "body"]]
    default = RelatednessFeatures().fit(frame).transform(frame)
    flat = RelatednessFeatures(k1=2.0, b=0.0).fit(frame).transform(frame)
    changed = {RELATEDNESS_NAMES[j] for j in np.flatnonzero(np.abs(default - flat).max(axis=0) > 0)}
    assert changed == {"best_sentence_bm25", "top3_sentence_bm25", "body_bm25"}


def test_its_own_body_covers_a_claim_better_than_another_body() -> None:
    frame = pair_frame()[["headline", "body"]]
    out = RelatednessFeatures().fit(frame).transform(frame)
    coverage = RELATEDNESS_NAMES.index("idf_coverage")
    assert out[0, coverage] > out[9, coverage]  # same claim: its own body vs an unrelated one


def test_relatedness_needs_no_vocabulary_for_new_names() -> None:
    features = RelatednessFeatures().fit(pair_frame()[["headline", "body"]])
    new = pd.DataFrame({"headline": ["Minister of Zorblax resigns"],
                        "body": ["The Zorblax minister resigned on Monday. Zorblax officials confirmed it."]})
    row = dict(zip(RELATEDNESS_NAMES, features.transform(new)[0], strict=True))
    assert row["unseen_found"] == 1.0
    assert row["names_in_body"] == 1.0
