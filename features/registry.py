"""Name → builder registries: configs pick feature builders and models by registered name, never by import path."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from features.errors import ConfigError

T = TypeVar("T")


class Spec(BaseModel):
    """Base for every registered spec: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def closest(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """The valid name closest to a misspelt one, or None when nothing is close."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One registered component: its parameter schema, the function that builds it, and a one-line summary."""

    name: str
    schema: type[Spec]
    build: Callable[..., T]
    summary: str
    trusted_types: tuple[str, ...] = ()
    dense: bool = False


class Registry(Generic[T]):
    """A named allow-list of components; looking up an unknown name lists the valid ones."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}

    def register(
        self, name: str, schema: type[Spec], summary: str, trusted_types: tuple[type | str, ...] = (),
        dense: bool = False,
    ) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Register a builder; `trusted_types` are the non-default types its fitted objects may hold,
        which the safe model loader accepts (see `train.safe_load`); `dense` marks builders whose output
        is a small dense block (pair similarities), which tree models read on their own."""
        names = tuple(t if isinstance(t, str) else f"{t.__module__}.{t.__qualname__}" for t in trusted_types)

        def decorate(build: Callable[..., T]) -> Callable[..., T]:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = Entry(name, schema, build, summary, names, dense)
            return build

        return decorate

    def names(self) -> list[str]:
        return sorted(self._entries)

    def get(self, name: Any, where: str) -> Entry[T]:
        if isinstance(name, str) and name in self._entries:
            return self._entries[name]
        hint = closest(name, self.names()) if isinstance(name, str) else None
        maybe = f" (did you mean {hint!r}?)" if hint else ""
        raise ConfigError(f"{where}: unknown {self.kind} {name!r}{maybe}; valid names: {', '.join(self.names())}")

    def __iter__(self) -> Iterator[Entry[T]]:
        return iter(self._entries[name] for name in self.names())


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


def _describe(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 60 else text[:57] + "..."


def error_lines(exc: Any, prefix: list[str | int], schema: type[BaseModel] | None = None) -> list[str]:
    """Turn a pydantic ValidationError into one line per problem, each addressed by its key path."""
    from train.overrides import format_path

    lines = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        path = format_path(prefix + loc)
        kind, msg = err["type"], err["msg"]
        if kind == "extra_forbidden":
            owner = _owner_fields(schema, loc[:-1])
            hint = closest(str(loc[-1]), owner) if owner else None
            valid = f"did you mean '{hint}'?" if hint else f"valid keys: {', '.join(owner)}" if owner else ""
            lines.append(f"{path}: unknown key{'; ' + valid if valid else ''}")
        elif kind == "missing":
            lines.append(f"{path}: required key is missing")
        elif kind == "value_error":
            lines.append(f"{path}: {msg.removeprefix('Value error, ')}")
        elif kind.startswith("literal_error"):
            lines.append(f"{path}: {msg.replace('Input should be', 'expected')}, got {_describe(err['input'])}")
        else:
            lines.append(f"{path}: {msg.replace('Input should be', 'expected')}, got {_describe(err.get('input'))}")
    return lines


def _owner_fields(schema: type[BaseModel] | None, loc: list[Any]) -> list[str]:
    """Field names of the (nested) model that holds the key at `loc`, for 'did you mean' hints."""
    model = schema
    for part in loc:
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            return []
        annotation = model.model_fields[part].annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return sorted(model.model_fields) if model is not None else []


def validate_spec(schema: type[Spec], data: Any, prefix: list[str | int]) -> Spec:
    """Validate `data` against `schema`, raising ConfigError with one path-addressed line per problem."""
    from pydantic import ValidationError

    from train.overrides import format_path

    if not isinstance(data, dict):
        raise ConfigError(f"{format_path(prefix)}: expected a mapping, got {_describe(data)}")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        lines = error_lines(exc, prefix, schema)
        raise ConfigError(lines[0], lines=lines) from None
