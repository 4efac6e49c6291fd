"""Checks of a config against the prepared data, run before a run starts: what would otherwise fail mid-fit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral
from typing import Any

from core.errors import ConfigError
from features.data import Prepared, dev_split


def fit_rows(config: Any, data: Prepared) -> int:
    """The fewest documents any fit of this run sees: the training split, or its dev-fit part when tuning."""
    rows = len(data.train)
    if config.eval.dev_split:
        rows = min(rows, len(dev_split(data, config.data.split.dev_size, config.seed,
                                         config.task_component).train))
    return rows


def _documents(value: float, rows: int) -> float:
    """Documents a min_df/max_df value stands for: an int is a count, a float a share of the documents."""
    return float(value) if isinstance(value, Integral) else float(value) * rows


def check_document_frequencies(specs: list[Any], rows: int) -> None:
    """A vectorizer whose min_df asks for more documents than max_df (or the data) allows learns nothing."""
    for i, spec in enumerate(specs):
        min_df, max_df = getattr(spec, "min_df", None), getattr(spec, "max_df", None)
        if min_df is None or max_df is None:
            continue
        low, high = _documents(min_df, rows), _documents(max_df, rows)
        if low > min(high, rows):
            raise ConfigError(
                f"features[{i}].min_df: {min_df} asks for terms in at least {low:g} documents, but the fit sees "
                f"{rows} documents and max_df {max_df} allows at most {min(high, rows):g}; lower min_df"
            )


def check_fit_data(config: Any, data: Prepared) -> None:
    """Everything about the config that can only be checked once the data is known."""
    try:
        check_document_frequencies(config.feature_specs, fit_rows(config, data))
    except ConfigError as exc:
        if config.path is None:
            raise
        raise ConfigError(f"{config.path}: {exc.lines[0]}") from None


VOCABULARY_FAILURES = ("no terms remain", "empty vocabulary", "corresponds to < documents than min_df")


@contextmanager
def vocabulary_errors(specs: list[Any]) -> Iterator[None]:
    """A vectorizer that keeps no term (min_df/max_df prune everything, or only stop words) is a config error
    naming the document-frequency keys, not an unexpected ValueError."""
    try:
        yield
    except ValueError as exc:
        if not any(text in str(exc) for text in VOCABULARY_FAILURES):
            raise
        keys = [f"features[{i}].min_df" for i, spec in enumerate(specs) if getattr(spec, "min_df", None) is not None]
        where = " or ".join(keys) or "features"
        raise ConfigError(f"{where}: the vectorizer kept no term ({str(exc).rstrip('.')}); lower min_df or raise "
                          "max_df") from None
