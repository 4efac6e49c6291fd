"""The feature-builder registry and the fields every builder spec shares (columns, weight, cleaning)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator
from sklearn.base import TransformerMixin

from core.registry import Registry, Spec

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


class CleanSpec(Spec):
    """Text cleaning applied before a vectorizer (see `features.text.TextCleaner`)."""

    lowercase: bool = True
    urls: bool = Field(True, description="replace URLs with one token")
    emails: bool = Field(True, description="replace e-mail addresses with one token")
    numbers: bool = Field(False, description="replace numbers with one token")
    strip: list[Literal["dateline", "byline", "signoff"]] = Field(
        default_factory=list, description="named boilerplate patterns to remove (see features.text.BOILERPLATE)"
    )
    strip_patterns: list[str] = Field(
        default_factory=list, description="more regexes removed before vectorizing (outlet names, bylines...)"
    )

    @field_validator("strip_patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        from features.text import check_patterns

        return check_patterns(patterns)

    def patterns(self) -> tuple[str, ...]:
        """The named patterns followed by the user's own, in the order they are applied."""
        from features.text import BOILERPLATE

        return tuple(BOILERPLATE[name] for name in self.strip) + tuple(self.strip_patterns)


class BlockSpec(Spec):
    """Fields shared by every feature builder: which columns it reads and its weight in the union."""

    name: str
    columns: list[str] | None = Field(None, description="input columns this builder reads (default: all text)")
    weight: float = Field(1.0, gt=0, description="weight of this block in the feature union")


class FeatureSpec(BlockSpec):
    """A text builder: a block whose columns are joined and cleaned before vectorizing."""

    clean: CleanSpec = Field(default_factory=CleanSpec)
