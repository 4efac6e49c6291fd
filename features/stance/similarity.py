"""Claim-body similarity in fitted spaces (word and character TF-IDF, LSA) plus open-vocabulary similarities
(training IDF, the maximum IDF for unseen words) that still work on claims about new names."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from pydantic import Field
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize

from features.builders import BUILDERS
from features.stance.base import (
    NOT_APPLICABLE,
    FeatureTable,
    PairSpec,
    PairTransformer,
    pair_columns,
    row_cosine,
    training_texts,
)
from features.stance.text import BM25_B, BM25_K1, STOP_WORDS, IdfMixin, bm25, ngrams, split_sentences, tokenize, words
from features.vectorizers import CompactTfidfVectorizer

TOP_SENTENCES = 3
WORD_MIN_DF, CHAR_MIN_DF = 2, 3  # terms rarer than this in training texts are noise for cosines

SIMILARITY_NAMES = (
    "word_cosine", "char_cosine", "lsa_cosine", "word_best_sentence", "word_top3_sentences", "char_best_sentence",
    "char_top3_sentences", "lsa_best_sentence", "word_lead_cosine", "char_lead_cosine", "word_first_sentence",
    "best_sentence_position", "overlap", "lead_overlap", "idf_overlap", "idf_lead_overlap", "jaccard",
    "idf_missing", "bigram_overlap", "claim_tokens", "log_body_tokens", "body_sentences",
    "open_cosine", "open_lead_cosine", "open_best_sentence", "bm25", "unseen_words", "unseen_in_body",
    "names_in_body",
)

Vector = tuple[dict[str, float], float]


def top_mean(scores: np.ndarray, k: int = TOP_SENTENCES) -> np.ndarray:
    """Mean of each row's `k` largest values."""
    return np.sort(scores, axis=1)[:, -k:].mean(axis=1)


