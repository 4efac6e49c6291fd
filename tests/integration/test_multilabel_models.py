"""Multi-label end to end: tuned thresholds and fallback inside the logged model, the per-label report, and
`secnews predict` / pyfunc answering the label set with per-label probabilities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from train.config import load_config
from train.predict import load_model
from train.runner import run_training


@pytest.fixture
def multi_label_run(mlflow_store: Any, tmp_path: Path, write_config: Any, make_config: Any,
                    make_topic_frame: Any) -> Any:
    frame = make_topic_frame(per_class=12)
    frame["topics"] = [f"{label}|news" if i % 3 == 0 else label for i, label in enumerate(frame["label"])]
    frame.to_csv(tmp_path / "multi.csv", index=False)
    config = make_config(data={"train": "multi.csv", "text_columns": ["title", "body"], "label_column": "topics",
                               "multi_label": True},
                         model={"name": "linear_svm", "multi_label": {"thresholds": "tuned", "fallback": "top"}})
    return run_training(load_config(write_config(config)))


def test_a_multi_label_run_logs_every_multi_label_metric_and_a_per_label_report(multi_label_run: Any,
                                                                                 mlflow_store: Any) -> None:
    run = mlflow_store.client.get_run(multi_label_run.run_id)
    assert {"micro_f1", "macro_f1", "samples_f1", "subset_accuracy", "hamming_loss", "fallback_rate"} <= set(
        run.data.metrics)
    assert "per_label.csv" in multi_label_run.artifacts
    path = mlflow_store.client.download_artifacts(multi_label_run.run_id, "evaluation/per_label.csv")
    report = pd.read_csv(path)
    assert list(report.columns) == ["label", "train_support", "test_support", "predicted", "precision", "recall",
                                    "f1", "threshold"]
    assert "news" in set(report["label"])


def test_the_saved_model_predicts_label_sets_with_its_tuned_thresholds(multi_label_run: Any) -> None:
    model = load_model(multi_label_run.model_uri)
    proba = model.predict_proba(["ransomware trojan payload encrypted"])
    labels = model.predict(["ransomware trojan payload encrypted"])[0]
    thresholds = dict(zip(model.classes, model.pipeline[-1].thresholds_, strict=True))
    passing = [c for c in model.classes if proba.loc[0, c] >= thresholds[c]]
    assert labels == (passing or [proba.columns[proba.iloc[0].argmax()]])


def test_predict_cli_returns_the_label_set_with_per_label_probabilities(multi_label_run: Any, run_cli: Any,
                                                                       make_topic_frame: Any, tmp_path: Path) -> None:
    frame = make_topic_frame(per_class=3, seed=5)
    frame.to_csv(tmp_path / "new.csv", index=False)
    result = run_cli("predict", "-m", multi_label_run.model_uri, "--input", tmp_path / "new.csv",
                     "--id-column", "id", "--top-k", "2")
    assert result.code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    expected = load_model(multi_label_run.model_uri).predict(frame[["title", "body"]])
    assert [r["labels"] for r in rows] == [list(x) for x in expected]
    assert all(set(r["probabilities"]) == set(r["labels"]) and r["labels"] for r in rows)
    assert all(0 < p <= 1 for r in rows for p in r["probabilities"].values())
    assert all(len(r["top_k"]) == 2 for r in rows)


def test_predict_cli_csv_joins_the_label_set(multi_label_run: Any, run_cli: Any) -> None:
    result = run_cli("predict", "-m", multi_label_run.model_uri, "ransomware trojan payload", "--output-format",
                     "csv", "--top-k", "0")
    table = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert list(table.columns) == ["id", "labels", "probabilities", "error"]
    assert "malware" in table.loc[0, "labels"].split("|")


def test_pyfunc_answers_the_label_set_and_one_probability_column_per_label(multi_label_run: Any) -> None:
    import mlflow

    answer = mlflow.pyfunc.load_model(multi_label_run.model_uri).predict(
        pd.DataFrame({"title": ["Port hack"], "body": ["ransomware trojan payload encrypted"]}))
    model = load_model(multi_label_run.model_uri)
    assert list(answer.columns) == ["label", "probability", *model.classes]
    expected = model.predict(pd.DataFrame({"title": ["Port hack"], "body": ["ransomware trojan payload encrypted"]}))
    assert answer.loc[0, "label"].split("|") == expected[0]
