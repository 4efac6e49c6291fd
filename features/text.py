"""Text cleaning: join named columns, lowercase, normalise URLs/e-mails/numbers and strip boilerplate.

Boilerplate (outlet names, bylines, datelines) lets a model learn the source instead of the topic, so the
cleaner removes it with user-supplied regexes before any vectorizer sees the text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from core.patterns import check_patterns, compile_pattern

_URL = r"(?:https?://|www\.)\S+"
_EMAIL = r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]+"  # the lookbehind keeps a 100k-char token linear, not quadratic
_NUMBER = r"(?<![\w])[-+]?\d[\d,.]*(?![\w])"

# Named boilerplate patterns for `clean.strip`: wire-style datelines, bylines and sign-offs all name the outlet.
BOILERPLATE: dict[str, str] = {
    "dateline": r"^[A-Z][A-Z .]+(, [A-Z][a-z]+ \d{1,2})? \([^)]*\) ?[-–—]\s*",
    "byline": r"^By [A-Z][\w'.-]*( [A-Z][\w'.-]*){1,3}, [^\n,.]+?( [-–—] |\n)",
    "signoff": r"\(Reporting by [^)]*\)|[-–—] (Reporting by [^\n]+|[A-Z][\w ]+ staff)\s*$",
}


def join_columns(X: object, separator: str = "\n") -> list[str]:
    """Turn a DataFrame of text columns (or a 1-D sequence of texts) into one string per row."""
    if isinstance(X, pd.DataFrame):
        frame = X.fillna("").astype(str)
        if frame.shape[1] == 1:
            return frame.iloc[:, 0].tolist()
        return frame.agg(separator.join, axis=1).tolist()
    if isinstance(X, pd.Series):
        return X.fillna("").astype(str).tolist()
    array = np.asarray(X, dtype=object)
    if array.ndim == 2:
        return [separator.join("" if v is None else str(v) for v in row) for row in array]
    return ["" if v is None else str(v) for v in array]


class TextCleaner(TransformerMixin, BaseEstimator):
    """Stateless cleaner: joins columns, strips boilerplate regexes, normalises URLs, e-mails and numbers."""

    def __init__(
        self,
        lowercase: bool = True,
        urls: bool = True,
        emails: bool = True,
        numbers: bool = False,
        strip_patterns: tuple[str, ...] = (),
        separator: str = "\n",
    ) -> None:
        self.lowercase = lowercase
        self.urls = urls
        self.emails = emails
        self.numbers = numbers
        self.strip_patterns = strip_patterns
        self.separator = separator

    def fit(self, X: object, y: object = None) -> TextCleaner:
        check_patterns(list(self.strip_patterns))
        self.n_features_in_ = X.shape[1] if isinstance(X, pd.DataFrame) else 1
        return self

    def clean(self, text: str) -> str:
        """Clean one string (the same steps `transform` applies to every row)."""
        for pattern in self.strip_patterns:
            text = compile_pattern(pattern).sub(" ", text)
        if self.urls:
            text = compile_pattern(_URL).sub(" URLTOKEN ", text)
        if self.emails:
            text = compile_pattern(_EMAIL).sub(" EMAILTOKEN ", text)
        if self.numbers:
            text = compile_pattern(_NUMBER).sub(" NUMTOKEN ", text)
        return text.lower() if self.lowercase else text

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        return np.asarray([self.clean(t) for t in join_columns(X, self.separator)], dtype=object)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray(["text"], dtype=object)

    def __sklearn_tags__(self) -> object:
        """Text in, text out (like scikit-learn's own vectorizers): numeric-array checks do not apply."""
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.transformer_tags.preserves_dtype = []
        return tags
