"""Combine validated builder specs into one ColumnTransformer over named input columns."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from sklearn.compose import ColumnTransformer

import features
from core.errors import ConfigError
from core.schema import validate_spec
from features.builders import BUILDERS, BlockSpec


def _import_builder_modules() -> None:
    """Import every module of `features` so each registers its builders: a new builder family is a new module."""
    for module in pkgutil.walk_packages(features.__path__, "features."):
        importlib.import_module(module.name)


_import_builder_modules()


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

    Dense pair blocks come first (in config order), then the others: their widths are fixed, so the layout of
    the leading columns is known before fitting (`dense_layout`). `dense=True` makes the union return a dense
    array, for models that cannot take sparse input.
    """
    blocks, weights = [], {}
    for i, spec in sorted(enumerate(specs), key=lambda item: not BUILDERS.get(item[1].name, "features").dense_output):
        name = f"{i}_{spec.name}"
        columns = spec.columns or text_columns
        blocks.append((name, BUILDERS.get(spec.name, "features").build(spec, seed), list(columns)))
        weights[name] = spec.weight
    return ColumnTransformer(blocks, transformer_weights=weights, remainder="drop",
                             sparse_threshold=0.0 if dense else 0.3)


def dense_layout(specs: list[BlockSpec], seed: int = 0) -> tuple[tuple[str, int], ...]:
    """(builder name, width) of the dense blocks that lead the union's output, from the config alone.

    A dense builder's output features are fixed by its class, so nothing is fitted to know them."""
    layout = []
    for spec in specs:
        entry = BUILDERS.get(spec.name, "features")
        if entry.dense_output:
            layout.append((spec.name, len(entry.build(spec, seed).get_feature_names_out())))
    return tuple(layout)
