"""run_training end to end into a temporary MLflow store: status, metrics, artifacts, datasets, tags, model."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import scipy.sparse as sp
import yaml
from sklearn.linear_model import LogisticRegression

from features.data import prepare
from train.config import Config, load_config, resolved_dict
from train.runner import RunResult, run_training

original_fit = LogisticRegression.fit

REPO = Path(__file__).resolve().parents[2]
HEADLINE_METRICS = ["accuracy", "macro_f1", "baseline_accuracy", "fit_time_s", "predict_rows_per_s",
                    "model_size_bytes"]
TIMING_METRICS = {"fit_time_s", "vectorize_time_s", "predict_rows_per_s"}
ARTIFACTS = ["config.yaml", "data/summary.json", "evaluation/confusion_matrix.svg",
             "evaluation/classification_report.txt", "evaluation/classification_report.json",
             "evaluation/worst_examples.csv", "evaluation/top_features.json"]


@dataclass
class Trained:
    """One finished training run on the tiny corpus, shared by the read-only tests of this module."""

    result: RunResult
    config: Config
    run: Any
    client: Any
    folder: Path


@pytest.fixture(scope="module")
def trained(tmp_path_factory, _empty_store_template, make_topic_frame, make_config) -> Trained:
    from mlflow.tracking import MlflowClient

    folder = tmp_path_factory.mktemp("trained")
    shutil.copy(_empty_store_template, folder / "mlflow.db")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    make_topic_frame(per_class=12).to_csv(folder / "articles.csv", index=False)
    (folder / "tiny.yaml").write_text(yaml.safe_dump(make_config()), encoding="utf-8")
    config = load_config(folder / "tiny.yaml")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        result = run_training(config)
    client = MlflowClient(uri)
    return Trained(result, config, client.get_run(result.run_id), client, folder)


def train_tiny(write_topic_csv, write_config, make_config, **sections) -> RunResult:
    write_topic_csv()
    return run_training(load_config(write_config(make_config(**sections))))


def statuses(store) -> list[str]:
    return [run.info.status for run in store.runs()]


# --- the finished run -------------------------------------------------------------------------------------------


def test_a_training_run_ends_finished(trained):
    assert trained.run.info.status == "FINISHED"


def test_the_run_lands_in_the_store_from_the_environment(trained):
    assert trained.result.tracking_uri == f"sqlite:///{trained.folder / 'mlflow.db'}"


def test_the_experiment_is_named_after_task_and_config_file(trained):
    assert trained.result.experiment == "topic-tiny"
    assert trained.client.get_experiment(trained.run.info.experiment_id).name == "topic-tiny"


def test_artifacts_live_beside_the_sqlite_database(trained):
    location = trained.client.get_experiment(trained.run.info.experiment_id).artifact_location
    assert location == (trained.folder / "mlartifacts").resolve().as_uri()


@pytest.mark.parametrize("name", HEADLINE_METRICS)
def test_headline_metrics_are_logged(trained, name):
    assert trained.run.data.metrics[name] == pytest.approx(trained.result.metrics[name])


def test_every_returned_metric_is_logged(trained):
    assert set(trained.result.metrics) <= set(trained.run.data.metrics)


def test_the_model_beats_the_majority_baseline(trained):
    metrics = trained.run.data.metrics
    assert metrics["accuracy"] > metrics["baseline_accuracy"]


def test_the_model_size_metric_is_the_size_of_the_logged_model_file(trained):
    import mlflow

    files = mlflow.artifacts.list_artifacts(artifact_uri=trained.result.model_uri)
    (skops_file,) = [f for f in files if f.path.endswith(".skops")]
    assert trained.run.data.metrics["model_size_bytes"] == skops_file.file_size


def test_the_fit_time_covers_vectorizing(trained):
    metrics = trained.run.data.metrics
    assert metrics["fit_time_s"] >= metrics["vectorize_time_s"]


@pytest.mark.parametrize("path", ARTIFACTS)
def test_evaluation_artifacts_are_logged(trained, path):
    folder, _, name = path.rpartition("/")
    listed = [a.path for a in trained.client.list_artifacts(trained.result.run_id, folder or None)]
    assert path in listed


def test_the_logged_config_is_the_resolved_config(trained):
    import mlflow

    text = mlflow.artifacts.load_text(f"{trained.run.info.artifact_uri}/config.yaml")
    assert yaml.safe_load(text) == resolved_dict(trained.config)


def test_the_data_summary_counts_the_split_rows(trained):
    import mlflow

    summary = mlflow.artifacts.load_dict(f"{trained.run.info.artifact_uri}/data/summary.json")
    assert summary["rows"] == {"train": 28, "test": 8}
    assert set(summary["classes"]["test"]) == {"malware", "phishing", "policy"}
    assert sum(summary["classes"]["test"].values()) == 8


def test_the_classification_report_json_matches_the_logged_macro_f1(trained):
    import mlflow

    report = mlflow.artifacts.load_dict(f"{trained.run.info.artifact_uri}/evaluation/classification_report.json")
    assert report["macro avg"]["f1-score"] == pytest.approx(trained.run.data.metrics["macro_f1"])


def test_top_features_name_each_class(trained):
    import mlflow

    top = mlflow.artifacts.load_dict(f"{trained.run.info.artifact_uri}/evaluation/top_features.json")
    assert set(top) == {"malware", "phishing", "policy"}
    assert all(len(features) == 5 for features in top.values())


def test_params_hold_the_flattened_config(trained):
    params = trained.run.data.params
    assert params["model.params.C"] == "5"
    assert params["features.0.name"] == "tfidf_word"
    assert params["seed"] == "7"


def test_train_and_test_are_logged_as_datasets_with_our_digest(trained):
    expected = prepare(trained.config.data, trained.config.task_component, trained.config.seed).digests
    logged = {}
    for item in trained.run.inputs.dataset_inputs:
        context = {tag.key: tag.value for tag in item.tags}["mlflow.data.context"]
        logged[context] = item.dataset.digest
    assert logged == expected
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in logged.values())


def test_tags_name_the_task_and_package_versions(trained):
    tags = trained.run.data.tags
    assert tags["task"] == "topic"
    assert tags["version.scikit-learn"] == metadata.version("scikit-learn")
    assert tags["version.mlflow"] == metadata.version("mlflow")
    assert {"version.secnews", "version.skops", "version.numpy", "version.pandas"} <= set(tags)


def test_tags_name_the_config_file(trained):
    assert trained.run.data.tags["secnews.config"] == str(trained.folder / "tiny.yaml")


def test_the_logged_model_loads_with_mlflow_sklearn_and_predicts_from_its_signature_columns(trained, monkeypatch):
    import mlflow
    from mlflow.models import get_model_info

    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(trained.result.tracking_uri)
    try:
        columns = get_model_info(trained.result.model_uri).signature.inputs.input_names()
        model = mlflow.sklearn.load_model(trained.result.model_uri)
    finally:
        mlflow.set_tracking_uri(previous)
    assert {"title", "body"} <= set(columns)
    rows = {"title": ["ransomware botnet update", "parliament treaty update"],
            "body": ["encrypted payload backdoor worm", "minister sanctions regulation senate"]}
    frame = pd.DataFrame({column: rows.get(column, ["", ""]) for column in columns})
    assert list(model.predict(frame)) == ["malware", "policy"]


def test_the_result_lists_the_evaluation_files(trained):
    assert {"confusion_matrix.svg", "worst_examples.csv", "top_features.json"} <= set(trained.result.artifacts)


# --- failures ---------------------------------------------------------------------------------------------------


def test_a_run_whose_fit_raises_ends_failed_with_an_error_tag(mlflow_store, monkeypatch, write_topic_csv,
                                                               write_config, make_config):
    def broken_fit(self, X, y, sample_weight=None):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(LogisticRegression, "fit", broken_fit)
    with pytest.raises(RuntimeError, match="solver exploded"):
        train_tiny(write_topic_csv, write_config, make_config)
    (run,) = mlflow_store.runs()
    assert run.info.status == "FAILED"
    assert run.data.tags["error"] == "RuntimeError: solver exploded"


def test_an_interrupted_run_ends_killed(mlflow_store, monkeypatch, write_topic_csv, write_config, make_config):
    def interrupted_fit(self, X, y, sample_weight=None):
        if sp.issparse(X):  # the real TF-IDF fit, not the config check's tiny dense probe
            raise KeyboardInterrupt
        return original_fit(self, X, y, sample_weight)

    monkeypatch.setattr(LogisticRegression, "fit", interrupted_fit)
    with pytest.raises(KeyboardInterrupt):
        train_tiny(write_topic_csv, write_config, make_config)
    (run,) = mlflow_store.runs()
    assert run.info.status == "KILLED"
    assert "interrupted" in run.data.tags["error"]


def test_a_data_error_creates_no_run(mlflow_store, write_topic_csv, write_config, make_config):
    from core.errors import DataError

    write_topic_csv()
    config = make_config(data={"train": "articles.csv", "text_columns": ["headline"]})
    with pytest.raises(DataError):
        run_training(load_config(write_config(config)))
    assert mlflow_store.runs() == []


def test_no_run_is_left_running_after_success_failure_and_interrupt(mlflow_store, monkeypatch, write_topic_csv,
                                                                    write_config, make_config):
    train_tiny(write_topic_csv, write_config, make_config)
    for error in (RuntimeError("boom"), KeyboardInterrupt()):
        def failing_fit(self, X, y, sample_weight=None, error=error):
            if sp.issparse(X):  # the real TF-IDF fit, not the config check's tiny dense probe
                raise error
            return original_fit(self, X, y, sample_weight)

        with monkeypatch.context() as patch, pytest.raises(type(error)):
            patch.setattr(LogisticRegression, "fit", failing_fit)
            train_tiny(write_topic_csv, write_config, make_config)
    assert sorted(statuses(mlflow_store)) == ["FAILED", "FINISHED", "KILLED"]


def test_an_unexpected_error_through_the_cli_exits_1_with_a_hint_and_no_traceback(
        mlflow_store, monkeypatch, run_cli, write_topic_csv, write_config, make_config):
    def broken_fit(self, X, y, sample_weight=None):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(LogisticRegression, "fit", broken_fit)
    write_topic_csv()
    result = run_cli("train", write_config(make_config()), "-q")
    assert result.code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: unexpected RuntimeError: solver exploded (set SECNEWS_DEBUG=1 for the traceback)")
    assert "Traceback" not in result.stderr
    assert statuses(mlflow_store) == ["FAILED"]


def test_ctrl_c_through_the_cli_exits_130_and_kills_the_run(mlflow_store, monkeypatch, run_cli, write_topic_csv,
                                                            write_config, make_config):
    def interrupted_fit(self, X, y, sample_weight=None):
        if sp.issparse(X):  # the real TF-IDF fit, not the config check's tiny dense probe
            raise KeyboardInterrupt
        return original_fit(self, X, y, sample_weight)

    monkeypatch.setattr(LogisticRegression, "fit", interrupted_fit)
    write_topic_csv()
    result = run_cli("train", write_config(make_config()), "-q")
    assert result.code == 130
    assert statuses(mlflow_store) == ["KILLED"]


# --- reproducibility and scripting ------------------------------------------------------------------------------


def test_the_same_config_and_seed_give_identical_metrics(mlflow_store, write_topic_csv, write_config, make_config):
    first = train_tiny(write_topic_csv, write_config, make_config, seed=11)
    second = train_tiny(write_topic_csv, write_config, make_config, seed=11)
    strip = lambda metrics: {k: v for k, v in metrics.items() if k not in TIMING_METRICS}  # noqa: E731
    assert strip(first.metrics) == strip(second.metrics)
    assert first.run_id != second.run_id


def test_train_json_prints_one_json_object_as_the_last_line(mlflow_store, run_cli, write_topic_csv, write_config,
                                                            make_config):
    write_topic_csv()
    result = run_cli("train", write_config(make_config()), "--json")
    assert result.code == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"run_id", "experiment", "metrics", "model_uri"} <= set(answer)
    assert answer["experiment"] == "topic-experiment"
    assert answer["metrics"]["accuracy"] == pytest.approx(
        mlflow_store.client.get_run(answer["run_id"]).data.metrics["accuracy"])
    assert answer["model_uri"].startswith("models:/")


def test_train_prints_the_run_id_and_model_uri(mlflow_store, run_cli, write_topic_csv, write_config, make_config):
    write_topic_csv()
    result = run_cli("train", write_config(make_config()), "-q")
    assert result.code == 0, result.stderr
    (run,) = mlflow_store.runs()
    assert f"run id:    {run.info.run_id}" in result.stdout
    assert "model uri: models:/" in result.stdout


def test_train_shows_the_leakage_warning_with_its_count(mlflow_store, run_cli, tmp_path, write_config, make_config,
                                                         make_topic_frame):
    frame = make_topic_frame(per_class=10)
    frame.to_csv(tmp_path / "train.csv", index=False)
    frame.iloc[[0, 10, 20]].to_csv(tmp_path / "test.csv", index=False)
    config = make_config(data={"train": "train.csv", "test": "test.csv", "text_columns": ["title", "body"]})
    result = run_cli("train", write_config(config))
    assert result.code == 0, result.stderr
    assert "warning: leakage: 3 test rows have a text identical to a training row" in result.stderr


def test_hist_gb_trains_end_to_end_on_tfidf_features(mlflow_store, write_topic_csv, write_config, make_config):
    result = train_tiny(write_topic_csv, write_config, make_config,
                        model={"name": "hist_gb", "params": {"max_iter": 10, "min_samples_leaf": 2}})
    assert mlflow_store.client.get_run(result.run_id).info.status == "FINISHED"
    assert result.metrics["accuracy"] > result.metrics["baseline_accuracy"]


# --- multi-label ------------------------------------------------------------------------------------------------


def test_a_multi_label_config_trains_end_to_end(mlflow_store, tmp_path, write_config, make_config, make_topic_frame):
    frame = make_topic_frame(per_class=12)
    frame["topics"] = [f"{label}|news" if i % 3 == 0 else label for i, label in enumerate(frame["label"])]
    frame.to_csv(tmp_path / "multi.csv", index=False)
    config = make_config(data={"train": "multi.csv", "text_columns": ["title", "body"], "label_column": "topics",
                               "multi_label": True})
    result = run_training(load_config(write_config(config)))
    run = mlflow_store.client.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert {"micro_f1", "macro_f1", "samples_f1", "subset_accuracy", "hamming_loss", "f1_news"} <= set(
        run.data.metrics)
    assert run.data.metrics["micro_f1"] > 0.5


# --- the repo's demo configs ------------------------------------------------------------------------------------


DEMO_CONFIGS = [p for p in sorted((REPO / "configs").rglob("*.yaml"))
                if "demo:" in p.read_text(encoding="utf-8") and "sweeps" not in p.relative_to(REPO / "configs").parts]


@pytest.mark.slow
@pytest.mark.parametrize("path", DEMO_CONFIGS, ids=lambda p: str(p.relative_to(REPO / "configs")))
def test_every_demo_config_trains_and_beats_its_baseline(path, mlflow_store):
    result = run_training(load_config(path))
    run = mlflow_store.client.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    metrics = run.data.metrics
    if "baseline_macro_f1" in metrics:
        assert metrics["macro_f1"] > metrics["baseline_macro_f1"]
    else:
        assert metrics["micro_f1"] > 0.3
