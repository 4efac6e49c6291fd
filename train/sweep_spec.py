"""Sweep files (configs/sweeps/*.yaml): schema, search space, grid/random expansion and per-trial configs.

A sweep names a base config and a search space over its dotted keys; every trial is the base config with some
keys replaced, validated exactly like a config file, so a key the base schema does not know is a path-addressed
error before anything runs.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from core.errors import ConfigError
from core.registry import Spec
from core.schema import error_lines, format_path
from train.config import Config, check_model_params, load_config, parse_config, read_yaml, resolved_dict
from train.overrides import parse_path


class RangeSpec(Spec):
    """A numeric range: `{low: 0.01, high: 100, log: true}`, `{low: 1, high: 5, type: int}`."""

    low: float
    high: float
    log: bool = Field(False, description="sample on a log scale (low must be > 0)")
    type: Literal["float", "int"] = "float"

    @model_validator(mode="after")
    def _ordered(self) -> RangeSpec:
        if self.low >= self.high:
            raise ValueError(f"expected low < high, got low={self.low:g}, high={self.high:g}")
        if self.log and self.low <= 0:
            raise ValueError(f"a log range needs low > 0, got {self.low:g}")
        return self


Dimension = list[Any] | RangeSpec


class SweepSpec(Spec):
    """A whole sweep: the base config, the search space, the strategy and what 'best' means."""

    base: str = Field(description="base experiment config, relative to the sweep file")
    name: str | None = Field(None, description="default: the sweep file's name")
    strategy: Literal["grid", "random", "tpe"] = "grid"
    n_trials: int | None = Field(None, gt=0, description="random and tpe: how many trials")
    seed: int = Field(0, description="seed of the random and TPE samplers")
    metric: str = Field("macro_f1", description="metric to select the best trial by (without the dev_ prefix)")
    direction: Literal["maximize", "minimize"] = "maximize"
    select_on: Literal["dev", "test"] = Field(
        "dev", description="dev: trials fit on train minus dev and are scored on dev only; the best is then "
        "refit on the full training split and scored on test once. test: every trial reads the test split")
    final_test: bool = Field(True, description="select_on dev: refit the best trial on the full training split and "
                             "score the test split once (false: the sweep never reads the test split)")
    log_trial_models: bool = Field(False, description="log a model in every trial run (the final run always may)")
    fixed: dict[str, Any] = Field(default_factory=dict, description="dotted keys set in every trial")
    space: dict[str, Any] = Field(description="dotted key → list of values, or a range {low, high, log, type}")

    @model_validator(mode="after")
    def _strategy_fits(self) -> SweepSpec:
        if not self.space:
            raise ValueError("space: expected at least one key to vary")
        if self.strategy == "grid" and self.n_trials is not None:
            raise ValueError("n_trials: a grid runs every combination; remove n_trials or use strategy: random")
        if self.strategy != "grid" and self.n_trials is None:
            raise ValueError(f"n_trials: strategy {self.strategy} needs n_trials")
        return self


@dataclass
class Sweep:
    """A validated sweep file: its spec, parsed space, base config (raw and validated) and where it came from."""

    path: Path
    spec: SweepSpec
    space: dict[str, Dimension]
    base_path: Path
    base_raw: dict[str, Any]
    base: Config

    @property
    def name(self) -> str:
        return self.spec.name or self.path.stem

    @property
    def metric_key(self) -> str:
        """The logged metric trials are ranked by (`dev_macro_f1` when selecting on dev)."""
        return f"dev_{self.spec.metric}" if self.spec.select_on == "dev" else self.spec.metric

    @property
    def evaluate_on(self) -> Literal["dev", "test"]:
        return self.spec.select_on


@dataclass
class Trial:
    """One point of the search space: its number (0-based) and the value of every varied key."""

    number: int
    params: dict[str, Any]


def _parse_dimension(key: str, value: Any) -> Dimension:
    where = f"space.{key}"
    try:
        parse_path(key)
    except ConfigError:
        raise ConfigError(f"{where}: cannot read the key path (expected e.g. model.params.C or "
                          "features[0].ngram_range)") from None
    if isinstance(value, list):
        if not value:
            raise ConfigError(f"{where}: expected at least one value")
        return value
    if isinstance(value, dict):
        try:
            return RangeSpec.model_validate(value)
        except ValidationError as exc:
            lines = error_lines(exc, ["space", key], RangeSpec)
            raise ConfigError(lines[0], lines=lines) from None
    raise ConfigError(f"{where}: expected a list of values or a range {{low, high, log, type}}, got {value!r}")


def set_key(raw: dict[str, Any], key: str, value: Any) -> None:
    """Set dotted `key` (`features[0].ngram_range`) in a raw config; list indexes must exist."""
    tokens = parse_path(key)
    node: Any = raw
    for depth, token in enumerate(tokens):
        last = depth == len(tokens) - 1
        if isinstance(token, int):
            if not isinstance(node, list) or token >= len(node):
                size = len(node) if isinstance(node, list) else 0
                where = format_path(tokens[: depth + 1])
                raise ConfigError(f"{where}: {where} does not exist in the base config (the list has {size} items)")
        elif not isinstance(node, dict):
            raise ConfigError(f"{format_path(tokens[:depth])}: is not a mapping in the base config")
        elif not last and node.get(token) is None:
            node[token] = [] if isinstance(tokens[depth + 1], int) else {}
        if last:
            node[token] = copy.deepcopy(value)
        else:
            node = node[token]


def _with_file(path: Path, exc: ConfigError, where: str = "") -> ConfigError:
    lines = [f"{path}: {where}{line}" for line in exc.lines]
    return ConfigError(lines[0], lines=lines)


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file and its base config; every trial value is checked before anything runs."""
    path = Path(path)
    raw = read_yaml(path)
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{path}: {line.removeprefix(': ')}" for line in error_lines(exc, [], SweepSpec)]
        raise ConfigError(lines[0], lines=lines) from None
    try:
        space = {key: _parse_dimension(key, value) for key, value in spec.space.items()}
        if spec.strategy == "grid":
            ranged = [key for key, dim in space.items() if isinstance(dim, RangeSpec)]
            if ranged:
                raise ConfigError(f"space.{ranged[0]}: a grid needs a list of values, not a range "
                                  "(use strategy: random or tpe)")
    except ConfigError as exc:
        raise _with_file(path, exc) from None
    base_path = (path.parent / spec.base).resolve()
    if not base_path.is_file():
        raise ConfigError(f"{path}: base: config file {spec.base} not found (looked at {base_path})")
    load_config(base_path)  # problems of the base config itself name the base file
    base_raw = read_yaml(base_path)
    sweep = Sweep(path, spec, space, base_path, base_raw, None)  # type: ignore[arg-type]
    try:
        sweep.base = trial_config(sweep, Trial(-1, {}))
    except ConfigError as exc:
        raise _with_file(path, exc, "fixed: ") from None
    check_space(sweep)
    return sweep


