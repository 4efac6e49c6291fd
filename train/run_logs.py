"""What a training run logs, as plain data: the first logs (known before fitting) and the final logs (evaluation
files, metrics, the model). Each is applied to the active MLflow run by whichever process or thread owns the run
(`train.background_run` in this process, `train.tracking_process` in a helper process), so the two ways of
tracking log exactly the same things.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class DatasetInput:
    """A split recorded as an MLflow dataset input (see `tracking.log_dataset`)."""

    frame: Any
    name: str
    source: str
    digest: str
    targets: str
    context: str

    def log(self) -> None:
        from train import tracking

        tracking.log_dataset(self.frame, self.name, self.source, self.digest, self.targets, self.context)


@dataclass
class FirstLogs:
    """Logged as soon as the run exists: the resolved config, its flattened params, the data summary, the splits."""

    config: dict[str, Any]
    params: dict[str, str]
    summary: dict[str, Any]
    datasets: list[DatasetInput] = field(default_factory=list)

    def __call__(self) -> None:
        import mlflow

        mlflow.log_dict(self.config, "config.yaml")
        mlflow.log_params(self.params)
        mlflow.log_dict(self.summary, "data/summary.json")
        for dataset in self.datasets:
            dataset.log()


@dataclass
class ModelToLog:
    """A fitted pipeline with what its MLflow model carries: metadata, an input example and its predictions."""

    pipeline: Any
    example: Any
    output: Any
    metadata: dict[str, Any]
    accept_text: bool


@dataclass
class Outcome:
    """What the final logs produced: the logged model's URI, the metrics as logged, the registered version."""

    model_uri: str | None
    metrics: dict[str, float]
    registered: str | None


@dataclass
class FinalLogs:
    """Logged once the model is fitted and evaluated. `size_of` is a pipeline whose serialized size is reported
    when no model is logged (none for sweep trials, where it would cost a serialization for nothing)."""

    artifacts_dir: str
    metrics: dict[str, float]
    model: ModelToLog | None = None
    size_of: Any = None
    description: str | None = None
    register_as: str | None = None

    def __call__(self, run_id: str) -> Outcome:
        import mlflow

        from train import tracking

        mlflow.log_artifacts(self.artifacts_dir, "evaluation")
        metrics = dict(self.metrics)
        model_uri = None
        if self.model is not None:
            model = self.model
            model_uri = tracking.log_model(model.pipeline, model.example, model.output, model.metadata,
                                           model.accept_text)
        size = tracking.model_file_size(model_uri) if model_uri else None
        if size is None and self.size_of is not None:
            size = serialized_size(self.size_of)
        if size is not None:
            metrics["model_size_bytes"] = float(size)
        tracking.log_metrics(metrics)
        if self.description:
            from train.naming import DESCRIPTION_TAG

            mlflow.set_tag(DESCRIPTION_TAG, self.description)
        registered = None
        if model_uri and self.register_as:
            from train.registration import register

            registered = f"{self.register_as}/{register(model_uri, self.register_as, run_id)}"
            mlflow.set_tag("secnews.registered_as", registered)
        return Outcome(model_uri, metrics, registered)


def serialized_size(pipeline: Any) -> int:
    """Bytes of the pipeline as a skops file."""
    import skops.io as sio

    return len(sio.dumps(pipeline))
