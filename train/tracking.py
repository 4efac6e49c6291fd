"""MLflow tracking: where runs go, and logging a finished training run (params, data, metrics, artifacts, model)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

PROJECT_MARKERS = ("pyproject.toml", ".git")
PINNED = ("scikit-learn", "skops", "numpy", "scipy", "pandas")


def project_root(start: Path | None = None) -> Path:
    """The nearest folder above `start` (default: cwd) holding pyproject.toml or .git, else cwd."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    return Path.cwd().resolve()


def tracking_uri(configured: str | None = None, config_path: Path | None = None) -> str:
    """The config's URI, else $MLFLOW_TRACKING_URI, else the sqlite store at the project root."""
    if configured:
        return configured
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    start = config_path.parent if config_path else None
    return f"sqlite:///{project_root(start) / 'mlflow.db'}"


def use_store(uri: str) -> None:
    """Point MLflow's tracking and registry at one store."""
    import mlflow

    quiet_mlflow()
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)


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

    existing = mlflow.get_experiment_by_name(name)
    if existing is None:
        location = None
        uri = mlflow.get_tracking_uri()
        if uri.startswith("sqlite:///"):
            database = Path(uri.removeprefix("sqlite:///"))
            location = (database.parent / "mlartifacts").resolve().as_uri()
        mlflow.create_experiment(name, artifact_location=location)
    return mlflow.set_experiment(name).experiment_id


@contextmanager
def mlflow_run(experiment: str, run_name: str | None, tags: dict[str, str]) -> Iterator[Any]:
    """Start a run and guarantee it ends: FINISHED, FAILED (error recorded as a tag) or KILLED on Ctrl-C."""
    import mlflow

    ensure_experiment(experiment)
    run = mlflow.start_run(run_name=run_name, tags=tags)
    try:
        yield run
    except KeyboardInterrupt:
        mlflow.set_tag("error", "interrupted by the user (Ctrl-C)")
        mlflow.end_run("KILLED")
        raise
    except BaseException as exc:
        mlflow.set_tag("error", f"{type(exc).__name__}: {exc}"[:5000])
        mlflow.end_run("FAILED")
        raise
    else:
        mlflow.end_run("FINISHED")


def log_dataset(frame: Any, name: str, source: str, digest: str, targets: str, context: str) -> None:
    """Record a split as an MLflow dataset input with our own full-content digest."""
    import warnings

    import mlflow

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The specified dataset source can be interpreted")
        warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer")
        dataset = mlflow.data.from_pandas(frame, source=dataset_source(source), name=name, targets=targets,
                                          digest=digest)
        # MLflow infers the schema from every cell of every column (seconds on a 10k-row table); the column
        # types are the same in the first rows, so infer them there.
        dataset.__dict__["schema"] = _head_schema(frame)
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


def quiet_mlflow() -> None:
    """Keep MLflow's INFO chatter (database migrations, new experiments) off the user's terminal."""
    import logging

    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)


def signature(columns: list[str], output: Any, accept_text: bool) -> Any:
    """Inputs by name, each optional, plus `text` for topic models, so a served model accepts either
    `{"title": ..., "body": ...}` or `{"text": ...}` records (our loader maps `text` onto the body)."""
    from mlflow.models import infer_signature
    from mlflow.types import ColSpec, Schema

    names = columns + (["text"] if accept_text and "text" not in columns else [])
    inferred = infer_signature(None, output)
    return type(inferred)(inputs=Schema([ColSpec("string", name, required=False) for name in names]),
                          outputs=inferred.outputs)


def log_model(pipeline: Any, example: Any, output: Any, metadata: dict[str, Any]) -> str:
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
            signature=signature(list(example.columns), output, metadata.get("task") != "stance"),
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
