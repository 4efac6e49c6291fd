"""Bag-of-n-gram builders: word TF-IDF, character TF-IDF and feature hashing, each behind a text cleaner."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.pipeline import Pipeline

from features.builders import BUILDERS, FeatureSpec, NgramRange
from features.text import TextCleaner

DocFreq = int | float


def pack_strings(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Strings as UTF-8 bytes plus offsets: two flat arrays that skops stores as fast binary blobs.

    An all-ASCII list (most vocabularies) is encoded in one call, its byte offsets being its character offsets.
    """
    joined = "".join(strings)
    if joined.isascii():
        raw, lengths = joined.encode("ascii"), map(len, strings)
    else:
        encoded = [text.encode("utf-8") for text in strings]
        raw, lengths = b"".join(encoded), map(len, encoded)
    offsets = np.zeros(len(strings) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(lengths, dtype=np.int64, count=len(strings)), out=offsets[1:])
    return np.frombuffer(raw, dtype=np.uint8).copy(), offsets


def unpack_strings(data: np.ndarray, offsets: np.ndarray) -> list[str]:
    """The inverse of `pack_strings` (ASCII data is decoded once and sliced by character)."""
    raw, bounds = data.tobytes(), offsets.tolist()
    if raw.isascii():
        text = raw.decode("ascii")
        return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    return [raw[a:b].decode("utf-8") for a, b in zip(bounds, bounds[1:], strict=False)]


class CompactVocabularyMixin:
    """Serialize `vocabulary_` as flat arrays (packed terms and their indexes) instead of a dict.

    skops writes a dict entry by entry, each value with its own type record: a 15k-term vocabulary became an
    18 MB file taking 4 s to save. Flat numpy arrays are stored as binary .npy blobs, fast and compact.
    """

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()  # type: ignore[misc]
        vocabulary = state.get("vocabulary_")
        if not isinstance(vocabulary, dict):
            return state
        state = dict(state)
        state.pop("vocabulary_")
        state["vocabulary_utf8_"], state["vocabulary_offsets_"] = pack_strings(list(vocabulary))
        state["vocabulary_index_"] = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        if "vocabulary_utf8_" in state:
            terms = unpack_strings(state.pop("vocabulary_utf8_"), state.pop("vocabulary_offsets_"))
            state["vocabulary_"] = dict(zip(terms, state.pop("vocabulary_index_").tolist(), strict=True))
        super().__setstate__(state)  # type: ignore[misc]


class CompactTfidfVectorizer(CompactVocabularyMixin, TfidfVectorizer):
    """TfidfVectorizer whose fitted vocabulary serializes compactly (see CompactVocabularyMixin)."""


class _DocFreqSpec(FeatureSpec):
    min_df: DocFreq = Field(1, ge=0, description="ignore terms in fewer documents (int) or a smaller share (float)")
    max_df: DocFreq = Field(1.0, ge=0, description="ignore terms in more documents (int) or a larger share (float)")
    max_features: int | None = Field(None, gt=0, description="keep only the most frequent terms")
    sublinear_tf: bool = Field(True, description="use 1 + log(tf)")
    svd_components: int | None = Field(None, gt=0, description="project onto this many LSA components (SVD)")

    @model_validator(mode="after")
    def _check(self) -> _DocFreqSpec:
        for key in ("min_df", "max_df"):
            value = getattr(self, key)
            if isinstance(value, float) and value > 1.0:
                raise ValueError(f"{key} as a share must be in [0, 1], got {value} (use an integer for a count)")
        if type(self.min_df) is type(self.max_df) and self.min_df > self.max_df:
            raise ValueError(f"min_df ({self.min_df}) is larger than max_df ({self.max_df})")
        return self


class TfidfWordSpec(_DocFreqSpec):
    """Word n-gram TF-IDF."""

    ngram_range: NgramRange = (1, 2)
    stop_words: Literal["english"] | list[str] | None = None
    token_pattern: str = r"(?u)\b\w\w+\b"