def trial_config(sweep: Sweep, trial: Trial, extra: dict[str, Any] | None = None) -> Config:
    """The base config with the sweep's fixed keys, the trial's values and `extra` keys set, validated."""
    raw = copy.deepcopy(sweep.base_raw)
    for key, value in {**sweep.spec.fixed, **trial.params, **(extra or {})}.items():
        set_key(raw, key, value)
    config = parse_config(raw, sweep.base_path)
    check_model_params(config)
    return config


def _probe_values(dim: Dimension) -> list[Any]:
    if isinstance(dim, RangeSpec):
        ends = [dim.low, dim.high]
        return [int(v) for v in ends] if dim.type == "int" else ends
    return dim


def check_space(sweep: Sweep) -> None:
    """Every value of every key on its own, then every grid/random trial, must make a valid config."""
    lines: list[str] = []
    for key, dim in sweep.space.items():
        for value in _probe_values(dim):
            try:
                trial_config(sweep, Trial(-1, {key: value}))
            except ConfigError as exc:
                lines.extend(f"{sweep.path}: {value_problem(key, value, line)}" for line in exc.lines)
                break
    if not lines and sweep.spec.strategy != "tpe":
        for trial in expand(sweep):
            try:
                trial_config(sweep, trial)
            except ConfigError as exc:
                lines.append(f"{sweep.path}: trial {trial.number} ({describe_params(trial.params)}): {exc.lines[0]}")
    if lines:
        raise ConfigError(lines[0], lines=lines)


def value_problem(key: str, value: Any, line: str) -> str:
    """`space.KEY: …` for a config error met while trying one value of KEY; the value is named when it is the
    value (not the key) that is wrong, and the key path is not repeated."""
    where, _, message = line.partition(": ")
    own = format_path(parse_path(key))
    if not own.startswith(where):
        return f"space.{key}: {value!r}: {line}"
    about_key = "unknown" in message or "does not exist" in message or "not a mapping" in message
    return f"space.{key}: {message}" if about_key or where != own else f"space.{key}: {value!r}: {message}"


def describe_params(params: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in params.items())


def expand(sweep: Sweep) -> list[Trial]:
    """Grid: every combination in file order. Random: `n_trials` distinct seeded draws (fewer if the space is
    smaller). TPE trials are asked from the sampler while the sweep runs, so they are not expanded here."""
    if sweep.spec.strategy == "grid":
        keys = list(sweep.space)
        combos = itertools.product(*(sweep.space[k] for k in keys))
        return [Trial(i, dict(zip(keys, values, strict=True))) for i, values in enumerate(combos)]
    if sweep.spec.strategy == "random":
        return random_trials(sweep.space, sweep.spec.n_trials or 0, sweep.spec.seed)
    return []


def draw(dim: Dimension, rng: Any) -> Any:
    """One seeded draw from a list of values or a range."""
    if not isinstance(dim, RangeSpec):
        return copy.deepcopy(dim[int(rng.integers(len(dim)))])
    if dim.type == "int":
        if dim.log:
            return int(round(math.exp(rng.uniform(math.log(dim.low), math.log(dim.high)))))
        return int(rng.integers(int(dim.low), int(dim.high) + 1))
    if dim.log:
        return float(math.exp(rng.uniform(math.log(dim.low), math.log(dim.high))))
    return float(rng.uniform(dim.low, dim.high))


def random_trials(space: dict[str, Dimension], n_trials: int, seed: int) -> list[Trial]:
    """`n_trials` distinct draws, reproducible for a seed; stops early when a finite space runs out."""
    import numpy as np

    rng = np.random.default_rng(seed)
    trials: list[Trial] = []
    seen: set[str] = set()
    attempts = 0
    while len(trials) < n_trials and attempts < n_trials * 50:
        attempts += 1
        params = {key: draw(dim, rng) for key, dim in space.items()}
        fingerprint = json.dumps(params, sort_keys=True)
        if fingerprint not in seen:
            seen.add(fingerprint)
            trials.append(Trial(len(trials), params))
    return trials


def config_hash(config: Config) -> str:
    """Content hash of the resolved config minus `tracking` (run names, tags and the store do not change a model)."""
    data = {k: v for k, v in resolved_dict(config).items() if k != "tracking"}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]
