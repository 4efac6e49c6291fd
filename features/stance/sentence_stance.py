"""What the claim-aligned body sentences say, read by a model learned from them: a sentence-level stance classifier
(word uni- and bigrams, the claim's own words replaced by one token and negated words marked) trained on the
top-aligned sentences of the training pairs, each sentence labelled with its pair's stance. A pair's features are
the classifier's agree / disagree / discuss probabilities over its aligned sentences (max, mean, best-aligned).

The classifier sees the labels, so its features for the training pairs are cross-fitted: `fit_transform` gives each
training pair probabilities from a classifier fit on other stories only (claims and bodies joined by related pairs,
as the cascade's folds), like scikit-learn's TargetEncoder; `transform` uses the classifier fit on all of them."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from features.builders import BUILDERS
from features.stance.base import PairSpec, PairTransformer, pair_columns, training_texts
from features.stance.evidence import in_negation_scope
from features.stance.labels import RELATED as STANCES
from features.stance.labels import STANCE_LABELS, UNRELATED
from features.stance.stories import story_groups
from features.stance.text import IdfMixin, all_stems, content_stems, split_sentences, stem, tokenize

AGGREGATES = ("max", "mean", "best")
CLAIM_TOKEN = "CLAIMWORD"  # a body word whose stem is one of the claim's: what matters is that it is the claim's
NEGATED = "not_"


def marked_sentence(text: str, claim_stems: set[str]) -> str:
    """The sentence's tokens with the claim's words replaced by CLAIM_TOKEN and the words in a negation's scope
    prefixed (`did not CLAIMWORD` → `did not not_CLAIMWORD`), so one vocabulary serves every story."""
    tokens = tokenize(text)
    marked = []
    for token, negated in zip(tokens, in_negation_scope(tokens), strict=True):
        word = CLAIM_TOKEN if stem(token) in claim_stems else token
        marked.append(NEGATED + word if negated else word)
    return " ".join(marked)


class SentenceStanceFeatures(IdfMixin, PairTransformer):
    """Stance probabilities of the claim-aligned body sentences from a cross-fitted sentence classifier (see the
    module docstring). Fitting needs the stance labels (agree, disagree, discuss, unrelated)."""

    feature_names = tuple(f"sentence_{aggregate}_{stance}" for aggregate in AGGREGATES for stance in STANCES)

    def __init__(self, top_sentences: int = 3, folds: int = 5, C: float = 1.0, min_df: int = 3) -> None:
        self.top_sentences = top_sentences
        self.folds = folds
        self.C = C
        self.min_df = min_df

    def fit(self, X: Any, y: Any = None) -> SentenceStanceFeatures:
        """Fit the sentence classifier on every related training pair (no cross-fitting: `transform` only)."""
        labels = self._fit_tables(X, y)
        sentences = self._aligned_sentences(X)
        self.classifier_ = self._fit_classifier(sentences, labels, np.arange(len(labels)))
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """Fit as `fit`, and give each training pair the probabilities of a classifier that never saw its story."""
        labels = self._fit_tables(X, y)
        sentences = self._aligned_sentences(X)
        claims, bodies = pair_columns(X)
        stories = story_groups(claims, bodies, labels != UNRELATED)
        values = np.zeros((len(labels), len(self.feature_names)), dtype=np.float32)
        n_folds = min(self.folds, len(np.unique(stories)))
        if n_folds >= 2:  # with one story there is nothing to hold out: its pairs keep zeros (no evidence)
            for fit_rows, held_rows in GroupKFold(n_folds).split(sentences, labels, stories):
                classifier = self._fit_classifier(sentences, labels, fit_rows)
                values[held_rows] = self._probabilities(classifier, [sentences[i] for i in held_rows])
        self.classifier_ = self._fit_classifier(sentences, labels, np.arange(len(labels)))
        return values

    def transform(self, X: Any) -> np.ndarray:
        self._check_input(X)
        return self._probabilities(self.classifier_, self._aligned_sentences(X))

    def _fit_tables(self, X: Any, y: Any) -> np.ndarray:
        """Check the labels and fit the claim-word IDF that ranks sentences; the labels as an object array."""
        if y is None:
            raise ValueError(f"{type(self).__name__} learns from the stance labels: fit it with y")
        labels = np.asarray(y, dtype=object)
        unknown = sorted(set(labels) - set(STANCE_LABELS), key=str)
        if unknown:
            raise ValueError(f"{type(self).__name__} expects the labels {', '.join(STANCE_LABELS)}; "
                             f"got {', '.join(map(str, unknown))}")
        self._fit_idf(all_stems(text) for text in training_texts(X))
        self.n_features_in_ = 2
        return labels

    def _aligned_sentences(self, X: Any) -> list[list[str]]:
        """Each pair's `top_sentences` body sentences holding most of the claim's IDF weight, marked, best first."""
        claims, bodies = pair_columns(X)
        idf = self._idf_table()
        body_sentences: dict[str, list[tuple[str, set[str]]]] = {}
        aligned = []
        for claim, body in zip(claims, bodies, strict=True):
            if body not in body_sentences:
                body_sentences[body] = [(s, set(all_stems(s))) for s in split_sentences(body)]
            sentences = body_sentences[body]
            stems = list(dict.fromkeys(content_stems(claim)))
            weights = np.array([idf.get(t, self.unseen_idf_) for t in stems])
            coverage = np.array([weights @ np.array([t in sentence_stems for t in stems], dtype=float)
                                 for _, sentence_stems in sentences])
            best = np.argsort(-coverage, kind="stable")[: self.top_sentences]
            aligned.append([marked_sentence(sentences[j][0], set(stems)) for j in best])
        return aligned

    def _fit_classifier(self, sentences: list[list[str]], labels: np.ndarray,
                        rows: np.ndarray) -> tuple[TfidfVectorizer, LogisticRegression] | None:
        """Vocabulary and classifier of the aligned sentences of the related pairs among `rows`; None when those
        hold fewer than two stances or no word in `min_df` sentences (the pairs then get zeros)."""
        related = [i for i in rows if labels[i] != UNRELATED]
        texts = [text for i in related for text in sentences[i]]
        targets = [labels[i] for i in related for _ in sentences[i]]
        if len(set(targets)) < 2:
            return None
        vectorizer = TfidfVectorizer(token_pattern=r"\S+", ngram_range=(1, 2), min_df=self.min_df,
                                     sublinear_tf=True, lowercase=False)
        try:
            matrix = vectorizer.fit_transform(texts)
        except ValueError:  # no term in min_df sentences
            return None
        classifier = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000)
        return vectorizer, classifier.fit(matrix, targets)

    def _probabilities(self, fitted: tuple[TfidfVectorizer, LogisticRegression] | None,
                       sentences: list[list[str]]) -> np.ndarray:
        """Per pair: max, mean and best-aligned sentence probability of each stance (zeros without a classifier)."""
        values = np.zeros((len(sentences), len(self.feature_names)), dtype=np.float32)
        texts = [text for pair in sentences for text in pair]
        if fitted is None or not texts:
            return values
        vectorizer, classifier = fitted
        known = list(classifier.classes_)
        predicted = classifier.predict_proba(vectorizer.transform(texts))
        probabilities = np.zeros((len(texts), len(STANCES)))
        for j, stance in enumerate(STANCES):
            if stance in known:  # a fold's classifier may lack a stance its stories never took
                probabilities[:, j] = predicted[:, known.index(stance)]
        start = 0
        for i, pair in enumerate(sentences):
            p = probabilities[start:start + len(pair)]
            start += len(pair)
            if len(pair):
                values[i] = np.concatenate([p.max(axis=0), p.mean(axis=0), p[0]])
        return values


class SentenceStanceSpec(PairSpec):
    """A sentence-level stance classifier over the claim-aligned body sentences, cross-fitted by story."""

    top_sentences: int = Field(3, gt=0, description="aligned body sentences read per pair")
    folds: int = Field(5, ge=2, description="story-grouped folds that cross-fit the training pairs' features")
    C: float = Field(1.0, gt=0, description="inverse regularisation of the sentence classifier")
    min_df: int = Field(3, ge=1, description="sentences a word or bigram must occur in")


def check_stance_task(config: Any) -> list[str]:
    """The builder learns from stance labels, so only a stance config can use it (a config-wide rule)."""
    if config.task == "stance":
        return []
    return [f"features[{i}].name: sentence_stance learns from the stance labels; use it with task: stance"
            for i, spec in enumerate(config.feature_specs) if spec.name == "sentence_stance"]


@BUILDERS.register("sentence_stance", SentenceStanceSpec,
                   "stance probabilities of the claim-aligned sentences, cross-fitted sentence classifier (dense)",
                   (SentenceStanceFeatures,), dense_output=True, check_config=check_stance_task)
def build_sentence_stance(spec: SentenceStanceSpec, seed: int) -> SentenceStanceFeatures:
    return SentenceStanceFeatures(spec.top_sentences, spec.folds, spec.C, spec.min_df)
