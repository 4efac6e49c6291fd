"""Cue-word features on a one-pair example worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from stance_examples import one_pair, pair_frame

from features.stance.lexicon import LEXICON_NAMES, LexiconFeatures, cue_counts

# body sentences: s0 police said it was not true | s1 officials denied the hoax was real | s2 no comment (14 tokens)
CLAIM = "Officials deny the hoax"
BODY = "Police said it was not true. Officials denied the hoax was real. No comment."


def features(**params: object) -> dict[str, float]:
    frame = one_pair(CLAIM, BODY)
    row = LexiconFeatures(**params).fit(frame).transform(frame)[0]
    return dict(zip(LEXICON_NAMES, row.tolist(), strict=True))


def test_cue_counts_count_each_family_with_rates_and_negation_parity() -> None:
    cues = cue_counts(["police", "said", "it", "was", "not", "true"])
    assert cues == {"refuting": 1, "hedging": 1, "agreeing": 1, "negation": 1, "refuting_rate": 1 / 6,
                    "hedging_rate": 1 / 6, "agreeing_rate": 1 / 6, "negation_rate": 1 / 6, "negation_parity": 1}


def test_claim_and_whole_body_cues() -> None:
    row = features()
    assert (row["claim_refuting"], row["claim_hedging"], row["claim_negation"]) == (2, 0, 0)  # deny, hoax
    assert row["claim_refuting_rate"] == pytest.approx(2 / 4)
    # body: refuting not/denied/hoax/no, hedging said, agreeing true, negation not/no
    assert [row[f"body_{c}"] for c in ("refuting", "hedging", "agreeing", "negation")] == [4, 1, 1, 2]
    assert row["body_negation_rate"] == pytest.approx(2 / 14)
    assert row["body_negation_parity"] == 0


def test_best_sentence_is_the_one_covering_the_claims_stems() -> None:
    row = features(top_sentences=1)  # s1 holds "offic" and "hoax"; "deny" ≠ "denie" after truncation
    assert (row["best_refuting"], row["best_negation"]) == (2, 0)
    assert row["best_refuting_rate"] == pytest.approx(2 / 6)
    assert row["both_refute"] == 1.0 and row["only_body_refutes"] == 0.0
    assert row["polarity_agrees_best"] == 1.0


def test_a_one_sentence_lead_with_an_odd_negation_disagrees_in_polarity() -> None:
    row = features(lead_sentences=1)  # s0: "not" once
    assert (row["lead_refuting"], row["lead_negation"], row["lead_negation_parity"]) == (1, 1, 1)
    assert row["polarity_agrees_lead"] == 0.0


def test_questions() -> None:
    row = features()
    assert row["claim_question"] == 0.0 and row["body_questions"] == 0.0
    frame = one_pair("Is the hoax real?", "Is it? Nobody knows. Maybe.")
    asked = dict(zip(LEXICON_NAMES, LexiconFeatures().fit(frame).transform(frame)[0], strict=True))
    assert asked["claim_question"] == 1.0 and asked["body_questions"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("ranking", ["stems", "tfidf"])
def test_both_rankings_see_refuting_words_in_the_body(ranking: str) -> None:
    frame = pair_frame()[["headline", "body"]]
    out = LexiconFeatures(ranking=ranking).fit(frame).transform(frame)
    refuting = LEXICON_NAMES.index("body_refuting")
    assert out[3, refuting] > 0 and out[0, refuting] == 0  # b2 denies; b1 confirms


def test_pair_features_ignore_column_names_claim_first_body_second() -> None:
    frame = pair_frame()[["headline", "body"]]
    renamed = frame.rename(columns={"headline": "claim", "body": "article"})
    assert np.array_equal(LexiconFeatures().fit(frame).transform(frame),
                          LexiconFeatures().fit(renamed).transform(renamed))


def test_an_unknown_ranking_is_refused() -> None:
    with pytest.raises(ValueError, match="^ranking must be 'stems' or 'tfidf', got 'bm25'$"):
        LexiconFeatures(ranking="bm25").fit(pair_frame()[["headline", "body"]])
