"""`run_training(config)`: the whole training corridor as one plain function (the CLI is a thin layer on it)."""

from __future__ import annotations

import inspect
import json
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MultiLabelBinarizer

from features.data import Prepared, dev_split, prepare, read_raw
from features.union import build_features, dense_layout
from train import background_run, cache, evaluate, naming, signals, tracking_process
from train.config import Config, check_model_params, resolved_dict
from train.estimators import ESTIMATORS, blas_threads, build_model, scores
from train.preflight import check_fit_data, vocabulary_errors
from train.run_logs import DatasetInput, FinalLogs, FirstLogs, ModelToLog


class Reporter(Protocol):
    """Receives stage progress and messages (the CLI shows them with Rich; tests pass a silent one)."""

    def stage(self, name: str) -> Any: ...

    def warn(self, message: str) -> None: ...

    def summary(self, summary: dict[str, Any]) -> None: ...


class SilentReporter:
    """A Reporter that records warnings and shows nothing."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        yield

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def summary(self, summary: dict[str, Any]) -> None:
        return None


@dataclass
class RunResult:
    """What a finished training run produced, for the CLI, scripts and tests."""

    run_id: str
    experiment: str
    experiment_id: str
    tracking_uri: str
    model_uri: str | None
    metrics: dict[str, float]
    artifacts: list[str] = field(default_factory=list)
    registered: str | None = None

    def as_json(self) -> str:
        return json.dumps({"run_id": self.run_id, "experiment": self.experiment, "metrics": self.metrics,
                           "model_uri": self.model_uri, "tracking_uri": self.tracking_uri,
                           "registered": self.registered}, sort_keys=True)


@dataclass
class Fitted:
    """A fitted pipeline and the numbers measured while fitting and predicting."""

    pipeline: Pipeline
    y_pred: Any
    scores: np.ndarray | None
    classes: list[str]
    timings: dict[str, float]
    binarizer: MultiLabelBinarizer | None = None


def fit_pipeline(config: Config, data: Prepared, reporter: Reporter) -> Fitted:
    """Fit features then model on the training split only, and predict the test split."""
    dense = ESTIMATORS.get(config.model.name, "model.name").dense_input
    features = build_features(config.feature_specs, data.text_columns, config.seed, dense=dense)
    model = build_model(config.model, config.seed, data.multi_label, dense_layout(config.feature_specs))
    binarizer = None
    y_train = data.y("train")
    if data.multi_label:
        binarizer = MultiLabelBinarizer()
        y_train = binarizer.fit_transform(y_train)
    timings = {}
    with reporter.stage("vectorize"), vocabulary_errors(config.feature_specs):
        start = time.perf_counter()
        features, X_train, hit = cache.fit_transform(config, features, data.X("train"), y_train, data.digests["train"],
                                                     dense, data.text_columns)
        timings["vectorize_time_s"] = time.perf_counter() - start
        if hit is not None:
            timings["feature_cache_hit"] = float(hit)
    with reporter.stage("fit"), blas_threads(dense):
        start = time.perf_counter()
        model.fit(X_train, y_train, **group_argument(model, data, config.task_component))
        signals.check()  # the estimator may have swallowed Ctrl-C (MLPClassifier does): keep no half-done fit
        timings["fit_time_s"] = time.perf_counter() - start + timings["vectorize_time_s"]
    pipeline = Pipeline([("features", features), ("model", model)])
    background_run.settle()  # the throughput below is the pipeline's, not shared with our tracking thread
    start = time.perf_counter()
    # once, for both the predictions and the class scores (a sweep trial finds it in the feature cache)
    X_test, test_hit = cache.transform(config, features, data.X("test"), data.digests["train"],
                                       data.digests["test"], dense, data.text_columns)
    with blas_threads(dense):
        y_pred = model.predict(X_test)
    elapsed = time.perf_counter() - start
    if test_hit is not None:
        timings["scored_split_cache_hit"] = float(test_hit)
    if not test_hit:  # a cached matrix says nothing about how fast the pipeline predicts
        timings["predict_rows_per_s"] = len(data.test) / elapsed if elapsed > 0 else float("inf")
    try:
        class_scores = scores(model, X_test)
    except AttributeError:
        class_scores = None
    classes = list(binarizer.classes_) if binarizer is not None else [str(c) for c in pipeline.classes_]
    return Fitted(pipeline, y_pred, class_scores, classes, timings, binarizer)


def group_argument(model: Any, data: Prepared, task: Any) -> dict[str, Any]:
    """`groups=` (the task's group ids of the training rows) for models whose fit takes them, so their inner
    folds keep groups whole."""
    if "groups" not in inspect.signature(model.fit).parameters:
        return {}
    groups = task.fit_groups(data.train, data.group_column, data.text_columns, data.label_column)
    return {} if groups is None else {"groups": groups}


def score(config: Config, data: Prepared, fitted: Fitted) -> dict[str, float]:
    """The task's metrics of a fitted pipeline on `data.test`."""
    y_test = data.y("test")
    if fitted.binarizer is not None:
        y_test = fitted.binarizer.transform(y_test)
    metrics = config.task_component.metrics(y_test, fitted.y_pred, fitted.classes, data.y("train"))
    thresholds = getattr(fitted.pipeline[-1], "thresholds_", None)  # models that threshold each label
    if thresholds is not None and fitted.scores is not None:
        metrics["fallback_rate"] = float((fitted.scores < thresholds).all(axis=1).mean())
    return metrics


def dev_metrics(config: Config, data: Prepared) -> dict[str, float]:
    """Fit on the training split minus a grouped dev part and score the dev part (`dev_` prefix)."""
    dev = dev_split(data, config.data.split.dev_size, config.seed, config.task_component)
    fitted = fit_pipeline(config, dev, SilentReporter())
    metrics = score(config, dev, fitted)
    metrics.update({"rows": float(len(dev.test)), "fit_time_s": fitted.timings["fit_time_s"]})
    return {f"dev_{k}": v for k, v in metrics.items()}


def evaluate_fit(config: Config, data: Prepared, fitted: Fitted, out: Path, split: str = "test") -> dict[str, float]:
    """Metrics plus report files (confusion PNG, reports, worst examples, top features) written to `out`.

    Scores on a split other than test (dev) are prefixed with its name (`dev_macro_f1`)."""
    classes = fitted.classes
    y_test = data.y("test")
    prefix = "" if split == "test" else f"{split}_"
    metrics = {f"{prefix}{k}": v for k, v in score(config, data, fitted).items()}
    if data.multi_label:
        y_true = fitted.binarizer.transform(y_test)
        text, as_dict = evaluate.report(y_true, fitted.y_pred, classes)
        train_support = fitted.binarizer.transform(data.y("train")).sum(axis=0)
        evaluate.per_label_report(y_true, fitted.y_pred, classes, train_support,
                                  getattr(fitted.pipeline[-1], "thresholds_", None)).to_csv(
            out / "per_label.csv", index=False)
    else:
        y_true = y_test
        labels = config.task_component.report_order(classes)
        text, as_dict = evaluate.report(y_true, fitted.y_pred, labels)
        evaluate.write_confusion(y_true, fitted.y_pred, labels, out,
                                 f"{config.experiment_name}: confusion matrix ({split})")
        worst = evaluate.worst_examples(data.X("test"), y_true, fitted.y_pred, fitted.scores, classes,
                                        config.eval.worst_examples, config.eval.max_text_chars)
        worst.to_csv(out / "worst_examples.csv", index=False)
    config.task_component.write_artifacts(out, data.X("test"), y_true, fitted.y_pred, fitted.pipeline)
    (out / "classification_report.txt").write_text(text, encoding="utf-8")
    (out / "classification_report.json").write_text(json.dumps(as_dict, indent=2), encoding="utf-8")
    top = evaluate.top_features(fitted.pipeline, classes, config.eval.top_features)
    if top:
        (out / "top_features.json").write_text(json.dumps(top, indent=2), encoding="utf-8")
    metrics.update(fitted.timings)
    metrics["train_rows"] = float(len(data.train))
    metrics[f"{split}_rows"] = float(len(data.test))
    return metrics


def run_tags(config: Config) -> dict[str, str]:
    from train import tracking

    root = tracking.project_root(config.path.parent if config.path else None)
    tags = {"task": config.task, "secnews.config": str(config.path or ""), **naming.tags(config),
            **config.tracking.tags}
    tags.update({f"version.{k}": v for k, v in tracking.versions().items()})
    commit = tracking.git_commit(root)
    if commit:
        tags["mlflow.source.git.commit"] = commit
    return tags


def model_to_log(config: Config, pipeline: Pipeline, columns: list[str], classes: list[str], label_column: str,
                 example: Any) -> ModelToLog:
    """A fitted pipeline as a secnews model to log: metadata, signature inputs and example predictions."""
    from train.predict import SecnewsModel

    meta = {"task": config.task, "input_columns": columns, "classes": classes, "label_column": label_column,
            "experiment": config.experiment_name}
    example = example.head(3).reset_index(drop=True)
    model = SecnewsModel(pipeline, config.task_component, columns, classes)
    return ModelToLog(pipeline, example, model.predict_table(example), meta, config.task_component.accepts_lone_text)


def first_logs(config: Config, data: Prepared, resolved: dict[str, Any], evaluate_on: str) -> FirstLogs:
    """What is known before fitting: logged by the tracking thread or process while the model fits."""
    datasets = [DatasetInput(getattr(data, split), f"{config.experiment_name}-{context}",
                             data.sources.get(split, data.sources["train"]), data.digests[split], data.label_column,
                             context)
                for split, context in (("train", "train"), ("test", evaluate_on))]
    return FirstLogs(resolved, naming.params(resolved), data.summary, datasets)


def run_training(config: Config, reporter: Reporter | None = None,
                 evaluate_on: Literal["test", "dev"] = "test") -> RunResult:
    """Load, validate, fit, evaluate and log one experiment; data/config errors raise before a run exists.

    `evaluate_on="dev"` (sweep trials) fits on the training split minus a dev part and scores the dev part only:
    metrics are `dev_*`, and the test split is neither predicted nor logged.
    """
    from train import tracking

    reporter = reporter or SilentReporter()
    tracking.silence_mlflow_hints()  # in this thread, before the background run logs (catch_warnings races)
    if config.training.streaming:
        from train.streaming import run_streaming

        return run_streaming(config, reporter)
    check_model_params(config)
    uri = tracking.tracking_uri(config.tracking.uri, config.path)
    tracking.check_store(uri)  # an unreachable server fails now, not after loading data
    helper = tracking_process.wanted(nested=False)
    with reporter.stage("load"):
        raw = read_raw(config.data, config.task_component)
    if not helper:
        # MLflow (and skops, when a model is saved or sized) import in a thread while the data is validated and fitted
        background_run.warm_up(models=background_run.models_needed(config.tracking.log_model, evaluate_on))
    with reporter.stage("validate"):
        data = prepare(config.data, config.task_component, config.seed, raw)
    for message in data.warnings:
        reporter.warn(message)
    reporter.summary(data.summary)
    check_fit_data(config, data)
    if evaluate_on == "dev":
        data = dev_split(data, config.data.split.dev_size, config.seed, config.task_component)

    tags = run_tags(config)
    with background_run.background_run(uri, config.experiment_name, naming.run_name(config), tags,
                                       first_logs=first_logs(config, data, resolved_dict(config), evaluate_on),
                                       helper_process=helper) as pending, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        dev = {}
        if config.eval.dev_split and evaluate_on == "test":
            with reporter.stage("dev"):
                dev = dev_metrics(config, data)
        fitted = fit_pipeline(config, data, reporter)
        with reporter.stage("evaluate"):
            metrics = evaluate_fit(config, data, fitted, out, evaluate_on)
            metrics.update(dev)
        with reporter.stage("log"):
            model = (model_to_log(config, fitted.pipeline, data.text_columns, fitted.classes, data.label_column,
                                  data.X("test")) if config.tracking.log_model else None)
            outcome = pending.finish(FinalLogs(
                tmp, metrics, model,
                size_of=fitted.pipeline if model is None and evaluate_on == "test" else None,  # not per trial
                description=naming.describe(config, data, metrics, evaluate_on),
                register_as=config.tracking.register_as))
        artifacts = sorted(p.name for p in out.iterdir())
    return RunResult(pending.run_id, config.experiment_name, pending.experiment_id, uri, outcome.model_uri,
                     outcome.metrics, artifacts, outcome.registered)
