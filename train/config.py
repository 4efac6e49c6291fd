"""The experiment config: YAML → typed pydantic schema, with ${ENV} interpolation, overrides and path errors."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from core.data_spec import DataSpec
from core.errors import ConfigError
from core.registry import Spec
from core.schema import error_lines, format_path
from core.tasks import Task
from features.builders import BUILDERS, BlockSpec
from features.union import parse_specs
from train.estimators import ESTIMATORS, ModelSpec
from train.overrides import apply_overrides, load_yaml
from train.tasks import get_task
from train.training_spec import TrainingSpec, training_problems

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_PATH_KEYS = ("train", "test", "train_bodies", "test_bodies", "saved", "label_set")


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

    task: str = Field("topic", description="a registered task (see train/tasks)")
    experiment: str | None = Field(None, description="MLflow experiment (default: <task>-<config file name>)")
    seed: int = 42
    data: DataSpec
    features: list[dict[str, Any]]
    model: ModelSpec = Field(default_factory=ModelSpec)
    eval: EvalSpec = Field(default_factory=EvalSpec)
    tracking: TrackingSpec = Field(default_factory=TrackingSpec)
    training: TrainingSpec = Field(default_factory=TrainingSpec)

    _path: Path | None = PrivateAttr(None)
    _feature_specs: list[BlockSpec] = PrivateAttr(default_factory=list)
    _as_written: dict[str, Any] | None = PrivateAttr(None)  # the file's mapping as read, before --set overrides
    _checked_model: str | None = PrivateAttr(None)  # the model section whose parameters were last probed

    @model_validator(mode="after")
    def _multi_label_task(self) -> Config:
        """`task: topic` with `data.multi_label: true` is the multi-label topic task; that task implies the flag."""
        if self.task == "topic" and self.data.multi_label:
            self.task = "multilabel_topic"
        elif self.task == "multilabel_topic":
            self.data.multi_label = True
        return self

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
    def task_component(self) -> Task:
        """The registered task this config names."""
        return get_task(self.task)

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


def _decode_config(path: Path, raw: bytes) -> str:
    """Config files are UTF-8 text; a binary or Latin-1 file is one line naming the file and the encoding."""
    if b"\0" in raw:
        raise ConfigError(f"{path}: is a binary file, expected a UTF-8 YAML config file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}: line {line} is not UTF-8 (byte 0x{raw[exc.start]:02x}); "
                          "config files must be UTF-8: re-save it as UTF-8") from None


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a config file into a mapping, with one-line errors for missing files and YAML syntax."""
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a YAML config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror})") from None
    text = _decode_config(path, raw_bytes)
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
    """Rules that span sections: builder columns are input columns; the task and the model accept the config."""
    from features.data import effective_columns

    task = config.task_component
    lines = []
    if config.data.demo and config.data.demo != task.demo_corpus:
        lines.append(f"data.demo: the {task.name} task reads the demo corpus '{task.demo_corpus}', "
                     f"not '{config.data.demo}'" if task.demo_corpus else f"data.demo: the {task.name} task "
                     "has no demo corpus")
    text = effective_columns(config.data, task)[0]
    for i, spec in enumerate(config.feature_specs):
        missing = [c for c in (spec.columns or []) if c not in text]
        if missing:
            lines.append(
                f"features[{i}].columns: {', '.join(missing)} not among data.text_columns ({', '.join(text)})"
            )
    for name in dict.fromkeys(spec.name for spec in config.feature_specs):
        builder_check = BUILDERS.get(name, "features").check_config
        if builder_check is not None:
            lines.extend(builder_check(config))
    lines.extend(task.check_columns(text))
    if config.data.multi_label and not task.multi_label:
        lines.append(f"data.multi_label: the {task.name} task is single-label")
    check = ESTIMATORS.get(config.model.name, "model.name").check_config
    if check is not None:
        lines.extend(check(config))
    if config.tracking.register_as and not config.tracking.log_model:
        lines.append("tracking.register_as: registering needs a logged model; set tracking.log_model: true")
    lines.extend(training_problems(config))
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
        ESTIMATORS.get(config.model.name, "model.name")
    except ConfigError as exc:
        lines.extend(exc.lines)
    try:
        get_task(config.task)
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
    written = read_yaml(path)
    raw = apply_overrides(copy.deepcopy(written), overrides or [])
    try:
        config = parse_config(raw, path)
        check_model_params(config)
        config._as_written = written
    except ConfigError as exc:
        lines = [f"{path}: {line}" for line in exc.lines]
        raise ConfigError(lines[0], lines=lines) from None
    return config


def as_written(config: Config) -> Config | None:
    """The config as its file was written, before command-line overrides (parsed on demand, without probing the
    model): None when it was not read by load_config or when the file is valid only with its overrides."""
    if config._as_written is None:
        return None
    try:
        return parse_config(copy.deepcopy(config._as_written), config.path)
    except ConfigError:
        return None


def resolved_dict(config: Config) -> dict[str, Any]:
    """The config as plain data, with defaults filled in and feature specs expanded (what `config show` prints)."""
    data = config.model_dump(mode="json")
    data["features"] = [spec.model_dump(mode="json") for spec in config.feature_specs]
    return data


def check_model_params(config: Config) -> None:
    """Build the model once so bad estimator parameters fail at validation time, before any data is read.

    The probe fits are remembered per model section, so loading and then running a config probes it once."""
    import json

    from features.union import dense_layout
    from train.estimators import build_model, check_params

    checked = json.dumps([config.task, config.model.model_dump(mode="json"), config.seed, config.data.multi_label,
                          [spec.model_dump(mode="json") for spec in config.feature_specs]], sort_keys=True)
    if checked == config._checked_model:
        return
    build_model(config.model, config.seed, config.data.multi_label)
    check_params(config.model, config.seed, dense_layout(config.feature_specs), config.task_component.fixed_labels)
    config._checked_model = checked


def validate_file(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Everything `secnews config validate` checks for one file."""
    return load_config(path, overrides)


__all__ = ["Config", "as_written", "load_config", "parse_config", "validate_file", "resolved_dict", "read_yaml",
           "interpolate"]
