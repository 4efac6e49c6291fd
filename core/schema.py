"""Key paths as users write them (`features[1].ngram_range`) and pydantic errors as one line per bad key."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from core.errors import ConfigError
from core.registry import Spec, closest

KeyPath = list[str | int] | tuple[str | int, ...]


def format_path(tokens: KeyPath) -> str:
    """Render key path tokens the way users write them: `features[1].ngram_range`."""
    out = ""
    for token in tokens:
        out += f"[{token}]" if isinstance(token, int) else (f".{token}" if out else str(token))
    return out


def describe(value: Any) -> str:
    """A short rendering of a bad value for an error line."""
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 60 else text[:57] + "..."


def error_lines(exc: ValidationError, prefix: KeyPath, schema: type[BaseModel] | None = None) -> list[str]:
    """Turn a pydantic ValidationError into one line per problem, each addressed by its key path."""
    lines = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        path = format_path([*prefix, *loc])
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
        else:
            lines.append(f"{path}: {msg.replace('Input should be', 'expected')}, got {describe(err.get('input'))}")
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


def validate_spec(schema: type[Spec], data: Any, prefix: KeyPath) -> Spec:
    """Validate `data` against `schema`, raising ConfigError with one path-addressed line per problem."""
    if not isinstance(data, dict):
        raise ConfigError(f"{format_path(prefix)}: expected a mapping, got {describe(data)}")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        lines = error_lines(exc, prefix, schema)
        raise ConfigError(lines[0], lines=lines) from None
