"""Evidence features from claim-aligned sentences, on examples worked out by hand, and the error analysis."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from stance_examples import one_pair, pair_frame

from features.stance.analysis import relied_on, render_markdown, stance_error_analysis, write_stance_error_analysis
from features.stance.evidence import EVIDENCE_NAMES, EvidenceFeatures, Sentence
from features.union import build_features, parse_specs

# s0 "officials said hackers did not hit the port" aligns fully (hacke, hit, port: equal IDF, all present);
# "not" negates the 4 tokens after it (hit, the, port). s1 says "false"; s2 carries no cue.
CLAIM = "Hackers hit the port"
BODY = "Officials said hackers did not hit the port. The report was false. Weather was fine."


def evidence(claim: str, body: str) -> dict[str, float]:
    frame = one_pair(claim, body)
    return dict(zip(EVIDENCE_NAMES, EvidenceFeatures().fit(frame).transform(frame)[0].tolist(), strict=True))


@pytest.fixture(scope="module")
def hand() -> dict[str, float]:
    return evidence(CLAIM, BODY)


def test_a_sentence_knows_which_stems_a_negation_scopes() -> None:
    sentence = Sentence.read("Officials said hackers did not hit the port.")
    assert sentence.negated == {"hit", "the", "port"}
    assert sentence.cues["refuting"] == 1 and sentence.cues["attribution"] == 1
    assert sentence.cues["refuting_phrase"] == 1  # "did not"


def test_alignment(hand: dict[str, float]) -> None:
    assert hand["aligned_sentences"] == 1 and hand["aligned_share"] == pytest.approx(1 / 3)
    assert hand["first_aligned_position"] == 0 and hand["lead_aligned"] == 1


def test_cues_in_the_aligned_sentence(hand: dict[str, float]) -> None:
    present = {"refuting", "hedging", "attribution", "negated_alignment", "refuting_phrase"}
    for cue in ("refuting", "denial", "falsehood", "hedging", "attribution", "agreeing", "negated_alignment",
                "refuting_phrase", "question"):
        assert hand[f"aligned_{cue}"] == float(cue in present), cue
        assert hand[f"best_{cue}"] == float(cue in present), cue


def test_cues_across_the_body_are_shares_of_sentences(hand: dict[str, float]) -> None:
    assert hand["body_refuting"] == pytest.approx(2 / 3)  # "not", "false"
    assert hand["body_falsehood"] == pytest.approx(1 / 3)
    assert hand["body_negated_alignment"] == pytest.approx(1 / 3)
    assert hand["body_agreeing"] == 0


def test_polarity_and_agreement(hand: dict[str, float]) -> None:
    assert hand["claim_negated"] == 0 and hand["polarity_conflict_best"] == 1 and hand["polarity_conflict_share"] == 1
    assert hand["refuting_minus_agreeing"] == 1 and hand["stance_agreement"] == 1 and hand["hedged_share"] == 1
    assert (hand["claim_hedged"], hand["claim_refuting"], hand["claim_question"]) == (0, 0, 0)
    assert hand["number_conflict"] == -1 and hand["name_conflict"] == -1  # the claim has neither


def test_a_different_number_in_the_aligned_sentence_is_a_conflict() -> None:
    row = evidence("Quake kills 40 in Talmir", "The quake in Talmir killed 12 people. Rescue goes on.")
    assert row["aligned_sentences"] == 1  # quake + talmi hold 2 of 2 + 2 × 1.405 IDF ≥ 0.34
    assert row["number_conflict"] == 1.0 and row["name_conflict"] == 0.0


def test_relied_on_shows_the_sentences_covering_the_claim() -> None:
    shown = relied_on(CLAIM, BODY, {}, 1.0, shown=1)
    assert shown == [{"sentence": "Officials said hackers did not hit the port.", "claim_coverage": 1.0,
                      "cues": ["attribution", "hedging", "refuting", "refuting_phrase"]}]


def test_relied_on_shows_a_repeated_sentence_once() -> None:
    shown = relied_on(CLAIM, BODY + " Officials said hackers did not hit the port.", {}, 1.0, shown=2)
    sentences = [s["sentence"] for s in shown]
    assert sentences[0] == "Officials said hackers did not hit the port." and len(set(sentences)) == 2


def test_error_analysis_counts_confusions_and_shows_examples(tmp_path) -> None:
    frame = pair_frame()[["headline", "body"]]
    truth = np.array(["agree"] * 4 + ["disagree"] * 4 + ["discuss"] * 2 + ["unrelated"] * 2, dtype=object)
    predicted = truth.copy()
    predicted[[0, 1]] = "discuss"
    predicted[4] = "agree"
    analysis = stance_error_analysis(frame, truth, predicted, examples=1)
    assert analysis["confusion"]["agree"]["discuss"] == 2 and analysis["confusion"]["disagree"]["agree"] == 1
    cells = [(c["true"], c["predicted"], c["count"], len(c["examples"])) for c in analysis["related_confusions"]]
    assert cells == [("agree", "discuss", 2, 1), ("disagree", "agree", 1, 1)]
    example = analysis["related_confusions"][1]["examples"][0]
    assert example["claim"] == frame["headline"][4] and example["relied_on"]
    paths = write_stance_error_analysis(tmp_path, frame, truth, predicted, examples=1)
    assert json.loads(paths[0].read_text())["confusion"] == analysis["confusion"]
    assert "## agree predicted as discuss (2 pairs)" in paths[1].read_text()


def test_error_analysis_shows_the_model_probabilities_of_each_example() -> None:
    frame = pair_frame(repeat=2)
    columns = ["headline", "body"]
    specs = parse_specs([{"name": "pair_relatedness"}, {"name": "pair_lexicon"}])
    pipeline = Pipeline([("features", build_features(specs, columns, seed=0)),
                         ("model", LogisticRegression(max_iter=500))]).fit(frame[columns], frame["stance"])
    predicted = frame["stance"].to_numpy(dtype=object).copy()
    predicted[0] = "discuss"  # an agree pair shown as a confusion
    analysis = stance_error_analysis(frame[columns], frame["stance"], predicted, pipeline, examples=1)
    shown = analysis["related_confusions"][0]["examples"][0]["probabilities"]
    expected = pipeline.predict_proba(frame[columns].iloc[[0]])[0]
    assert shown == {c: round(float(p), 3) for c, p in zip(pipeline.classes_, expected, strict=True)}
    assert "  - model: agree " in render_markdown(analysis)


def test_evidence_features_never_read_the_labels() -> None:
    frame = pair_frame()
    a = EvidenceFeatures().fit(frame[["headline", "body"]], frame["stance"]).transform(frame[["headline", "body"]])
    b = EvidenceFeatures().fit(frame[["headline", "body"]]).transform(frame[["headline", "body"]])
    assert np.array_equal(a, b)