class TfidfCharSpec(_DocFreqSpec):
    """Character n-gram TF-IDF (robust to spelling variants and inflection)."""

    ngram_range: NgramRange = (2, 5)
    analyzer: Literal["char_wb", "char"] = "char_wb"

    stop_words: None = Field(None, description="not supported: stop words apply to word n-grams only")

    @field_validator("stop_words", mode="before")
    @classmethod
    def _no_stop_words(cls, value: Any) -> None:
        if value is not None:
            raise ValueError("stop words apply to word n-grams only: remove it or use tfidf_word")
        return None


class HashingSpec(FeatureSpec):
    """Hashed n-grams: constant memory and no vocabulary, for corpora too large for TF-IDF vocabularies."""

    analyzer: Literal["word", "char_wb", "char"] = "word"
    ngram_range: NgramRange = (1, 2)
    n_features: int = Field(2**20, gt=0, le=2**26)
    tfidf: bool = Field(True, description="reweight hashed counts by inverse document frequency")
    sublinear_tf: bool = True
    stop_words: Literal["english"] | list[str] | None = None

    @model_validator(mode="after")
    def _check(self) -> HashingSpec:
        if self.stop_words is not None and self.analyzer != "word":
            raise ValueError(f"stop_words only apply to word n-grams, not analyzer '{self.analyzer}'")
        return self


def cleaner(spec: FeatureSpec) -> TextCleaner:
    """The text cleaner a spec asks for."""
    c = spec.clean
    return TextCleaner(c.lowercase, c.urls, c.emails, c.numbers, c.patterns())


def _with_svd(steps: list[tuple[str, Any]], spec: _DocFreqSpec, seed: int) -> Pipeline:
    if spec.svd_components:
        steps.append(("svd", TruncatedSVD(n_components=spec.svd_components, random_state=seed)))
    return Pipeline(steps)


_TRUSTED = (TextCleaner, CompactTfidfVectorizer)


def _tfidf(spec: _DocFreqSpec, seed: int, **analysis: Any) -> Pipeline:
    """Cleaner → TF-IDF with the spec's document-frequency settings (→ SVD when asked); `analysis` says how to
    cut the text into terms (word or character n-grams)."""
    vectorizer = CompactTfidfVectorizer(
        lowercase=spec.clean.lowercase,
        ngram_range=spec.ngram_range,
        min_df=spec.min_df,
        max_df=spec.max_df,
        max_features=spec.max_features,
        sublinear_tf=spec.sublinear_tf,
        dtype=np.float64,
        **analysis,
    )
    return _with_svd([("clean", cleaner(spec)), ("tfidf", vectorizer)], spec, seed)


@BUILDERS.register("tfidf_word", TfidfWordSpec, "word n-gram TF-IDF (optionally reduced with SVD)", _TRUSTED)
def build_tfidf_word(spec: TfidfWordSpec, seed: int) -> Pipeline:
    return _tfidf(spec, seed, stop_words=spec.stop_words, token_pattern=spec.token_pattern)


@BUILDERS.register("tfidf_char", TfidfCharSpec, "character n-gram TF-IDF (char_wb by default)", _TRUSTED)
def build_tfidf_char(spec: TfidfCharSpec, seed: int) -> Pipeline:
    return _tfidf(spec, seed, analyzer=spec.analyzer)


@BUILDERS.register(
    "hashing", HashingSpec, "hashed word or character n-grams (+ optional TF-IDF weighting)", (TextCleaner,)
)
def build_hashing(spec: HashingSpec, seed: int) -> Pipeline:
    vectorizer = HashingVectorizer(
        lowercase=spec.clean.lowercase,
        analyzer=spec.analyzer,
        ngram_range=spec.ngram_range,
        n_features=spec.n_features,
        alternate_sign=False,
        stop_words=spec.stop_words,
        norm=None if spec.tfidf else "l2",
    )
    steps: list[tuple[str, Any]] = [("clean", cleaner(spec)), ("hash", vectorizer)]
    if spec.tfidf:
        steps.append(("tfidf", TfidfTransformer(sublinear_tf=spec.sublinear_tf)))
    return Pipeline(steps)
