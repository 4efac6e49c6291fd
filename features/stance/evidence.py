"""Evidence for stance from the body sentences that address the claim: which sentences align with the claim, and
whether they negate, refute, hedge, attribute or confirm it, whether their numbers and names contradict the
claim's, and whether the aligned sentences agree with one another. Vocabulary-free: the only fitted state is
stem document frequencies, so it behaves the same on claims about new stories."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import Field

from features.builders import BUILDERS
from features.stance.base import (
    NOT_APPLICABLE,
    FeatureTable,
    PairSpec,
    PairTransformer,
    training_texts,
)
from features.stance.lexicon import AGREEING_WORDS, HEDGING_WORDS, NEGATION_WORDS, REFUTING_WORDS
from features.stance.text import (
    MAX_SENTENCES,
    IdfMixin,
    all_stems,
    content_stems,
    names_and_numbers,
    split_sentences,
    stem,
    tokenize,
)

ALIGNED = 0.34  # a sentence aligns with the claim when it holds a third of the claim's IDF weight
NEGATION_SCOPE = 4  # tokens before a word within which a negation negates it ("did not hack", "never was")
DENIAL_WORDS = frozenset((
    "deny", "denied", "denies", "denying", "denial", "dismissed", "dismisses", "rejected", "rejects", "refuted",
    "refutes", "debunked", "debunks", "disputed", "disputes", "contradicted", "contradicts", "retracted",
))
FALSEHOOD_WORDS = frozenset((
    "hoax", "fake", "false", "untrue", "bogus", "fabricated", "fraud", "myth", "rumor", "rumour", "rumors",
    "rumours", "prank", "satire", "satirical", "misleading", "baseless", "unfounded", "incorrect", "wrong", "lie",
    "lies", "scam", "doctored", "photoshopped",
))
ATTRIBUTION_WORDS = frozenset((
    "said", "says", "told", "according", "reported", "reports", "reportedly", "claimed", "claims", "stated",
    "states", "announced", "tweeted", "wrote", "posted", "alleged", "allegedly", "sources", "source",
))
REFUTING_PHRASES = (
    ("not", "true"), ("no", "evidence"), ("no", "truth"), ("turned", "out"), ("made", "up"), ("april", "fools"),
    ("there", "is", "no"), ("did", "not"), ("was", "not"), ("is", "not"), ("has", "not"), ("no", "proof"),
    ("not", "real"), ("fake", "news"), ("false", "report"), ("nothing", "to"),
)
CUE_FAMILIES = {"refuting": REFUTING_WORDS, "denial": DENIAL_WORDS, "falsehood": FALSEHOOD_WORDS,
                "hedging": HEDGING_WORDS, "attribution": ATTRIBUTION_WORDS, "agreeing": AGREEING_WORDS}
SENTENCE_CUES = (*CUE_FAMILIES, "negated_alignment", "refuting_phrase", "question")
EVIDENCE_NAMES = (
    "aligned_sentences", "aligned_share", "first_aligned_position", "lead_aligned",
    *(f"aligned_{cue}" for cue in SENTENCE_CUES), *(f"best_{cue}" for cue in SENTENCE_CUES),
    *(f"body_{cue}" for cue in SENTENCE_CUES),
    "claim_negated", "polarity_conflict_best", "polarity_conflict_share",
    "refuting_minus_agreeing", "stance_agreement", "hedged_share",
    "claim_hedged", "claim_refuting", "claim_question",
    "number_conflict", "name_conflict",
)


def in_negation_scope(tokens: list[str]) -> list[bool]:
    """Whether each token has a negation within NEGATION_SCOPE tokens before it."""
    negations = [k for k, token in enumerate(tokens) if token in NEGATION_WORDS]
    return [any(0 < k - n <= NEGATION_SCOPE for n in negations) for k in range(len(tokens))]


def phrase_hits(tokens: list[str]) -> int:
    """Occurrences of the refuting phrases ("not true", "no evidence", "turned out"...)."""
    joined = " " + " ".join(tokens) + " "
    return sum(joined.count(" " + " ".join(phrase) + " ") for phrase in REFUTING_PHRASES)


@dataclass
class Sentence:
    """What the evidence features need of one body sentence."""

    stems: set[str]
    negated: set[str]  # stems with a negation within NEGATION_SCOPE tokens before them
    cues: dict[str, float]  # counts of each cue family, refuting phrases and a question mark
    names: set[str]
    numbers: set[str]

    @classmethod
    def read(cls, text: str) -> Sentence:
        tokens = tokenize(text)
        stems = [stem(t) for t in tokens]
        negated = {stems[k] for k, in_scope in enumerate(in_negation_scope(tokens)) if in_scope}
        cues = {family: float(sum(t in words for t in tokens)) for family, words in CUE_FAMILIES.items()}
        cues["refuting_phrase"] = float(phrase_hits(tokens))
        cues["question"] = float("?" in text)
        names, numbers = names_and_numbers(text)
        return cls(set(stems), negated, cues, names, numbers)


class EvidenceFeatures(IdfMixin, PairTransformer):
    """Stance evidence from the claim-aligned body sentences (see the module docstring)."""

    feature_names = EVIDENCE_NAMES

    def __init__(self, aligned: float = ALIGNED, max_sentences: int = MAX_SENTENCES, lead_sentences: int = 3) -> None:
        self.aligned = aligned
        self.max_sentences = max_sentences
        self.lead_sentences = lead_sentences

    def fit(self, X: Any, y: Any = None) -> EvidenceFeatures:
        self._fit_idf(all_stems(text) for text in training_texts(X))
        self.n_features_in_ = 2
        return self

    def transform(self, X: Any) -> np.ndarray:
        claims, distinct, _, rows_of = self._pairs_by_body(X)
        idf = self._idf_table()
        table = FeatureTable(EVIDENCE_NAMES, len(claims))
        for text, rows in zip(distinct, rows_of, strict=True):
            if not len(rows):
                continue
            sentences = [Sentence.read(s) for s in split_sentences(text, self.max_sentences)]
            body_cues = {cue: float(np.mean([s.cues[cue] > 0 for s in sentences])) for cue in CUE_FAMILIES}
            body_cues.update({cue: float(np.mean([s.cues[cue] > 0 for s in sentences]))
                              for cue in ("refuting_phrase", "question")})
            for i in rows:
                table.put(i, self._pair(claims[i], sentences, body_cues, idf))
        return table.values

    def _pair(self, claim: str, sentences: list[Sentence], body_cues: dict[str, float],
              idf: dict[str, float]) -> dict[str, float]:
        claim_tokens = tokenize(claim)
        stems = list(dict.fromkeys(content_stems(claim)))
        claim_names, claim_numbers = names_and_numbers(claim)
        values = {
            "claim_negated": float(sum(t in NEGATION_WORDS for t in claim_tokens) % 2),
            "claim_hedged": float(any(t in HEDGING_WORDS for t in claim_tokens)),
            "claim_refuting": float(any(t in REFUTING_WORDS or t in FALSEHOOD_WORDS for t in claim_tokens)),
            "claim_question": float("?" in claim),
        }
        body_negated_alignment = 0.0
        if stems:
            weights = np.array([idf.get(t, self.unseen_idf_) for t in stems])
            coverage = np.array([(weights * [t in s.stems for t in stems]).sum() for s in sentences]) / weights.sum()
            negated = np.array([any(t in s.negated for t in stems if t in s.stems) for s in sentences], dtype=float)
            body_negated_alignment = float(negated.mean())
        else:
            coverage, negated = np.zeros(len(sentences)), np.zeros(len(sentences))
        values["body_negated_alignment"] = body_negated_alignment
        values.update({f"body_{cue}": share for cue, share in body_cues.items()})
        aligned = np.flatnonzero(coverage >= self.aligned)
        best = int(np.argmax(coverage))
        chosen = aligned if len(aligned) else np.array([best])
        weight = coverage[chosen] / coverage[chosen].sum() if coverage[chosen].sum() > 0 else np.full(len(chosen),
                                                                                                       1 / len(chosen))
        per_sentence = {cue: np.array([sentences[j].cues[cue] > 0 for j in chosen], dtype=float)
                        for cue in (*CUE_FAMILIES, "refuting_phrase", "question")}
        per_sentence["negated_alignment"] = negated[chosen]
        for cue in SENTENCE_CUES:
            values[f"aligned_{cue}"] = float(weight @ per_sentence[cue])
            values[f"best_{cue}"] = (sentences[best].cues[cue] if cue != "negated_alignment" else negated[best])
        conflict = np.abs(negated[chosen] - values["claim_negated"])
        refutes = np.maximum.reduce([per_sentence[c] for c in ("refuting", "denial", "falsehood", "refuting_phrase")])
        values.update({
            "aligned_sentences": float(len(aligned)), "aligned_share": len(aligned) / len(sentences),
            "first_aligned_position": aligned[0] / len(sentences) if len(aligned) else NOT_APPLICABLE,
            "lead_aligned": float(len(aligned) > 0 and aligned[0] < self.lead_sentences),
            "polarity_conflict_best": float(abs(negated[best] - values["claim_negated"])),
            "polarity_conflict_share": float(conflict.mean()),
            "refuting_minus_agreeing": float(refutes.mean() - per_sentence["agreeing"].mean()),
            "stance_agreement": float(abs(refutes.mean() - 0.5) * 2),  # 1: aligned sentences agree on refuting
            "hedged_share": float(np.maximum(per_sentence["hedging"], per_sentence["attribution"]).mean()),
            "number_conflict": self._conflict(claim_numbers, [sentences[j].numbers for j in chosen]),
            "name_conflict": self._conflict(claim_names, [sentences[j].names for j in chosen]),
        })
        return values

    @staticmethod
    def _conflict(claim_items: set[str], sentence_items: list[set[str]]) -> float:
        """Share of the claim's numbers (or names) missing from aligned sentences that state numbers (names) of
        their own: the body gives a different figure or actor than the claim."""
        if not claim_items:
            return NOT_APPLICABLE
        stated = set().union(*sentence_items)
        if not stated:
            return NOT_APPLICABLE
        return len(claim_items - stated) / len(claim_items)


class PairEvidenceSpec(PairSpec):
    """Stance evidence from claim-aligned body sentences (negation scope, refutation, hedging, conflicts)."""

    aligned: float = Field(ALIGNED, gt=0, le=1, description="claim IDF weight a sentence must hold to align")
    max_sentences: int = Field(MAX_SENTENCES, gt=0, description="body sentences considered")
    lead_sentences: int = Field(3, gt=0, description="sentences that make the body's lead")


@BUILDERS.register("pair_evidence", PairEvidenceSpec,
                   "stance evidence in claim-aligned sentences: negation scope, refutation, hedging (dense)",
                   (EvidenceFeatures,), dense_output=True)
def build_pair_evidence(spec: PairEvidenceSpec, seed: int) -> EvidenceFeatures:
    return EvidenceFeatures(spec.aligned, spec.max_sentences, spec.lead_sentences)
