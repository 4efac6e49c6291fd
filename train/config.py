"""The experiment config: YAML → typed pydantic schema, with ${ENV} interpolation, overrides and path errors."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from features.builders import BUILDERS, BlockSpec
from features.errors import ConfigError
from features.registry import Spec, error_lines
from features.union import parse_specs
from train.models import MODELS, ModelSpec
from train.overrides import apply_overrides, format_path, load_yaml

Task = Literal["topic", "stance"]
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_PATH_KEYS = ("train", "test", "train_bodies", "test_bodies", "saved", "label_set")


class HubSpec(Spec):
    """A dataset on the Hugging Face Hub (needs network unless it is already in the local cache)."""

    name: str
    subset: str | None = None
    revision: str | None = Field(None, description="a tag, branch or commit; pin it for reproducible runs")
    train_split: str = "train"
    test_split: str | None = "test"


class SplitSpec(Spec):
    """How the held-out test set is made when the data does not come with one."""

    method: Literal["auto", "given", "stratified", "grouped", "random"] = Field(
        "auto", description="auto: given when split_column is set (or data is the demo), else grouped when "
        "group_column is set, else stratified"
    )
    test_size: float = Field(0.2, gt=0, lt=1)
    split_column: str | None = Field(None, description="a column holding 'train'/'test' per row")
    group_column: str | None = Field(None, description="rows sharing this value stay on one side")
    dev_size: float = Field(0.2, gt=0, lt=1, description="share of training groups held out as dev (stance)")


class DataSpec(Spec):
    """`data:` section: where the labelled rows come from, which columns they use, and how they are checked."""

    demo: Literal["topic", "stance"] | None = Field(None, description="the embedded demo corpus")
    train: str | None = Field(None, description="training file or glob (csv, tsv, jsonl, parquet)")
    test: str | None = Field(None, description="test file or glob; when absent the test set is split off")
    train_bodies: str | None = Field(None, description="stance: a bodies table joined to `train` by `join_on`")
    test_bodies: str | None = None
    join_on: str | None = Field(None, description="stance: id column shared by pairs and bodies tables")
    saved: str | None = Field(None, description="a directory written by datasets' save_to_disk")
    hub: HubSpec | None = None
    format: Literal["auto", "csv", "tsv", "jsonl", "json", "parquet"] = "auto"
    rename: dict[str, str] = Field(default_factory=dict, description="source column → model column")
    text_columns: list[str] = Field(default_factory=lambda: ["text"], min_length=1)
    label_column: str = "label"
    id_column: str | None = None
    multi_label: bool = Field(False, description="labels are lists (or `label_separator`-joined strings)")
    label_separator: str = "|"
    label_columns: list[str] | None = Field(
        None, description="multi-label from 0/1 indicator columns: each column's name is a label; the labels "
        "end up in `label_column`", min_length=1)
    label_map: dict[str, str] = Field(
        default_factory=dict, description="rename label values before any check (merge variants, fold classes)")
    label_set: list[str] | str | None = Field(
        None, description="keep only these labels (a list, or a file with one label per line); rows left with "
        "no label are dropped")
    text_mask: list[str] = Field(
        default_factory=list, description="regexes blanked in the text columns as the data is read (label words "
        "a text quotes); training and test data only, not prediction input")
    unlabelled: Literal["reject", "keep"] = Field(
        "reject", description="multi-label: rows with an empty label set are an error (reject) or kept (keep)")
    empty_text: Literal["drop", "reject"] = "drop"
    min_examples_per_class: int = Field(2, ge=1)
    max_train_rows: int | None = Field(None, gt=0, description="sample this many training rows (quick runs)")
    split: SplitSpec = Field(default_factory=SplitSpec)

    @field_validator("text_mask")
    @classmethod
    def _mask_compiles(cls, patterns: list[str]) -> list[str]:
        from features.text import check_patterns

        return check_patterns(patterns)

    @model_validator(mode="after")
    def _one_source(self) -> DataSpec:
        given = [k for k in ("demo", "train", "saved", "hub") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "expected exactly one data source (demo, train, saved or hub), got "
                + (", ".join(given) if given else "none")
            )
        if self.label_columns and not self.multi_label:
            raise ValueError("label_columns (0/1 indicator columns) need multi_label: true")
        if (self.train_bodies or self.test_bodies) and not self.join_on:
            raise ValueError("train_bodies/test_bodies need join_on (the id column shared by both tables)")
        return self


class EvalSpec(Spec):
    """`eval:` section: how much detail the evaluation report carries."""

    top_features: int = Field(15, ge=0, description="top features per class for linear models")
    worst_examples: int = Field(25, ge=0, description="most confident misclassified test rows to save")
    max_text_chars: int = Field(300, ge=20, description="truncate texts in reports to this length")
    dev_split: bool = Field(
        False, description="also fit on train minus a grouped dev part (data.split.dev_size) and log dev_* metrics"
    )


class TrackingSpec(Spec):
    """`tracking:` section: where runs go and what is logged."""

    uri: str | None = Field(None, description="default: $MLFLOW_TRACKING_URI, else sqlite:///<project>/mlflow.db")
    run_name: str | None = None
    log_model: bool = True
    register_as: str | None = Field(None, description="register the model as a new version of this name")
    tags: dict[str, str] = Field(default_factory=dict)


class Config(Spec):
    """A whole experiment: task, data, features, model, evaluation and tracking."""

    task: Task = "topic"
    experiment: str | None = Field(None, description="MLflow experiment (default: <task>-<config file name>)")
    seed: int = 42
    data: DataSpec
    features: list[dict[str, Any]]
    model: ModelSpec = Field(default_factory=ModelSpec)
    eval: EvalSpec = Field(default_factory=EvalSpec)
    tracking: TrackingSpec = Field(default_factory=TrackingSpec)

    _path: Path | None = PrivateAttr(None)
    _feature_specs: list[BlockSpec] = PrivateAttr(default_factory=list)

    @field_validator("features", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        if not isinstance(value, list) or not value:
            raise ValueError("expected a non-empty list of feature builders")
        return value

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def feature_specs(self) -> list[BlockSpec]:
        return self._feature_specs

    @property
    def experiment_name(self) -> str:
        stem = self._path.stem if self._path else "adhoc"
        return self.experiment or f"{self.task}-{stem}"


def interpolate(node: Any, path: list[str | int] | None = None) -> Any:
    """Replace `${VAR}` / `${VAR:-default}` in every string; a missing variable is an error naming it."""
    path = path or []
    if isinstance(node, dict):
        return {k: interpolate(v, [*path, k]) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(v, [*path, i]) for i, v in enumerate(node)]
    if not isinstance(node, str):
        return node

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise ConfigError(f"{format_path(path)}: environment variable ${{{name}}} is not set")

    return _ENV.sub(substitute, node)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a config file into a mapping, with one-line errors for missing files and YAML syntax."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror})") from None
    try:
        raw = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}: YAML syntax error{where}: {problem}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of config sections at the top level")
    return raw


def _resolve_paths(data: DataSpec, base: Path) -> None:
    for key in _PATH_KEYS:
        value = getattr(data, key)
        if value and isinstance(value, str) and not Path(value).is_absolute() and "://" not in value:
            setattr(data, key, str((base / value).resolve()) if "*" not in value else str(base / value))


def _check_cross_fields(config: Config) -> None:
    """Rules that span sections: builder columns must be input columns; stance needs a headline and a body."""
    from features.data import effective_columns

    lines = []
    text = effective_columns(config.data)[0]
    for i, spec in enumerate(config.feature_specs):
        missing = [c for c in (spec.columns or []) if c not in text]
        if missing:
            lines.append(
                f"features[{i}].columns: {', '.join(missing)} not among data.text_columns ({', '.join(text)})"
            )
    if config.task == "stance" and len(text) != 2:
        lines.append("data.text_columns: stance expects two columns, the claim/headline and the body")
    if config.model.name == "two_stage":
        if config.task != "stance":
            lines.append("model.name: two_stage is a stance model; use it with task: stance")
        dense_in_config = [s.name for s in config.feature_specs if BUILDERS.get(s.name, "features").dense]
        if not dense_in_config:
            dense = ", ".join(entry.name for entry in BUILDERS if entry.dense)
            lines.append(f"model.name: two_stage needs at least one dense pair builder in features ({dense})")
        for name in config.model.params.get("stage1_features") or []:
            if name not in dense_in_config:
                lines.append(f"model.params.stage1_features: '{name}' is not a dense pair builder in features "
                             f"({', '.join(dense_in_config) or 'none'})")
    if config.tracking.register_as and not config.tracking.log_model:
        lines.append("tracking.register_as: registering needs a logged model; set tracking.log_model: true")
    if config.task == "stance" and config.data.multi_label:
        lines.append("data.multi_label: stance is single-label (agree, disagree, discuss, unrelated)")
    if lines:
        raise ConfigError(lines[0], lines=lines)


def parse_config(raw: dict[str, Any], path: Path | None = None) -> Config:
    """Validate an already-read config mapping; every problem is one path-addressed line."""
    raw = interpolate(raw)
    lines: list[str] = []
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        lines = error_lines(exc, [], Config)
        raise ConfigError(lines[0], lines=lines) from None
    try:
        config._feature_specs = parse_specs(config.features)
    except ConfigError as exc:
        lines.extend(exc.lines)
    try:
        MODELS.get(config.model.name, "model.name")
    except ConfigError as exc:
        lines.extend(exc.lines)
    if lines:
        raise ConfigError(lines[0], lines=lines)
    config._path = path
    _check_cross_fields(config)
    if path is not None:
        _resolve_paths(config.data, path.parent)
    return config


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read, override, interpolate and validate a config file; errors name the file and the key path."""
    path = Path(path)
    raw = apply_overrides(read_yaml(path), overrides or [])
    try:
        config = parse_config(raw, path)
        check_model_params(config)
    except ConfigError as exc:
        lines = [f"{path}: {line}" for line in exc.lines]
        raise ConfigError(lines[0], lines=lines) from None
    return config


def resolved_dict(config: Config) -> dict[str, Any]:
    """The config as plain data, with defaults filled in and feature specs expanded (what `config show` prints)."""
    data = config.model_dump(mode="json")
    data["features"] = [spec.model_dump(mode="json") for spec in config.feature_specs]
    return data


def check_model_params(config: Config) -> None:
    """Build the model once so bad estimator parameters fail at validation time, before any data is read."""
    from train.models import build_model

    build_model(config.model, config.seed, config.data.multi_label)


def validate_file(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Everything `secnews config validate` checks for one file."""
    return load_config(path, overrides)


__all__ = ["Config", "load_config", "parse_config", "validate_file", "resolved_dict", "read_yaml", "interpolate"]
