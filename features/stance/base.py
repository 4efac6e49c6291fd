"""What every pair builder shares: reading (claim, body) columns, grouping rows by body, named output columns,
and the spec that checks a builder reads exactly two columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pydantic import field_validator
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from features.builders import BlockSpec

NOT_APPLICABLE = -1.0  # a ratio whose denominator is empty (no names in the claim, no content words...)


def pair_columns(X: Any) -> tuple[np.ndarray, np.ndarray]:
    """Claims and bodies as object arrays from a two-column DataFrame (or array): claim first, body second."""
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=object))
    if frame.ndim != 2 or frame.shape[1] != 2:
        raise ValueError(f"pair features need exactly two columns (claim, body), got {frame.shape[1]}")
    claims = frame.iloc[:, 0].fillna("").astype(str).to_numpy(dtype=object)
    bodies = frame.iloc[:, 1].fillna("").astype(str).to_numpy(dtype=object)
    return claims, bodies


def distinct_bodies(bodies: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Distinct bodies, each row's index into them, and the rows of each distinct body."""
    inverse, uniques = pd.factorize(pd.Series(bodies), sort=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(uniques) + 1))
    rows = [order[bounds[i]:bounds[i + 1]] for i in range(len(uniques))]
    return np.asarray(uniques, dtype=object), np.asarray(inverse), rows


def training_texts(X: Any) -> list[str]:
    """Distinct claims then distinct bodies: each text counts once for document frequencies."""
    claims, bodies = pair_columns(X)
    return list(np.unique(claims)) + list(np.unique(bodies))


def row_cosine(A: Any, B: Any) -> np.ndarray:
    """Cosine of matching rows of two L2-normalised matrices (sparse or dense)."""
    if sp.issparse(A):
        return np.asarray(A.multiply(B).sum(axis=1)).ravel()
    return np.einsum("ij,ij->i", A, B)


class FeatureTable:
    """A float32 (rows × features) array whose columns are written by feature name, never by position."""

    def __init__(self, names: Sequence[str], n_rows: int) -> None:
        self.index = {name: j for j, name in enumerate(names)}
        if len(self.index) != len(names):
            raise ValueError("feature names must be unique")
        self.values = np.zeros((n_rows, len(names)), dtype=np.float32)

    def __setitem__(self, key: tuple[Any, str], value: Any) -> None:
        rows, name = key
        self.values[rows, self.index[name]] = value

    def __getitem__(self, key: tuple[Any, str]) -> np.ndarray:
        rows, name = key
        return self.values[rows, self.index[name]]

    def put(self, row: int, values: Mapping[str, float]) -> None:
        """Write several named values of one row."""
        for name, value in values.items():
            self.values[row, self.index[name]] = value


class PairTransformer(TransformerMixin, BaseEstimator):
    """A transformer over (claim, body) pairs with a fixed list of output features, known before fitting.

    The dense pair builders' widths are static, so a union's layout can be described from the config alone.
    """

    feature_names: tuple[str, ...] = ()

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(self.feature_names, dtype=object)

    def _check_input(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self)
        return pair_columns(X)

    def _pairs_by_body(self, X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
        """Claims, the distinct bodies, each row's body index and each body's rows: a body is processed once."""
        claims, bodies = self._check_input(X)
        return (claims, *distinct_bodies(bodies))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        return tags


class PairSpec(BlockSpec):
    """A pair builder reads two columns: the claim/headline first, the body second (default: the text columns)."""

    @field_validator("columns")
    @classmethod
    def _two(cls, columns: list[str] | None) -> list[str] | None:
        if columns is not None and len(columns) != 2:
            raise ValueError(f"expected two columns (claim, body), got {len(columns)}")
        return columns
