"""Streaming training: shards → chunks → stateless features → `partial_fit`, for corpora larger than memory.

One pass scans every shard (chunk boundaries, labels, content digest, broken lines) before a run exists; then
each epoch visits the training chunks in an order shuffled by the seed, vectorizing them on the backend's
workers while this process fits. Held-out rows (data.test shards, or a hash of the id) are never fitted.
"""

from __future__ import annotations

import functools
import json
import resource
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sklearn.pipeline import Pipeline

from core.errors import DataError
from features.shards import (
    Chunk,
    Columns,
    ShardScan,
    held_out,
    holdout_keys,
    read_chunk,
    scan_shard,
    shard_files,
    shard_list_digest,
)
from features.union import build_features
from train import evaluate
from train.backends import Backend, make_backend
from train.config import Config, check_model_params, resolved_dict
from train.estimators import build_model


@dataclass
class StreamPlan:
    """What the scan found: the chunks to fit and to evaluate, the label set and counts, digests, skipped shards."""

    columns: Columns
    train_chunks: list[Chunk]
    eval_chunks: list[Chunk]
    holdout: float
    classes: list[str]
    counts: dict[str, Counter]
    digests: dict[str, str]
    sources: dict[str, str]
    shards: dict[str, int]
    dropped_empty: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def rows(self) -> dict[str, int]:
        return {split: sum(counts.values()) for split, counts in self.counts.items()}

    def summary(self) -> dict[str, Any]:
        return {"rows": self.rows, "classes": {k: dict(sorted(v.items())) for k, v in self.counts.items()},
                "shards": self.shards, "chunks": {"train": len(self.train_chunks), "test": len(self.eval_chunks)},
                "held_out_by_hash": self.holdout, "dropped_empty_text": self.dropped_empty,
                "skipped_shards": self.skipped, "sources": self.sources, "digests": self.digests}


def columns_of(config: Config) -> Columns:
    data = config.data
    return Columns(tuple(data.text_columns), data.label_column, data.id_column,
                   tuple(data.rename.items()), data.empty_text)


def _scan(backend: Backend, pattern: str, key: str, config: Config, holdout: float,
          warn: Callable[[str], None]) -> tuple[list[ShardScan], list[str]]:
    files, fmt = shard_files(pattern, config.data.format, key)
    training = config.training
    scan = functools.partial(_scan_one, fmt=fmt, chunk_rows=training.chunk_rows, columns=columns_of(config),
                             holdout=holdout, fail=training.bad_shards == "fail")
    scans = backend.map(scan, files)
    skipped = [s.error for s in scans if s.error]
    for message in skipped:
        warn(f"skipped shard: {message}")
    good = [s for s in scans if not s.error]
    if not good:
        raise DataError(f"data.{key}: no readable shard in {pattern}")
    return good, skipped


def _scan_one(path: str, fmt: str, chunk_rows: int, columns: Columns, holdout: float, fail: bool) -> ShardScan:
    return scan_shard(path, fmt, chunk_rows, columns, holdout, fail)


def plan_stream(config: Config, backend: Backend, warn: Callable[[str], None] = lambda m: None) -> StreamPlan:
    """Scan the training (and test) shards and settle the label set; every data problem raises here."""
    data, training = config.data, config.training
    holdout = 0.0 if data.test else training.holdout
    train_scans, skipped = _scan(backend, data.train, "train", config, holdout, warn)
    counts = {"train": sum((s.labels for s in train_scans), Counter())}
    if data.test:
        test_scans, more = _scan(backend, data.test, "test", config, 0.0, warn)
        skipped += more
        counts["test"] = sum((s.labels for s in test_scans), Counter())
    else:
        test_scans = train_scans
        counts["test"] = sum((s.held_out_labels for s in train_scans), Counter())
    classes = _classes(config, counts)
    train_chunks = [c for s in train_scans for c in s.chunks]
    digests = {"train": shard_list_digest(train_scans), "test": shard_list_digest(test_scans)}
    if not data.test:
        digests["test"] = f"{digests['test'][:24]}h{round(holdout * 10_000):04d}"
    return StreamPlan(columns_of(config), train_chunks, [c for s in test_scans for c in s.chunks], holdout, classes,
                      counts, digests, {"train": data.train, "test": data.test or f"{data.train} (held out by hash)"},
                      {"train": len(train_scans), "test": len(test_scans)},
                      sum(s.dropped_empty for s in train_scans), skipped)


