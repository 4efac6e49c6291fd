"""`training:` section: in-memory (default) or streaming over shards, epochs, chunking, hold-out, backend."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from core.registry import Spec

# Builders whose output depends on each row alone (nothing learned), keyed to the spec fields that must hold.
STATELESS_BUILDERS: dict[str, dict[str, Any]] = {"fast_hashing": {}, "hashing": {"tfidf": False}}


class TrainingSpec(Spec):
    """How the model is fitted: all rows in memory, or by streaming chunks of shards through `partial_fit`."""

    streaming: bool = Field(False, description="read data.train in chunks and fit with partial_fit")
    epochs: int = Field(1, ge=1, le=1000, description="passes over the training chunks")
    chunk_rows: int = Field(20_000, ge=1, description="rows per chunk (memory use grows with it)")
    shuffle: bool = Field(True, description="shuffle the chunk order of every epoch with the seed")
    classes: list[str] | None = Field(None, min_length=2, description="label set; default: found by the first pass")
    holdout: float = Field(0.1, ge=0, lt=1, description="share of rows held out for evaluation by a hash of the "
                           "id (or text) when data.test is not given")
    bad_shards: Literal["fail", "skip"] = Field(
        "fail", description="a truncated or corrupt shard stops the run (fail) or is left out with a warning (skip)")
    n_jobs: int = Field(-1, description="processes vectorizing chunks (local backend); -1 = all cores, 1 = serial")
    backend: Literal["local", "dask"] = "local"
    scheduler: str | None = Field(None, description="Dask scheduler address; default: a LocalCluster on this machine")
    dask_workers: int = Field(2, ge=1, description="workers of the LocalCluster started when no scheduler is given")


def _partial_fit_models() -> list[str]:
    from train.estimators import ESTIMATORS

    return [entry.name for entry in ESTIMATORS if hasattr(entry.build, "partial_fit")]


def training_problems(config: Any) -> list[str]:
    """Cross-section rules of streaming training, one line per problem."""
    training, data = config.training, config.data
    lines = []
    if training.scheduler and training.backend != "dask":
        lines.append("training.scheduler: a scheduler address needs training.backend: dask (or --backend dask)")
    if not training.streaming:
        if training.backend != "local":
            lines.append("training.backend: the dask backend runs the streaming trainer; set training.streaming: true")
        return lines
    if data.train is None:
        lines.append("data.train: streaming reads shard files; give data.train (a file or glob of JSONL/CSV/Parquet)")
    for key in ("train_bodies", "test_bodies", "max_train_rows"):
        if getattr(data, key) is not None:
            lines.append(f"data.{key}: not supported with training.streaming")
    if data.multi_label:
        lines.append("data.multi_label: streaming trains single-label models")
    if data.short_copies:
        lines.append("data.short_copies: not applied by streaming training (shards are read as they are); remove it")
    for i, spec in enumerate(config.feature_specs):
        required = STATELESS_BUILDERS.get(spec.name)
        if required is None:
            lines.append(f"features[{i}].name: streaming needs stateless builders ({', '.join(STATELESS_BUILDERS)}); "
                         f"'{spec.name}' learns from the data")
        for key, value in (required or {}).items():
            if getattr(spec, key) != value:
                lines.append(f"features[{i}].{key}: streaming needs {key}: {str(value).lower()} (nothing fitted)")
    valid = _partial_fit_models()
    if config.model.name not in valid:
        lines.append(f"model.name: streaming needs a model with partial_fit ({', '.join(valid)}), "
                     f"not '{config.model.name}'")
    if config.model.calibrated:
        lines.append("model.calibrated: calibration refits on all rows; not available with training.streaming")
    if config.eval.dev_split:
        lines.append("eval.dev_split: not available with training.streaming (use training.holdout or data.test)")
    if data.test is None and training.holdout == 0:
        lines.append("training.holdout: 0 leaves nothing to evaluate on; give data.test shards or a share > 0")
    return lines
