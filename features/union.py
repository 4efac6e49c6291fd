"""Combine validated builder specs into one ColumnTransformer over named input columns."""

from __future__ import annotations

from typing import Any

from sklearn.compose import ColumnTransformer

import features.fast_hashing  # noqa: F401  (registers the batch hashing builder)
import features.pairs  # noqa: F401  (registers the pair builders)
import features.vectorizers  # noqa: F401  (registers the vectorizer builders)
from features.builders import BUILDERS, BlockSpec
from features.errors import ConfigError
from features.registry import validate_spec


def parse_specs(raw_specs: Any, where: str = "features") -> list[BlockSpec]:
    """Validate a list of builder specs; each is checked against its registered builder's own schema."""
    if not isinstance(raw_specs, list) or not raw_specs:
        raise ConfigError(f"{where}: expected a non-empty list of feature builders")
    specs, lines = [], []
    for i, raw in enumerate(raw_specs):
        try:
            if not isinstance(raw, dict) or "name" not in raw:
                raise ConfigError(f"{where}[{i}].name: required key is missing")
            entry = BUILDERS.get(raw["name"], f"{where}[{i}].name")
            specs.append(validate_spec(entry.schema, raw, [where, i]))
        except ConfigError as exc:
            lines.extend(exc.lines)
    if lines:
        raise ConfigError(lines[0], lines=lines)
    return specs  # type: ignore[return-value]


def build_features(specs: list[BlockSpec], text_columns: list[str], seed: int,
                   dense: bool = False) -> ColumnTransformer:
    """One transformer for all specs; each block reads its own columns, blocks are weighted and stacked.

    `dense=True` makes the union return a dense array, for models that cannot take sparse input.
    """
    blocks, weights = [], {}
    for i, spec in enumerate(specs):
        name = f"{i}_{spec.name}"
        columns = spec.columns or text_columns
        blocks.append((name, BUILDERS.get(spec.name, "features").build(spec, seed), list(columns)))
        weights[name] = spec.weight
    return ColumnTransformer(blocks, transformer_weights=weights, remainder="drop",
                             sparse_threshold=0.0 if dense else 0.3)


def column_blocks(features: ColumnTransformer, specs: list[BlockSpec]) -> tuple[tuple[str, int, int, bool], ...]:
    """(builder name, start, stop, dense) of each block of a fitted union's output, in column order."""
    blocks = []
    for i, spec in enumerate(specs):
        block = features.output_indices_[f"{i}_{spec.name}"]
        dense = BUILDERS.get(spec.name, "features").dense
        blocks.append((spec.name, int(block.start), int(block.stop), dense))
    return tuple(blocks)
