"""Cue words for stance (refuting, hedging, agreeing, negation) counted in the claim, the body's lead, the whole
body and the body sentences most relevant to the claim, plus polarity agreement between claim and body."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from pydantic import Field

from features.builders import BUILDERS
from features.stance.base import FeatureTable, PairSpec, PairTransformer, training_texts
from features.stance.text import IdfMixin, all_stems, content_stems, split_sentences, tokenize
from features.vectorizers import CompactTfidfVectorizer

REFUTING_WORDS = frozenset((
    "fake", "fraud", "hoax", "false", "deny", "denies", "denied", "denying",
    "not", "despite", "nope", "doubt", "doubts", "bogus", "debunk", "debunks",
    "debunked", "prank", "pranks", "retract", "retracts", "retracted",
    "refute", "refutes", "refuted", "dismiss", "dismisses", "dismissed",
    "untrue", "misleading", "satire", "satirical", "fabricated", "myth",
    "incorrect", "wrong", "baseless", "unfounded", "rejects", "rejected",
    "contrary", "disputes", "disputed", "insists", "never", "no",
))
HEDGING_WORDS = frozenset((
    "allegedly", "alleged", "reportedly", "reported", "reports", "claimed",
    "claims", "claim", "according", "purportedly", "purported", "rumor",
    "rumors", "rumour", "rumours", "rumored", "rumoured", "apparently",
    "unconfirmed", "unverified", "suggests", "suggested", "may", "might",
    "could", "possibly", "possible", "sources", "source", "speculation",
    "speculated", "appears", "appear", "seems", "seem", "believed", "said",
    "says", "unclear", "whether", "if", "likely", "unlikely", "perhaps",
))
AGREEING_WORDS = frozenset((
    "confirmed", "confirms", "confirm", "official", "officially", "announced",
    "announces", "revealed", "reveals", "indeed", "true", "verified",
    "proof", "evidence", "shows", "showed", "video", "footage", "photos",
))
NEGATION_WORDS = frozenset((
    "not", "no", "never", "none", "nothing", "neither", "nor", "nobody",
    "cannot", "without", "nt", "isnt", "wasnt", "dont", "doesnt", "didnt",
    "arent", "werent", "wont", "cant", "couldnt", "hasnt", "havent",
))
CUES = {"refuting": REFUTING_WORDS, "hedging": HEDGING_WORDS, "agreeing": AGREEING_WORDS, "negation": NEGATION_WORDS}
PARTS = ("claim", "lead", "body", "best")  # where cues are counted
CUE_NAMES = (*CUES, *(f"{cue}_rate" for cue in CUES), "negation_parity")
LEXICON_NAMES = tuple(f"{part}_{name}" for part in PARTS for name in CUE_NAMES) + (
    "polarity_agrees_best", "polarity_agrees_lead", "claim_question", "body_questions", "both_refute",
    "only_body_refutes",
)


def cue_counts(tokens: Sequence[str]) -> dict[str, float]:
    """Count and rate (per token) of each cue family, and the parity of the negation count (odd = negated)."""
    n = max(len(tokens), 1)
    counts = {cue: sum(t in vocabulary for t in tokens) for cue, vocabulary in CUES.items()}
    return {**counts, **{f"{cue}_rate": c / n for cue, c in counts.items()}, "negation_parity": counts["negation"] % 2}


def prefixed(part: str, cues: dict[str, float]) -> dict[str, float]:
    return {f"{part}_{name}": value for name, value in cues.items()}


class LexiconFeatures(IdfMixin, PairTransformer):
    """Cue words in the claim, the lead, the body and the claim's best-matching sentences, and polarity agreement.

    `ranking="stems"` picks the relevant sentences by IDF-weighted coverage of the claim's word stems (no fitted
    vocabulary, so it behaves the same on claims about new stories); `"tfidf"` uses a training TF-IDF space.
    """

    feature_names = LEXICON_NAMES

    def __init__(self, lead_sentences: int = 3, top_sentences: int = 3, ranking: str = "stems") -> None:
        self.lead_sentences = lead_sentences
        self.top_sentences = top_sentences
        self.ranking = ranking

    def fit(self, X: Any, y: Any = None) -> LexiconFeatures:
        if self.ranking not in ("stems", "tfidf"):
            raise ValueError(f"ranking must be 'stems' or 'tfidf', got {self.ranking!r}")
        texts = training_texts(X)
        if self.ranking == "tfidf":
            self.word_ = CompactTfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32)
            self.word_.fit(texts)
        else:
            self._fit_idf(all_stems(text) for text in texts)
        self.n_features_in_ = 2
        return self

    def _relevance(self, claims: np.ndarray, sentences: list[str]) -> np.ndarray:
        """(claims × sentences) relevance scores used to pick each claim's best sentences."""
        if self.ranking == "tfidf":
            return (self.word_.transform(claims) @ self.word_.transform(sentences).T).toarray()
        idf = self._idf_table()
        sentence_sets = [set(all_stems(s)) for s in sentences]
        out = np.zeros((len(claims), len(sentences)))
        for k, claim in enumerate(claims):
            stems = list(dict.fromkeys(content_stems(claim)))
            if stems:
                weights = np.array([idf.get(t, self.unseen_idf_) for t in stems])
                for j, present in enumerate(sentence_sets):
                    out[k, j] = (weights * np.array([t in present for t in stems])).sum() / weights.sum()
        return out

    def transform(self, X: Any) -> np.ndarray:
        claims, distinct, _, rows_of = self._pairs_by_body(X)
        table = FeatureTable(LEXICON_NAMES, len(claims))
        for body, rows in zip(distinct, rows_of, strict=True):
            if not len(rows):
                continue
            sentences = split_sentences(body)
            sentence_tokens = [tokenize(s) for s in sentences]
            body_cues = cue_counts([t for s in sentence_tokens for t in s])
            lead_cues = cue_counts([t for s in sentence_tokens[: self.lead_sentences] for t in s])
            ranking = np.argsort(-self._relevance(claims[rows], sentences), axis=1, kind="stable")
            questions = body.count("?") / len(sentences)
            for k, i in enumerate(rows):
                claim_cues = cue_counts(tokenize(claims[i]))
                best_cues = cue_counts([t for j in ranking[k, : self.top_sentences] for t in sentence_tokens[j]])
                for part, cues in zip(PARTS, (claim_cues, lead_cues, body_cues, best_cues), strict=True):
                    table.put(i, prefixed(part, cues))
                table.put(i, {
                    "polarity_agrees_best": claim_cues["negation_parity"] == best_cues["negation_parity"],
                    "polarity_agrees_lead": claim_cues["negation_parity"] == lead_cues["negation_parity"],
                    "claim_question": "?" in claims[i], "body_questions": questions,
                    "both_refute": claim_cues["refuting"] > 0 and best_cues["refuting"] > 0,
                    "only_body_refutes": claim_cues["refuting"] == 0 and best_cues["refuting"] > 0,
                })
        return table.values


class PairLexiconSpec(PairSpec):
    """Refuting/hedging/agreeing/negation cues in claim, lead, body and best-matching sentences."""

    lead_sentences: int = Field(3, gt=0)
    top_sentences: int = Field(3, gt=0, description="body sentences most relevant to the claim")
    ranking: Literal["stems", "tfidf"] = Field(
        "stems", description="pick relevant sentences by claim-stem coverage (vocabulary-free) or training TF-IDF"
    )


@BUILDERS.register("pair_lexicon", PairLexiconSpec, "refuting/hedging/negation cues and polarity (dense)",
                   (LexiconFeatures, CompactTfidfVectorizer), dense_output=True)
def build_pair_lexicon(spec: PairLexiconSpec, seed: int) -> LexiconFeatures:
    return LexiconFeatures(spec.lead_sentences, spec.top_sentences, spec.ranking)