def _classes(config: Config, counts: dict[str, Counter]) -> list[str]:
    """The configured label set (every label seen must be in it), else the labels of the training rows."""
    seen = sorted(counts["train"])
    if not counts["test"]:
        raise DataError("training.holdout: no row was held out for evaluation; raise the share or give data.test")
    given = config.training.classes
    if given is None:
        if len(seen) < 2:
            raise DataError(f"data.train: found one class only ({', '.join(seen)}); a classifier needs two")
        rare = {k: v for k, v in counts["train"].items() if v < config.data.min_examples_per_class}
        if rare:
            listed = ", ".join(f"{k} ({v})" for k, v in sorted(rare.items())[:8])
            raise DataError(f"data.min_examples_per_class: classes with fewer than "
                            f"{config.data.min_examples_per_class} training rows: {listed}")
        return seen
    unknown = sorted((set(counts["train"]) | set(counts["test"])) - set(given))
    if unknown:
        raise DataError(f"training.classes: the shards hold labels not listed: {', '.join(unknown[:8])}")
    return sorted(given)


# ---------------------------------------------------------------------------------------------------------------
# Work done per chunk (on any worker)


@dataclass
class Batch:
    """One vectorized chunk: features, labels, and the first rows' texts (kept for the model's input example)."""

    X: Any
    y: np.ndarray
    head: pd.DataFrame


def vectorize_chunk(chunk: Chunk, features: Any, columns: Columns, holdout: float, part: str) -> Batch:
    """Read one chunk, keep its training (`part='train'`) or held-out rows, and vectorize them."""
    table = read_chunk(chunk, columns)
    if holdout > 0:
        mask = held_out(holdout_keys(table, columns), holdout)
        table = table.filter(pa.array(mask if part == "test" else ~mask))
    frame = table.select(list(columns.text)).to_pandas(types_mapper=pd.ArrowDtype)
    y = table[columns.label].to_numpy(zero_copy_only=False).astype(object)
    return Batch(features.transform(frame) if len(frame) else None, y, frame.head(3).astype(str))


# ---------------------------------------------------------------------------------------------------------------
# Fitting and evaluating


@contextmanager
def _progress(reporter: Any, name: str, total: int) -> Iterator[Callable[[int], None]]:
    """The reporter's progress bar (documents/s and ETA) when it has one, else a no-op."""
    bar = getattr(reporter, "progress", None)
    if bar is None:
        yield lambda n: None
        return
    with bar(name, total) as advance:
        yield advance


def _model(config: Config, plan: StreamPlan) -> Any:
    """The configured estimator; 'balanced' class weights are computed from the scan's counts (partial_fit
    cannot compute them itself)."""
    spec = config.model
    if spec.class_weight == "balanced":
        counts = plan.counts["train"]
        total, k = sum(counts.values()), len(plan.classes)
        weights = {c: total / (k * counts[c]) for c in plan.classes if counts.get(c)}
        spec = spec.model_copy(update={"class_weight": weights})
    return build_model(spec, config.seed)


def fit_stream(config: Config, plan: StreamPlan, backend: Backend, reporter: Any = None) -> tuple[Pipeline, dict]:
    """Fit features + model chunk by chunk for `training.epochs` epochs; returns the pipeline and timings."""
    features = build_features(config.feature_specs, list(plan.columns.text), config.seed)
    features.fit(pd.DataFrame({column: [""] for column in plan.columns.text}))  # stateless: nothing to learn
    model = _model(config, plan)
    classes = np.asarray(plan.classes, dtype=object)
    vectorize = functools.partial(vectorize_chunk, features=features, columns=plan.columns,
                                  holdout=plan.holdout, part="train")
    rng = np.random.default_rng(config.seed)
    epochs, fitted_rows, fit_seconds = config.training.epochs, 0, 0.0
    start = time.perf_counter()
    count = len(plan.train_chunks)
    with _progress(reporter, "fit", plan.rows["train"] * epochs) as advance:
        for _ in range(epochs):
            order = rng.permutation(count) if config.training.shuffle else range(count)
            for batch in backend.stream(vectorize, [plan.train_chunks[i] for i in order]):
                if len(batch.y):
                    tick = time.perf_counter()
                    model.partial_fit(batch.X, batch.y, classes=classes)
                    fit_seconds += time.perf_counter() - tick
                fitted_rows += len(batch.y)
                advance(len(batch.y))
    elapsed = time.perf_counter() - start
    timings = {"fit_time_s": elapsed, "partial_fit_time_s": fit_seconds, "epochs": float(epochs),
               "fitted_rows": float(fitted_rows), "train_docs_per_s": fitted_rows / elapsed if elapsed else 0.0}
    return Pipeline([("features", features), ("model", model)]), timings


def predict_stream(pipeline: Pipeline, plan: StreamPlan, backend: Backend,
                   reporter: Any = None) -> tuple[np.ndarray, np.ndarray, pd.DataFrame, float]:
    """Labels and predictions of every held-out row, an input example, and the prediction rate."""
    features, model = pipeline[0], pipeline[-1]
    vectorize = functools.partial(vectorize_chunk, features=features, columns=plan.columns,
                                  holdout=plan.holdout, part="test")
    truth, predicted, head = [], [], None
    start = time.perf_counter()
    with _progress(reporter, "evaluate", plan.rows["test"]) as advance:
        for batch in backend.stream(vectorize, plan.eval_chunks):
            if len(batch.y):
                truth.append(batch.y)
                predicted.append(np.asarray(model.predict(batch.X), dtype=object))
                head = batch.head if head is None else head
            advance(len(batch.y))
    elapsed = time.perf_counter() - start
    rows = sum(map(len, truth))
    return np.concatenate(truth), np.concatenate(predicted), head, rows / elapsed if elapsed else float("inf")