class SimilarityFeatures(IdfMixin, PairTransformer):
    """Dense relatedness features: word/char TF-IDF and LSA cosines on the whole body, its lead and its best
    sentences; token, IDF-weighted and bigram overlap; Jaccard; lengths; and vocabulary-free similarities."""

    feature_names = SIMILARITY_NAMES

    def __init__(self, n_components: int = 100, lead_sentences: int = 3, char_max_features: int = 200_000,
                 random_state: int = 0, k1: float = BM25_K1, b: float = BM25_B) -> None:
        self.n_components = n_components
        self.lead_sentences = lead_sentences
        self.char_max_features = char_max_features
        self.random_state = random_state
        self.k1 = k1
        self.b = b

    def fit(self, X: Any, y: Any = None) -> SimilarityFeatures:
        texts = training_texts(X)
        self.word_ = CompactTfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english",
                                            min_df=WORD_MIN_DF, dtype=np.float32).fit(texts)
        self.char_ = CompactTfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                            min_df=CHAR_MIN_DF, max_features=self.char_max_features,
                                            dtype=np.float32).fit(texts)
        self.svd_ = TruncatedSVD(n_components=self.n_components, random_state=self.random_state)
        self.svd_.fit(self.word_.transform(texts))
        self._fit_idf(tokenize(text) for text in texts)
        _, bodies = pair_columns(X)
        self.mean_body_tokens_ = max(float(np.mean([len(tokenize(body)) for body in np.unique(bodies)])), 1.0)
        self.n_features_in_ = 2
        return self

    def transform(self, X: Any) -> np.ndarray:
        claims, distinct, inverse, rows_of = self._pairs_by_body(X)
        idf = self._idf_table()
        cw, cc = self.word_.transform(claims), self.char_.transform(claims)
        cs = normalize(self.svd_.transform(cw))
        bw, bc = self.word_.transform(distinct), self.char_.transform(distinct)
        table = FeatureTable(SIMILARITY_NAMES, len(claims))
        table[:, "word_cosine"] = row_cosine(cw, bw[inverse])
        table[:, "char_cosine"] = row_cosine(cc, bc[inverse])
        table[:, "lsa_cosine"] = row_cosine(cs, normalize(self.svd_.transform(bw))[inverse])
        for body, rows in zip(distinct, rows_of, strict=True):
            if len(rows):
                self._fitted_space(table, rows, body, cw, cc, cs)
                self._open_vocabulary(table, rows, claims, body, idf)
        return table.values

    def _fitted_space(self, table: FeatureTable, rows: np.ndarray, body: str, cw: Any, cc: Any,
                      cs: np.ndarray) -> None:
        """Cosines of each claim with the body's sentences and lead in the fitted word, char and LSA spaces."""
        sentences = split_sentences(body)
        lead = " ".join(sentences[: self.lead_sentences])
        sw, sc = self.word_.transform(sentences), self.char_.transform(sentences)
        sim_w, sim_c = (cw[rows] @ sw.T).toarray(), (cc[rows] @ sc.T).toarray()
        sim_s = cs[rows] @ normalize(self.svd_.transform(sw)).T
        table[rows, "word_best_sentence"] = sim_w.max(axis=1)
        table[rows, "word_top3_sentences"] = top_mean(sim_w)
        table[rows, "char_best_sentence"] = sim_c.max(axis=1)
        table[rows, "char_top3_sentences"] = top_mean(sim_c)
        table[rows, "lsa_best_sentence"] = sim_s.max(axis=1)
        table[rows, "word_lead_cosine"] = (cw[rows] @ self.word_.transform([lead]).T).toarray().ravel()
        table[rows, "char_lead_cosine"] = (cc[rows] @ self.char_.transform([lead]).T).toarray().ravel()
        table[rows, "word_first_sentence"] = sim_w[:, 0]
        table[rows, "best_sentence_position"] = np.argmax(sim_w, axis=1) / len(sentences)
        table[rows, "body_sentences"] = len(sentences)

    def _weighted(self, tokens: list[str], idf: dict[str, float]) -> Vector:
        """Sublinear-TF × IDF vector of the content tokens, and its norm (1 when empty)."""
        counts = Counter(t for t in tokens if t not in STOP_WORDS)
        vector = {t: (1.0 + np.log(k)) * idf.get(t, self.unseen_idf_) for t, k in counts.items()}
        return vector, float(np.sqrt(sum(v * v for v in vector.values()))) or 1.0

    def _open_vocabulary(self, table: FeatureTable, rows: np.ndarray, claims: np.ndarray, body: str,
                         idf: dict[str, float]) -> None:
        """Overlaps and cosines needing no fitted vocabulary: new names in test claims and bodies still count."""
        sentences = split_sentences(body)
        body_tokens = tokenize(body)
        body_counts = Counter(body_tokens)
        lead_tokens = [t for s in sentences[: self.lead_sentences] for t in tokenize(s)]
        lead_set, body_bigrams, body_words = set(lead_tokens), ngrams(body_tokens, 2), set(words(body))
        body_vector, lead_vector = self._weighted(body_tokens, idf), self._weighted(lead_tokens, idf)
        sentence_vectors = [self._weighted(tokenize(s), idf) for s in sentences]
        table[rows, "log_body_tokens"] = np.log1p(len(body_tokens))
        for i in rows:
            claim_tokens = tokenize(claims[i])
            table[i, "claim_tokens"] = len(claim_tokens)
            claim_bigrams = ngrams(claim_tokens, 2)
            if claim_bigrams:
                table[i, "bigram_overlap"] = len(claim_bigrams & body_bigrams) / len(claim_bigrams)
            content = {t for t in claim_tokens if t not in STOP_WORDS}
            if content:
                table.put(i, self._overlaps(content, set(body_counts), lead_set, idf))
            vector = self._weighted(claim_tokens, idf)
            if vector[0]:
                table.put(i, {
                    "open_cosine": cosine(vector, body_vector), "open_lead_cosine": cosine(vector, lead_vector),
                    "open_best_sentence": max(cosine(vector, s) for s in sentence_vectors),
                    "bm25": bm25(list(vector[0]), [idf.get(t, self.unseen_idf_) for t in vector[0]], body_counts,
                                 len(body_tokens), self.mean_body_tokens_, self.k1, self.b),
                })
                table.put(i, self._unseen(list(vector[0]), claims[i], body_counts, body_words, idf))

    def _overlaps(self, content: set[str], body_set: set[str], lead_set: set[str],
                  idf: dict[str, float]) -> dict[str, float]:
        tokens = sorted(content)
        weights = np.array([idf.get(t, self.unseen_idf_) for t in tokens])
        in_body = np.array([t in body_set for t in tokens])
        in_lead = np.array([t in lead_set for t in tokens])
        return {
            "overlap": in_body.mean(), "lead_overlap": in_lead.mean(),
            "idf_overlap": (weights * in_body).sum() / weights.sum(),
            "idf_lead_overlap": (weights * in_lead).sum() / weights.sum(),
            "jaccard": len(content & body_set) / len(content | body_set), "idf_missing": (weights * ~in_body).sum(),
        }

    @staticmethod
    def _unseen(tokens: list[str], claim: str, body_counts: Counter[str], body_words: set[str],
                idf: dict[str, float]) -> dict[str, float]:
        """Claim words never seen in training, and the claim's names and numbers, found in the body."""
        new_words = [t for t in tokens if t not in idf]
        names = [t for t in words(claim)[1:] if t[:1].isupper() or t.isdigit()]
        return {
            "unseen_words": len(new_words),
            "unseen_in_body": (sum(t in body_counts for t in new_words) / len(new_words) if new_words
                               else NOT_APPLICABLE),
            "names_in_body": sum(t in body_words for t in names) / len(names) if names else NOT_APPLICABLE,
        }


def cosine(a: Vector, b: Vector) -> float:
    """Cosine of two sparse weighted vectors given with their norms."""
    (va, na), (vb, nb) = a, b
    return sum(w * vb.get(t, 0.0) for t, w in va.items()) / (na * nb)


class PairSimilaritySpec(PairSpec):
    """Relatedness of claim and body (cosines, overlaps, BM25, lengths)."""

    n_components: int = Field(100, gt=0, description="LSA dimensions for the SVD cosine")
    lead_sentences: int = Field(3, gt=0, description="sentences that make the body's lead")
    char_max_features: int = Field(200_000, gt=0, description="character n-gram vocabulary size")
    k1: float = Field(BM25_K1, ge=0, description="BM25 term-frequency saturation")
    b: float = Field(BM25_B, ge=0, le=1, description="BM25 length normalisation (0: none, 1: full)")


@BUILDERS.register("pair_similarity", PairSimilaritySpec, "claim-body similarity features (dense)",
                   (SimilarityFeatures, CompactTfidfVectorizer), dense_output=True)
def build_pair_similarity(spec: PairSimilaritySpec, seed: int) -> SimilarityFeatures:
    return SimilarityFeatures(spec.n_components, spec.lead_sentences, spec.char_max_features, seed, spec.k1, spec.b)
