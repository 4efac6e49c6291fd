"""MLflow tracking: where runs go, and logging a finished training run (params, data, metrics, artifacts, model)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

PROJECT_MARKERS = ("pyproject.toml", ".git")
# What a logged model needs to load: the fitted objects' libraries, and what our bundled code imports.
PINNED = ("scikit-learn", "skops", "numpy", "scipy", "pandas", "pydantic", "pyyaml")


def project_root(start: Path | None = None) -> Path:
    """The nearest folder above `start` (default: cwd) holding pyproject.toml or .git, else cwd."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    return Path.cwd().resolve()


def store_folder(start: Path | None = None) -> Path:
    """Where the default store lives: the project root when secnews runs from its checkout (so `make train`
    and the notebooks share one store), else the current folder — an installed secnews must not adopt a
    parent folder that merely happens to hold a pyproject.toml."""
    from features.bundled import from_checkout

    return project_root(start) if from_checkout() else Path.cwd().resolve()


def tracking_uri(configured: str | None = None, config_path: Path | None = None) -> str:
    """The config's URI, else $MLFLOW_TRACKING_URI, else the sqlite store in `store_folder`."""
    if configured:
        return configured
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    start = config_path.parent if config_path else None
    return f"sqlite:///{store_folder(start) / 'mlflow.db'}"


def default_store_note(configured: str | None) -> str | None:
    """For an installed secnews on its default store: a line saying the store is in the current folder."""
    from features.bundled import from_checkout

    if configured or os.environ.get("MLFLOW_TRACKING_URI") or from_checkout():
        return None
    return (f"store:     {Path.cwd().resolve() / 'mlflow.db'} (the current folder; "
            "set MLFLOW_TRACKING_URI or tracking.uri to use another)")


def check_store(uri: str) -> None:
    """Fail fast, before data is read: an http store must answer, a sqlite store's folder must exist."""
    from train import store

    store.check(uri)


def use_store(uri: str) -> None:
    """Point MLflow's tracking and registry at one store, created or migrated once (under a lock for sqlite)."""
    import mlflow

    from train import store

    quiet_mlflow()
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    store.prepare(uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)


@cache
def versions() -> dict[str, str]:
    """Versions of the packages a model depends on, for tags and pinned pip requirements."""
    out = {}
    for name in ("secnews", "mlflow", *PINNED, "datasets"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def git_commit(folder: Path) -> str | None:
    """The checked-out commit of the project, when it is a git work tree."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def pip_requirements() -> list[str]:
    """Pinned requirements (explicit, so log_model skips its slow inference of them)."""
    found = versions()
    return [f"{name}=={found[name]}" for name in PINNED if name in found]


def flatten(node: Any, prefix: str = "") -> dict[str, str]:
    """Flatten nested config data into dotted keys (`features.0.name`) with string values (MLflow params)."""
    out: dict[str, str] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(node, list) and any(isinstance(v, dict) for v in node):
        for i, value in enumerate(node):
            out.update(flatten(value, f"{prefix}.{i}"))
    else:
        out[prefix] = str(node)[:6000]
    return out


def ensure_experiment(name: str) -> str:
    """Select (creating if needed) an experiment; with a sqlite store its artifacts live beside the database.

    MLflow's own default puts artifacts under ./mlruns of whatever the current directory is, which splits
    one store's artifacts across folders; `<store folder>/mlartifacts` keeps a project's runs together.
    """
    import mlflow

    from train import store

    uri = mlflow.get_tracking_uri()
    with store.locked(uri):  # two processes creating the same experiment would collide on its unique name
        existing = mlflow.get_experiment_by_name(name)
        if existing is None:
            location = None
            database = store.sqlite_path(uri)
            if database is not None:
                location = (database.parent / "mlartifacts").resolve().as_uri()
            mlflow.create_experiment(name, artifact_location=location)
    return mlflow.set_experiment(name).experiment_id


def end_runs_killed(runs: list[tuple[str, str]], reason: str) -> None:
    """End runs KILLED with the reason as their `error` tag (used by the signal watcher on a hard stop)."""
    from mlflow.tracking import MlflowClient

    for uri, run_id in runs:
        client = MlflowClient(uri)
        client.set_tag(run_id, "error", reason)
        client.set_terminated(run_id, "KILLED")


@contextmanager
def mlflow_run(experiment: str, run_name: str | None, tags: dict[str, str], nested: bool = False) -> Iterator[Any]:
    """Start a run on the current store and guarantee it ends: FINISHED, FAILED (error recorded as a tag) or
    KILLED on a signal (see `train.background_run`, which the training runner uses to open runs off its
    critical path; this form waits for the run at once)."""
    import mlflow

    from train.background_run import background_run

    with background_run(mlflow.get_tracking_uri(), experiment, run_name, tags, nested) as pending:
        yield pending.wait()


SAFE_METRIC_CHARS = re.compile(r"[^\w.\- ]")


def safe_metric_names(names: list[str]) -> dict[str, str]:
    """Map each name to one MLflow accepts (letters, digits, `_ - .` and space; others become `_`), unique."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        safe = SAFE_METRIC_CHARS.sub("_", name)[:240] or "_"
        candidate, n = safe, 2
        while candidate in used:
            candidate, n = f"{safe}_{n}", n + 1
        used.add(candidate)
        mapping[name] = candidate
    return mapping


def log_metrics(metrics: dict[str, float]) -> dict[str, str]:
    """Log metrics under safe names; each renamed one is recorded as a `metric_name.<safe>` tag of the run.

    Class labels become metric names (`f1_<label>`), and a label like `crime, law (enforcement)` is not a
    valid MLflow name. Returns the renames made.
    """
    import mlflow

    mapping = safe_metric_names(list(metrics))
    renamed = {original: safe for original, safe in mapping.items() if original != safe}
    mlflow.log_metrics({mapping[k]: v for k, v in metrics.items()})
    if renamed:
        mlflow.set_tags({f"metric_name.{safe}": original for original, safe in renamed.items()})
    return renamed


def log_dataset(frame: Any, name: str, source: str, digest: str, targets: str, context: str) -> None:
    """Record a split as an MLflow dataset input with our own full-content digest."""
    import warnings

    import mlflow

    with warnings.catch_warnings():
        silence_mlflow_hints()
        dataset = mlflow.data.from_pandas(frame, source=dataset_source(source), name=name, targets=targets,
                                          digest=digest)
        # MLflow infers the schema from every cell of every column (seconds on a 10k-row table); the column
        # types are the same in the first rows, so infer them there.
        dataset.__dict__["schema"] = _head_schema(frame)
        _log_input_once(dataset, context)


def _log_input_once(dataset: Any, context: str) -> None:
    """Log a dataset input; parallel trials logging the same dataset must not collide.

    MLflow checks whether a dataset exists and then inserts it, in two steps: two sweep trials starting together
    both insert and one fails on the store's unique key. A sqlite store is locked across processes for the step;
    against a server, a collision is retried once (the dataset then exists and is only linked to the run).
    """
    import mlflow
    from mlflow.exceptions import MlflowException

    from train import store

    with store.locked(mlflow.get_tracking_uri()):
        try:
            mlflow.log_input(dataset, context=context)
        except MlflowException:
            mlflow.log_input(dataset, context=context)


def _head_schema(frame: Any) -> Any:
    """The MLflow schema of a frame's columns, inferred from its first rows (None when MLflow cannot infer one)."""
    from mlflow.models import infer_signature

    try:
        return infer_signature(frame.head(100)).inputs
    except Exception:  # the same fallback as MLflow's own schema property
        return None


def dataset_source(source: str) -> Any:
    """An MLflow dataset source for where a split came from: a Hub dataset, or a local file or folder."""
    if source.startswith("hf://"):
        from mlflow.data.huggingface_dataset_source import HuggingFaceDatasetSource

        name, _, revision = source.removeprefix("hf://").partition("@")
        return HuggingFaceDatasetSource(path=name, revision=revision or None)
    path = Path(source.split("#")[0])
    while not path.exists() and path != path.parent:
        path = path.parent
    return str(path)


MLFLOW_HINTS = ("The specified dataset source can be interpreted", "Hint: Inferred schema contains integer")


def silence_mlflow_hints() -> None:
    """Hide MLflow's hints about dataset sources and integer columns (about MLflow's own inference, not the
    user's data). A run calls it in its main thread before its background thread starts: `catch_warnings` is not
    thread-safe, and a filter set only inside that thread's block was undone when the main thread left a block
    of its own (scikit-learn opens many), so the hint was printed now and then."""
    import warnings

    for message in MLFLOW_HINTS:
        warnings.filterwarnings("ignore", message=message)


def quiet_mlflow() -> None:
    """Keep MLflow's INFO chatter (database migrations, new experiments) off the user's terminal."""
    import logging

    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)