def evaluate_stream(config: Config, plan: StreamPlan, y_true: np.ndarray, y_pred: np.ndarray,
                    out: Path) -> dict[str, float]:
    """Metrics, a majority baseline from the scan's counts, the report and the confusion matrix."""
    labels = plan.classes
    metrics = evaluate.classification_metrics(y_true, y_pred, labels)
    majority = plan.counts["train"].most_common(1)[0][0]
    metrics.update(evaluate.majority_baseline([majority], y_true, labels))
    text, as_dict = evaluate.report(y_true, y_pred, labels)
    (out / "classification_report.txt").write_text(text, encoding="utf-8")
    (out / "classification_report.json").write_text(json.dumps(as_dict, indent=2), encoding="utf-8")
    evaluate.write_confusion(y_true, y_pred, labels, out, f"{config.experiment_name}: confusion matrix (test)")
    return metrics


def peak_rss_bytes() -> float:
    """Peak resident memory of this process and of its finished children (ru_maxrss is in KiB on Linux)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(own * 1024)


# ---------------------------------------------------------------------------------------------------------------
# The tracked run


def _log_datasets(config: Config, plan: StreamPlan) -> None:
    """Dataset inputs that describe the shards (source, digest of the shard list) without loading them."""
    import mlflow
    from mlflow.data.dataset_source_registry import resolve_dataset_source
    from mlflow.data.meta_dataset import MetaDataset
    from mlflow.types import ColSpec, Schema

    from train import tracking

    schema = Schema([ColSpec("string", c) for c in (*plan.columns.text, plan.columns.label)])
    for split in ("train", "test"):
        with warnings.catch_warnings():
            tracking.silence_mlflow_hints()
            source = resolve_dataset_source(tracking.dataset_source(plan.sources[split].split(" (")[0]))
        dataset = MetaDataset(source, name=f"{config.experiment_name}-{split}", digest=plan.digests[split],
                              schema=schema)
        mlflow.log_input(dataset, context=split)


def run_streaming(config: Config, reporter: Any = None, backend: Backend | None = None) -> Any:
    """Scan, fit by streaming, evaluate on held-out rows, and log everything as one MLflow run."""
    from train.runner import SilentReporter

    reporter = reporter or SilentReporter()
    check_model_params(config)
    owned = backend is None
    backend = backend or make_backend(config.training)
    try:
        with reporter.stage(f"scan ({backend.name}, {backend.workers} workers)"):
            plan = plan_stream(config, backend, reporter.warn)
        return _tracked_run(config, plan, backend, reporter)
    finally:
        if owned:
            backend.close()


def _tracked_run(config: Config, plan: StreamPlan, backend: Backend, reporter: Any) -> Any:
    from train import naming, tracking
    from train.run_logs import FinalLogs, FirstLogs
    from train.runner import RunResult, model_to_log, run_tags

    uri = tracking.tracking_uri(config.tracking.uri, config.path)
    tracking.use_store(uri)
    tags = {**run_tags(config), "secnews.training": f"streaming/{backend.name}"}
    if plan.skipped:
        tags["secnews.skipped_shards"] = str(len(plan.skipped))
    with tracking.mlflow_run(config.experiment_name, naming.run_name(config), tags) as run, \
            tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        resolved = resolved_dict(config)
        FirstLogs(resolved, naming.params(resolved), plan.summary())()
        _log_datasets(config, plan)
        pipeline, timings = fit_stream(config, plan, backend, reporter)
        y_true, y_pred, head, rate = predict_stream(pipeline, plan, backend, reporter)
        with reporter.stage("evaluate"):
            metrics = evaluate_stream(config, plan, y_true, y_pred, out)
        metrics.update(timings)
        metrics.update({"predict_rows_per_s": rate, "train_rows": float(plan.rows["train"]),
                        "test_rows": float(len(y_true)), "peak_rss_bytes": peak_rss_bytes()})
        with reporter.stage("log"):
            model = (model_to_log(config, pipeline, list(plan.columns.text), plan.classes, plan.columns.label, head)
                     if config.tracking.log_model else None)
            description = naming.describe_rows(config, plan.rows["train"], len(y_true), plan.sources.get("train", ""),
                                               metrics)
            outcome = FinalLogs(tmp, metrics, model, description=description,
                                register_as=config.tracking.register_as)(run.info.run_id)
        artifacts = sorted(p.name for p in out.iterdir())
    return RunResult(run.info.run_id, config.experiment_name, run.info.experiment_id, uri, outcome.model_uri,
                     outcome.metrics, artifacts, outcome.registered)
