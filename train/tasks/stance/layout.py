"""The static column layout stance models read: named dense pair blocks first, then sparse "rest" columns."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

ALL_COLUMNS = "all"  # the block name when no layout is given: every column is one dense block


def block_columns(dense_blocks: tuple[tuple[str, int], ...] | None, n_columns: int,
                  names: tuple[str, ...] | None, parameter: str) -> tuple[np.ndarray, int]:
    """Column indexes of the dense blocks in `names` (all when None), and how many leading columns are dense.

    `parameter` names the model parameter that chose the blocks, for the error message."""
    blocks = dense_blocks if dense_blocks is not None else ((ALL_COLUMNS, n_columns),)
    if not blocks:
        raise ValueError("stance models need at least one dense feature block (a pair builder)")
    bounds = np.cumsum([0, *(width for _, width in blocks)])
    if bounds[-1] > n_columns:
        raise ValueError(f"dense_blocks describe {bounds[-1]} columns but X has {n_columns}")
    block_names = [name for name, _ in blocks]
    chosen = [k for k, name in enumerate(block_names) if names is None or name in names]
    if not chosen:
        raise ValueError(f"{parameter} {list(names or [])} match no dense feature block; dense blocks: {block_names}")
    return np.concatenate([np.arange(bounds[k], bounds[k + 1]) for k in chosen]), int(bounds[-1])


def dense_and_rest(X: Any, n_dense: int) -> tuple[np.ndarray, Any]:
    """The leading dense columns as a float array, and the remaining columns (sparse or dense) or None."""
    head = X[:, :n_dense]
    dense = np.asarray(head.toarray() if sp.issparse(head) else head, dtype=np.float64)
    rest = X[:, n_dense:] if X.shape[1] > n_dense else None
    return dense, rest


class DenseThenSparseInput:
    """Estimator mixin (put it first among the bases): the input may be sparse, as the sparse blocks (body style
    words) follow the dense columns."""

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.input_tags.sparse = True
        return tags
