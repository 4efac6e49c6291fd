"""Body style words: a vocabulary of words common across training bodies (hedges, attributions, denials) rather
than of claim topics, so it carries over to unseen stories."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from pydantic import Field
from sklearn.utils.validation import check_is_fitted

from features.builders import BUILDERS
from features.stance.base import PairSpec, PairTransformer, distinct_bodies, pair_columns
from features.vectorizers import CompactTfidfVectorizer


class BodyStyle(PairTransformer):
    """Sublinear TF-IDF of body words used in at least `min_df` of training bodies; each body is vectorized once."""

    def __init__(self, min_df: float = 0.05, max_ngram: int = 1) -> None:
        self.min_df = min_df
        self.max_ngram = max_ngram

    def fit(self, X: Any, y: Any = None) -> BodyStyle:
        _, bodies = pair_columns(X)
        self.vectorizer_ = CompactTfidfVectorizer(min_df=self.min_df, ngram_range=(1, self.max_ngram),
                                                  sublinear_tf=True, token_pattern=r"[a-z0-9']+", dtype=np.float32)
        self.vectorizer_.fit(np.unique(bodies))
        self.n_features_in_ = 2
        return self

    def transform(self, X: Any) -> sp.csr_matrix:
        _, bodies = self._check_input(X)
        distinct, inverse, _ = distinct_bodies(bodies)
        return self.vectorizer_.transform(distinct)[inverse].tocsr()

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self)
        return np.asarray([f"style_{t}" for t in self.vectorizer_.get_feature_names_out()], dtype=object)


class BodyStyleSpec(PairSpec):
    """Style words of the body (a vocabulary of words common across training bodies)."""

    min_df: float = Field(0.05, gt=0, le=1, description="share of training bodies a word must appear in")
    max_ngram: int = Field(1, ge=1, le=3)


@BUILDERS.register("body_style", BodyStyleSpec, "body style words (sparse TF-IDF over common words)",
                   (BodyStyle, CompactTfidfVectorizer))
def build_body_style(spec: BodyStyleSpec, seed: int) -> BodyStyle:
    return BodyStyle(spec.min_df, spec.max_ngram)
