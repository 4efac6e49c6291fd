"""The cases of issue 9 that are not plain error lines: what a run records, what predict decodes, what loads."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import _topic_frame
from tests.robustness.checks import assert_store_clean, one_error_line, write_tiny

LABEL = "crime, law (enforcement)"


def test_labels_that_are_not_metric_names_are_logged_under_safe_names(tmp_path, mlflow_store, run_cli):
    frame = _topic_frame().replace({"label": {"policy": LABEL}})
    frame.to_csv(tmp_path / "articles.csv", index=False)
    config = write_tiny(tmp_path)
    frame.to_csv(tmp_path / "articles.csv", index=False)  # write_tiny wrote the plain corpus first
    result = run_cli("train", config, "--json")
    assert result.code == 0, result.stderr
    run = mlflow_store.client.get_run(json.loads(result.stdout.splitlines()[-1])["run_id"])
    assert run.info.status == "FINISHED"
    assert "f1_crime_ law _enforcement_" in run.data.metrics
    assert run.data.tags["metric_name.f1_crime_ law _enforcement_"] == f"f1_{LABEL}"
    assert json.loads(result.stdout.splitlines()[-1])["metrics"][f"f1_{LABEL}"] >= 0


def test_safe_metric_names_stay_unique():
    from train.tracking import safe_metric_names

    mapping = safe_metric_names(["f1_a,b", "f1_a(b", "f1_ok"])
    assert mapping == {"f1_a,b": "f1_a_b", "f1_a(b": "f1_a_b_2", "f1_ok": "f1_ok"}


def test_an_unreachable_store_is_reported_before_any_data_is_read(tmp_path, mlflow_store, run_cli, monkeypatch):
    config = write_tiny(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    (tmp_path / "articles.csv").write_bytes(b"\x00 not data")  # would be a data error if it were read first
    line = one_error_line(run_cli("train", config, "-q"))
    assert line == ("error: tracking store http://127.0.0.1:9 is not reachable (connection refused); start the "
                    "server, or set MLFLOW_TRACKING_URI / tracking.uri to a store that is")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_store.uri)
    assert_store_clean(mlflow_store)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, _empty_store_template: Path) -> dict[str, Any]:
    from train.config import load_config
    from train.runner import run_training

    folder = tmp_path_factory.mktemp("issue-model")
    shutil.copy(_empty_store_template, folder / "mlflow.db")
    config = write_tiny(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{folder / 'mlflow.db'}")
        result = run_training(load_config(config))
    return {"uri": result.model_uri, "db": folder / "mlflow.db"}


@pytest.fixture
def model_uri(trained: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{trained['db']}")
    return trained["uri"]


def test_non_utf8_bytes_on_predict_stdin_are_replaced_and_said(model_uri, run_cli, monkeypatch):
    stdin = io.TextIOWrapper(io.BytesIO(b"ransomware trojan payload\nfake bank \xff\xfe login\n"), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    result = run_cli("predict", "-m", model_uri, "--top-k", "0")
    assert result.code == 0, result.stderr
    assert result.stderr.strip() == ("warning: 1 input text had bytes that are not UTF-8; they were replaced with "
                                     "U+FFFD")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["label"] for row in rows] == ["malware", "phishing"]


def test_non_utf8_bytes_in_a_predict_argument_are_replaced_and_said(model_uri, run_cli):
    argument = b"fake bank \xff login".decode("utf-8", "surrogateescape")  # what Python makes of such argv bytes
    result = run_cli("predict", "-m", model_uri, "--top-k", "0", argument)
    assert result.code == 0, result.stderr
    assert result.stderr.strip() == ("warning: 1 input text had bytes that are not UTF-8; they were replaced with "
                                     "U+FFFD")
    assert json.loads(result.stdout)["label"] == "phishing"


def _tampered(model_uri: str, folder: Path) -> Path:
    """The model with its skops file replaced by one calling os.system, and MLmodel told to trust that."""
    import os

    import skops.io as sio
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from train.predict import local_model_dir

    shutil.copytree(local_model_dir(model_uri), folder)
    sio.dump(Pipeline([("run", FunctionTransformer(os.system))]), folder / "model.skops")
    spec = yaml.safe_load((folder / "MLmodel").read_text(encoding="utf-8"))
    spec["flavors"]["sklearn"]["skops_trusted_types"] = sio.get_untrusted_types(file=folder / "model.skops")
    (folder / "MLmodel").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return folder


def test_a_tampered_model_is_refused_by_our_loader_and_by_pyfunc(model_uri, tmp_path):
    import mlflow

    from train.predict import load_model
    from train.safe_load import UntrustedModelError

    folder = _tampered(model_uri, tmp_path / "tampered")
    with pytest.raises(UntrustedModelError, match=r"untrusted types: posix\.system$"):
        load_model(str(folder))
    with pytest.raises(UntrustedModelError, match=r"untrusted types: posix\.system$"):
        mlflow.pyfunc.load_model(str(folder))


def test_mlflow_sklearn_load_model_trusts_the_tampered_list_as_the_readme_warns(model_uri, tmp_path):
    """The documented risk: MLflow's own sklearn loader believes the MLmodel's skops_trusted_types."""
    import mlflow

    folder = _tampered(model_uri, tmp_path / "tampered")
    pipeline = mlflow.sklearn.load_model(str(folder))
    assert pipeline.steps[0][1].func.__name__ == "system"


def test_a_vectorizer_that_keeps_no_term_is_a_line_naming_min_df_and_no_finished_run(tmp_path, mlflow_store,
                                                                                       run_cli):
    config = write_tiny(tmp_path, features=[{"name": "tfidf_word", "max_df": 0.5}])
    frame = _topic_frame()  # distinct texts, but their only words are in every row (1-char tokens are not words)
    frame = frame.assign(title=[f"alpha beta {c}" for c in "abcdefghijklmnopqrstuvwxyz0123456789"], body="gamma")
    frame.to_csv(tmp_path / "articles.csv", index=False)
    line = one_error_line(run_cli("train", config, "-q"))
    assert line == ("error: features[0].min_df: the vectorizer kept no term (After pruning, no terms remain. Try a "
                    "lower min_df or a higher max_df); lower min_df or raise max_df")
    assert_store_clean(mlflow_store, allow_failed=True)
