"""Runs that say what they are: names after the config and what differs, a config-name tag, a short description.

In the MLflow UI a list of `whimsical-snake-222` runs cannot be read without opening each one; a name such as
`demo · C=2 · ngram=1-2` and a description (data, features, model, headline metrics) can.
"""

from __future__ import annotations

from typing import Any

from train.tracking import flatten

CONFIG_NAME_TAG = "secnews.config_name"
DESCRIPTION_TAG = "mlflow.note.content"
_SHORT = {"model.name": "model", "ngram_range": "ngram"}
_HEADLINE = ("fnc_score_pct", "macro_f1", "accuracy", "micro_f1", "samples_f1")


def config_name(config: Any) -> str:
    """The config file's stem (`demo` for configs/topic/demo.yaml); `adhoc` for configs built in memory."""
    return config.path.stem if config.path else "adhoc"


def format_value(value: Any) -> str:
    """A compact rendering for names: `[1, 2]` → `1-2`, `0.5` → `0.5`, `1e-05` stays short."""
    if isinstance(value, list | tuple) and all(isinstance(v, int | float) for v in value):
        return "-".join(format_value(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def short_labels(keys: list[str]) -> dict[str, str]:
    """Short labels for dotted keys: `model.params.C` → `C`, `features.0.ngram_range` → `ngram`.

    A short label shared by two keys falls back to the full key, so a name never hides which block changed.
    """
    def short(key: str) -> str:
        return _SHORT.get(key) or _SHORT.get(key.rsplit(".", 1)[-1]) or key.rsplit(".", 1)[-1]

    labels = {key: short(key) for key in keys}
    taken = list(labels.values())
    return {key: (label if taken.count(label) == 1 else key) for key, label in labels.items()}


def describe_changes(changes: dict[str, Any]) -> str:
    """`C=2 · ngram=1-2` for a mapping of dotted keys to values (empty string when nothing changed)."""
    labels = short_labels(list(changes))
    return " · ".join(f"{labels[key]}={format_value(value)}" for key, value in changes.items())


def differences(base: dict[str, Any], resolved: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys whose value in `resolved` differs from `base` (tracking settings ignored: they name nothing)."""
    before, after = flatten(base), flatten(resolved)
    return {key: _plain(resolved, key) for key, value in after.items()
            if before.get(key) != value and not key.startswith("tracking.")}


def _plain(node: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def overrides_of(config: Any) -> dict[str, Any]:
    """What this config changes relative to its file as written (command-line --set overrides), else {}."""
    if config.path is None:
        return {}
    from core.errors import ConfigError
    from train.config import as_written, load_config, resolved_dict

    written = as_written(config)
    if written is None:  # built from data (a sweep trial), not by load_config: read the file as written
        try:
            written = load_config(config.path)
        except (ConfigError, OSError):
            return {}
    return differences(resolved_dict(written), resolved_dict(config))


def run_name(config: Any) -> str:
    """The config's own `tracking.run_name`, else `<config name> · <what differs from the file>`."""
    if config.tracking.run_name:
        return config.tracking.run_name
    changes = describe_changes(overrides_of(config))
    return " · ".join(filter(None, [config_name(config), changes]))


def params(resolved: dict[str, Any]) -> dict[str, str]:
    """The resolved config as flat MLflow params, minus the run's own name and tags (logged as its name and tags;
    as params they would differ between every two runs and crowd the UI's compare view)."""
    return {key: value for key, value in flatten(resolved).items()
            if not key.startswith(("tracking.tags.", "tracking.run_name"))}


def tags(config: Any) -> dict[str, str]:
    """Tags that let the UI group runs by config."""
    return {CONFIG_NAME_TAG: config_name(config)}


def _features(config: Any) -> str:
    parts = []
    for spec in config.feature_specs:
        ngram = getattr(spec, "ngram_range", None)
        parts.append(f"{spec.name}" + (f" ({format_value(list(ngram))})" if ngram else ""))
    return ", ".join(parts)


def _model(config: Any) -> str:
    params = ", ".join(f"{k}={format_value(v)}" for k, v in config.model.params.items())
    extra = [params] if params else []
    if config.model.class_weight:
        weight = config.model.class_weight
        extra.append(f"class_weight={weight if isinstance(weight, str) else 'custom'}")
    if config.model.calibrated:
        extra.append("calibrated")
    return config.model.name + (f" ({'; '.join(extra)})" if extra else "")


def describe(config: Any, data: Any, metrics: dict[str, float], split: str = "test") -> str:
    """A short Markdown description of a run: data, features, model, headline metrics and the split they are on."""
    return describe_rows(config, len(data.train), len(data.test), data.sources.get("train", ""), metrics, split)


def describe_rows(config: Any, train_rows: int, scored_rows: int, source: str, metrics: dict[str, float],
                  split: str = "test") -> str:
    """`describe` from row counts, for runs that never hold their data in memory (streaming)."""
    prefix = "dev_" if split == "dev" else ""
    headline = [f"{key} {metrics[prefix + key]:.4f}" for key in _HEADLINE if prefix + key in metrics]
    rows = f"{config.task}, {train_rows} training rows, {scored_rows} {split} rows"
    lines = [
        f"**{config_name(config)}** — {config.task} classifier",
        f"- data: {rows}" + (f" ({source})" if source else ""),
        f"- features: {_features(config)}",
        f"- model: {_model(config)}",
        f"- {split} metrics: {', '.join(headline) if headline else 'none'}",
    ]
    if split == "dev":
        lines.append("- scored on a dev part carved from the training split; the test split was not read")
    return "\n".join(lines)
