"""Shared test setup: offline Hugging Face, temporary MLflow stores, tiny corpora, the slow-test policy, CLI runners."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent
SLOW_REASON = "slow test: set SECNEWS_SLOW=1 (or CI=true) to run it"

_session_dirs: list[str] = []


def _slow_enabled() -> bool:
    return os.environ.get("SECNEWS_SLOW") == "1" or os.environ.get("CI", "").lower() == "true"


def pytest_configure(config: pytest.Config) -> None:
    """Offline Hugging Face with throw-away caches, a throw-away default MLflow store and no telemetry, session-wide.

    Set before any test module imports `datasets`, which reads these variables at import time.
    """
    scratch = tempfile.mkdtemp(prefix="secnews-tests-")
    _session_dirs.append(scratch)
    # Tiny test data gains nothing from OpenMP threads, and on a busy 2-core machine their spin-waits
    # turned a 0.1 s HistGradientBoosting fit into 6 s.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ["HF_HOME"] = str(Path(scratch) / "hf")
    os.environ["HF_DATASETS_CACHE"] = str(Path(scratch) / "hf" / "datasets")
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{Path(scratch) / 'default-mlflow.db'}"
    os.environ.pop("SECNEWS_DEBUG", None)
    # Only the test that loads a model with mlflow.sklearn sets this (MLflow gates skops loading behind it).
    os.environ.pop("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    for folder in _session_dirs:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _slow_enabled():
        return
    skip = pytest.mark.skip(reason=SLOW_REASON)
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


# ---------------------------------------------------------------------------------------------------------------
# Data


@pytest.fixture
def secnews_data() -> Path:
    """The shared real datasets folder ($SECNEWS_DATA, default ../shared/data); skips when it is missing."""
    folder = Path(os.environ.get("SECNEWS_DATA", REPO.parent / "shared" / "data"))
    if not folder.is_dir():
        pytest.skip(f"shared data folder {folder} not found: set SECNEWS_DATA to run data-backed tests")
    return folder


TOPIC_WORDS = {
    "malware": [
        "ransomware", "trojan", "payload", "encrypted", "backdoor", "botnet", "worm", "loader", "dropper", "implant",
    ],
    "phishing": [
        "email", "lure", "credential", "login", "fake", "bank", "password", "link", "spoofed", "invoice",
    ],
    "policy": [
        "regulation", "law", "minister", "parliament", "sanctions", "treaty", "agency", "directive", "senate", "budget",
    ],
}


def _topic_frame(per_class: int = 12, seed: int = 0) -> pd.DataFrame:
    """A tiny, easily separable three-class corpus with title and body columns and unique texts."""
    import random

    rng = random.Random(seed)
    rows = []
    for label, words in TOPIC_WORDS.items():
        for i in range(per_class):
            rows.append({
                "id": f"{label}-{i}",
                "title": f"{rng.choice(words)} {rng.choice(words)} update {i}",
                "body": " ".join(rng.choices(words, k=8)) + f" case {label} {i}",
                "label": label,
            })
    return pd.DataFrame(rows)


@pytest.fixture
def write_topic_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write `make_topic_frame(...)` as CSV into tmp_path and return its path."""

    def write(name: str = "articles.csv", **kwargs: Any) -> Path:
        path = tmp_path / name
        _topic_frame(**kwargs).to_csv(path, index=False)
        return path

    return write


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a config mapping as YAML into tmp_path and return its path."""
    import yaml

    def write(config: dict[str, Any], name: str = "experiment.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        return path

    return write


def _tiny_config(train: str = "articles.csv", **overrides: Any) -> dict[str, Any]:
    """A small, fast topic config over `make_topic_frame` data: word TF-IDF and logistic regression."""
    config: dict[str, Any] = {
        "task": "topic",
        "seed": 7,
        "data": {"train": train, "text_columns": ["title", "body"], "label_column": "label"},
        "features": [{"name": "tfidf_word", "ngram_range": [1, 2]}],
        "model": {"name": "logreg", "params": {"C": 5}},
        "eval": {"top_features": 5, "worst_examples": 10},
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def make_topic_frame() -> Callable[..., pd.DataFrame]:
    """Build the tiny three-class corpus (`per_class` rows per class, `seed` for the word draws)."""
    return _topic_frame


@pytest.fixture(scope="session")
def make_config() -> Callable[..., dict[str, Any]]:
    """Build the tiny topic config; keyword arguments replace whole top-level sections."""
    return _tiny_config


# ---------------------------------------------------------------------------------------------------------------
# MLflow


@pytest.fixture(scope="session")
def _empty_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated, empty MLflow sqlite database; copying it saves ~2.5 s of migrations per store."""
    from mlflow.tracking import MlflowClient

    path = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    MlflowClient(f"sqlite:///{path}").search_experiments()
    return path


@dataclass
class Store:
    """A temporary MLflow store: its URI, database file and a client bound to it."""

    uri: str
    path: Path
    client: Any

    def runs(self) -> list[Any]:
        experiments = [e.experiment_id for e in self.client.search_experiments()]
        return self.client.search_runs(experiments) if experiments else []

    def experiment_names(self) -> list[str]:
        return sorted(e.name for e in self.client.search_experiments())


@pytest.fixture
def mlflow_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _empty_store_template: Path) -> Iterator[Store]:
    """A fresh sqlite MLflow store in tmp_path, made the default through MLFLOW_TRACKING_URI."""
    import mlflow
    from mlflow.tracking import MlflowClient

    path = tmp_path / "mlflow.db"
    shutil.copy(_empty_store_template, path)
    uri = f"sqlite:///{path}"
    previous = os.environ.get("MLFLOW_TRACKING_URI")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    yield Store(uri, path, MlflowClient(uri, registry_uri=uri))
    while mlflow.active_run():
        mlflow.end_run("FAILED")
    mlflow.set_tracking_uri(previous)


# ---------------------------------------------------------------------------------------------------------------
# CLI


@dataclass
class CliResult:
    """What one `secnews` invocation left: its exit code and everything it printed."""

    code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run `secnews ARGS...` in-process through `train.cli.main()`; returns exit code, stdout and stderr."""
    from train import cli

    def run(*args: str | Path) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["secnews", *map(str, args)])
        capsys.readouterr()
        code = 0
        try:
            cli.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def secnews_script() -> Path:
    """The installed `secnews` console script of the running interpreter's environment."""
    found = shutil.which("secnews", path=str(Path(sys.executable).parent))
    return Path(found) if found else REPO / ".venv" / "bin" / "secnews"


@pytest.fixture
def run_script(tmp_path: Path) -> Callable[..., CliResult]:
    """Run the real `secnews` console script in a subprocess (offline, throw-away MLflow store)."""

    def run(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> CliResult:
        full_env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'script-mlflow.db'}", **(env or {})}
        done = subprocess.run([str(secnews_script()), *map(str, args)], capture_output=True, text=True,
                              env=full_env, cwd=cwd or tmp_path, timeout=120, stdin=subprocess.DEVNULL)
        return CliResult(done.returncode, done.stdout, done.stderr)

    return run
