"""Name → component registries: configs pick builders, estimators and tasks by registered name, never by import path."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from core.errors import ConfigError

T = TypeVar("T")


class Spec(BaseModel):
    """Base for every registered spec: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def closest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The valid name closest to a misspelt one, or None when nothing is close."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def type_name(kind: type | str) -> str:
    """`module.QualName` of a type (strings pass through): the form skops lists untrusted types in."""
    return kind if isinstance(kind, str) else f"{kind.__module__}.{kind.__qualname__}"


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One registered component and the facts the corridor needs about it.

    `trusted_types` are the non-default types its fitted objects may hold (the safe model loader accepts exactly
    these); `defaults` are constructor arguments secnews sets unless the config does; `dense_output` marks feature
    builders that emit a small dense block; `dense_input` marks estimators whose fit rejects sparse matrices;
    `check_config` returns the config lines a whole config breaks by using this component (cross-section rules;
    estimators and feature builders).
    """

    name: str
    schema: type[Spec]
    build: Callable[..., T]
    summary: str
    trusted_types: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    dense_output: bool = False
    dense_input: bool = False
    check_config: Callable[[Any], list[str]] | None = None


class Registry(Generic[T]):
    """A named allow-list of components; looking up an unknown name lists the valid ones."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}

    def register(self, name: str, schema: type[Spec], summary: str, trusted_types: tuple[type | str, ...] = (),
                 **facts: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator registering `build` under `name`; `facts` are the other `Entry` fields."""

        def decorate(build: Callable[..., T]) -> Callable[..., T]:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            trusted = tuple(type_name(t) for t in trusted_types)
            self._entries[name] = Entry(name, schema, build, summary, trusted, **facts)
            return build

        return decorate

    def names(self) -> list[str]:
        return sorted(self._entries)

    def get(self, name: Any, where: str) -> Entry[T]:
        """The entry for `name`; an unknown name is a ConfigError at `where` listing the valid names."""
        if isinstance(name, str) and name in self._entries:
            return self._entries[name]
        hint = closest(name, self.names()) if isinstance(name, str) else None
        maybe = f" (did you mean {hint!r}?)" if hint else ""
        raise ConfigError(f"{where}: unknown {self.kind} {name!r}{maybe}; valid names: {', '.join(self.names())}")

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[Entry[T]]:
        return iter(self._entries[name] for name in self.names())
