"""User-supplied regular expressions (boilerplate to strip, label words to mask): compiled once, checked early."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A pattern compiled case-insensitive and multi-line, as the text cleaner applies it."""
    return re.compile(pattern, flags=re.IGNORECASE | re.MULTILINE)


def check_patterns(patterns: list[str]) -> list[str]:
    """Return the patterns unchanged, raising ValueError naming the first one that does not compile."""
    for pattern in patterns:
        try:
            compile_pattern(pattern)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
    return patterns
