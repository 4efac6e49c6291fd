"""Dotted command-line overrides (`model.params.C=2`, `features[0].max_df=0.5`) applied to a raw config dict."""

from __future__ import annotations

import re
from typing import Any

import yaml

from core.errors import ConfigError
from core.schema import format_path

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_\-]*)|\[(\d+)\]")


class YamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader, plus YAML 1.2 exponent floats (`1e-3`, `1.5e2`) that YAML 1.1 reads as strings."""


YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)


def load_yaml(text: str) -> Any:
    """Read YAML text (a config file or an override value) with `YamlLoader`."""
    return yaml.load(text, Loader=YamlLoader)


def parse_path(path: str) -> list[str | int]:
    """Split `a.b[0].c` into `["a", "b", 0, "c"]`; raise ConfigError on anything else."""
    tokens: list[str | int] = []
    pos = 0
    while pos < len(path):
        if tokens and path[pos] == "." and not path.startswith("[", pos + 1):
            pos += 1
        match = _TOKEN.match(path, pos)
        if not match:
            raise ConfigError(f"--set {path}: cannot read the key path at {path[pos:]!r}")
        tokens.append(match.group(1) if match.group(1) else int(match.group(2)))
        pos = match.end()
    if not tokens or not isinstance(tokens[0], str):
        raise ConfigError(f"--set {path}: a key path must start with a key name")
    return tokens


def parse_override(text: str) -> tuple[list[str | int], Any]:
    """Parse `path=value`; the value is read as a YAML scalar or flow collection (`2`, `true`, `[1, 2]`)."""
    if "=" not in text:
        raise ConfigError(f"--set {text}: expected KEY=VALUE, e.g. model.params.C=2")
    path, raw = text.split("=", 1)
    try:
        value = load_yaml(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return parse_path(path.strip()), value


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Set each override in `raw` (in place), creating mappings as needed; list indexes must exist."""
    for text in overrides:
        tokens, value = parse_override(text)
        node: Any = raw
        for depth, token in enumerate(tokens):
            last = depth == len(tokens) - 1
            where = format_path(tokens[: depth + 1])
            if isinstance(token, int):
                if not isinstance(node, list) or token >= len(node):
                    size = len(node) if isinstance(node, list) else 0
                    raise ConfigError(f"--set {text}: {where} does not exist (the list has {size} items)")
                if last:
                    node[token] = value
                else:
                    node = node[token]
                continue
            if not isinstance(node, dict):
                raise ConfigError(f"--set {text}: {format_path(tokens[:depth])} is not a mapping")
            if last:
                node[token] = value
            else:
                if node.get(token) is None:
                    node[token] = [] if isinstance(tokens[depth + 1], int) else {}
                node = node[token]
    return raw