def signature(columns: list[str], output: Any, accept_text: bool) -> Any:
    """Inputs by name, each optional, plus `text` for tasks that accept a lone text, so a served model accepts
    either `{"title": ..., "body": ...}` or `{"text": ...}` records (our loader maps `text` onto the body)."""
    from mlflow.models import infer_signature
    from mlflow.types import ColSpec, Schema

    names = columns + (["text"] if accept_text and "text" not in columns else [])
    inferred = infer_signature(None, output)
    return type(inferred)(inputs=Schema([ColSpec("string", name, required=False) for name in names]),
                          outputs=inferred.outputs)


def log_model(pipeline: Any, example: Any, output: Any, metadata: dict[str, Any], accept_text: bool) -> str:
    """Log the pipeline in our flavor (sklearn/skops + python_function via train.serving); returns its URI."""
    from mlflow.models import Model

    import train.flavor
    from train.safe_load import allowed_types

    with _no_requirement_check():
        info = Model.log(
            artifact_path=None,
            name="model",
            flavor=train.flavor,
            sk_model=pipeline,
            trusted_types=sorted(allowed_types()),
            signature=signature(list(example.columns), output, accept_text),
            input_example=example,
            pip_requirements=pip_requirements(),
            metadata={"secnews": {**metadata, "versions": versions()}},
            # MLflow would reload the saved model and predict the example again (seconds for a large model);
            # the runner has just predicted it with the same pipeline (`output`), and tests load saved models.
            validate_serving_input=False,
        )
    return info.model_uri


@contextmanager
def _no_requirement_check() -> Iterator[None]:
    """Skip MLflow's check that the pinned requirements match the installed packages while logging a model.

    Our requirements are pinned from the installed versions, so the check cannot fail; it scans the metadata of
    every installed distribution and took ~1-2 s of each run.
    """
    import mlflow.utils.environment as environment

    original = getattr(environment, "warn_dependency_requirement_mismatches", None)
    if original is None:
        yield
        return
    environment.warn_dependency_requirement_mismatches = lambda requirements: None
    try:
        yield
    finally:
        environment.warn_dependency_requirement_mismatches = original


def model_file_size(model_uri: str) -> int | None:
    """Bytes of the logged model's skops file, read from the artifact store's listing."""
    import mlflow

    for info in mlflow.artifacts.list_artifacts(artifact_uri=model_uri):
        if info.path.endswith(".skops"):
            return info.file_size
    return None
