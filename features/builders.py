"""The feature-builder registry and the fields every builder spec shares (columns, weight, cleaning)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from sklearn.base import TransformerMixin

from features.registry import CleanSpec, Registry, Spec

BUILDERS: Registry[TransformerMixin] = Registry("feature builder")


def _two_ints(value: Any) -> tuple[int, int]:
    if (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        low, high = value
        if not 1 <= low <= high:
            raise ValueError(f"expected two integers with 1 <= low <= high, got [{low}, {high}]")
        return (low, high)
    raise ValueError(f"expected two integers, got {json.dumps(value, default=str)}")


NgramRange = Annotated[tuple[int, int], BeforeValidator(_two_ints)]


class BlockSpec(Spec):
    """Fields shared by every feature builder: which columns it reads and its weight in the union."""

    name: str
    columns: list[str] | None = Field(None, description="input columns this builder reads (default: all text)")
    weight: float = Field(1.0, gt=0, description="weight of this block in the feature union")


class FeatureSpec(BlockSpec):
    """A text builder: a block whose columns are joined and cleaned before vectorizing."""

    clean: CleanSpec = Field(default_factory=CleanSpec)
