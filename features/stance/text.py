"""Text utilities shared by the stance builders: tokens, stems, sentences, character n-grams, names, numbers,
longest common subsequence, one smoothed IDF and one BM25."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from features.vectorizers import pack_strings, unpack_strings

STOP_WORDS = frozenset(ENGLISH_STOP_WORDS)
STEM_LENGTH = 5  # truncation stemmer: reports/reported → repor
MAX_SENTENCES = 60  # body sentences considered (long bodies: the claim is addressed early)
MIN_SENTENCE_CHARS = 3  # shorter fragments ("A.", "2.") are not sentences
CHAR_GRAM = 4
BM25_K1, BM25_B = 1.2, 0.75  # Okapi BM25's usual term saturation and length normalisation

_TOKEN = re.compile(r"[a-z0-9]+")
_WORD = re.compile(r"[A-Za-z0-9]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """Lower-case alphanumeric tokens; apostrophes dropped (don't → dont)."""
    return _TOKEN.findall(str(text).lower().replace("'", "").replace("\u2019", ""))


def words(text: str) -> list[str]:
    """Alphanumeric words with their case kept (for names)."""
    return _WORD.findall(str(text))


def split_sentences(text: str, limit: int = MAX_SENTENCES) -> list[str]:
    """Sentences of a body (at most `limit`); a body with no sentence break is one sentence."""
    sentences = [s.strip() for s in _SENTENCE.split(str(text)) if len(s.strip()) >= MIN_SENTENCE_CHARS]
    return (sentences or [str(text)])[:limit]


def stem(token: str) -> str:
    """Truncation stemmer: vocabulary-free, so it behaves the same on words never seen in training."""
    return token[:STEM_LENGTH]


def all_stems(text: str) -> list[str]:
    return [stem(t) for t in tokenize(text)]


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry content (no stop words, no one-letter tokens)."""
    return [stem(t) for t in tokenize(text) if t not in STOP_WORDS and len(t) > 1]


def char_grams(text: str, n: int = CHAR_GRAM) -> set[str]:
    """Character n-grams of the lower-cased alphanumeric text, padded with spaces."""
    padded = " " + _NON_ALNUM.sub(" ", str(text).lower()).strip() + " "
    return {padded[i:i + n] for i in range(len(padded) - n + 1)}


def names_and_numbers(text: str) -> tuple[set[str], set[str]]:
    """Stems of capitalised words that do not start the text and are not stop words, and the numbers."""
    found = words(text)
    names = {stem(w.lower()) for j, w in enumerate(found)
             if j > 0 and not w.isdigit() and w[:1].isupper() and w.lower() not in STOP_WORDS}
    return names, {w for w in found if w.isdigit()}


def ngrams(tokens: Sequence[str], n: int) -> set[tuple[str, ...]]:
    """The set of contiguous n-token sequences."""
    return set(zip(*(tokens[k:] for k in range(n)), strict=False))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def smoothed_idf(document_frequency: np.ndarray | float, n_documents: int) -> np.ndarray | float:
    """IDF as scikit-learn smooths it: log((n + 1) / (df + 1)) + 1; an unseen term (df = 0) gets the maximum."""
    return np.log((n_documents + 1.0) / (np.asarray(document_frequency, dtype=float) + 1.0)) + 1.0


def bm25(terms: Sequence[str], weights: Sequence[float], counts: Counter[str] | dict[str, int], length: int,
         mean_length: float, k1: float = BM25_K1, b: float = BM25_B) -> float:
    """Okapi BM25 of one document for IDF-weighted query terms, divided by the query's total weight (so 0..k1+1).

    `length` is the document's token count and `mean_length` the mean over the training documents of its kind.
    """
    total = float(sum(weights))
    if total <= 0:
        return 0.0
    norm = k1 * (1.0 - b + b * max(length, 1) / mean_length)
    score = sum(w * counts[t] * (k1 + 1.0) / (counts[t] + norm) for t, w in zip(terms, weights, strict=True)
                if counts.get(t, 0))
    return score / total


class IdfMixin:
    """Training document frequencies of terms (tokens or stems), stored as flat arrays skops saves compactly."""

    def _fit_idf(self, documents: Iterable[Iterable[str]]) -> None:
        frequency: Counter[str] = Counter()
        n_documents = 0
        for terms in documents:
            frequency.update(set(terms))
            n_documents += 1
        terms = sorted(frequency)
        self.idf_terms_utf8_, self.idf_terms_offsets_ = pack_strings(terms)
        self.idf_ = smoothed_idf(np.array([frequency[t] for t in terms], dtype=float), n_documents)
        self.unseen_idf_ = float(smoothed_idf(0.0, n_documents))

    def _idf_table(self) -> dict[str, float]:
        """Term → IDF; look terms up with `.get(term, self.unseen_idf_)`."""
        terms = unpack_strings(self.idf_terms_utf8_, self.idf_terms_offsets_)
        return dict(zip(terms, self.idf_.tolist(), strict=True))
