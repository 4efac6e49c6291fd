"""Saved models end to end: register, promote, predict (CLI, Python, pyfunc), safe loading, serving."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from train.config import load_config
from train.predict import load_model, local_model_dir
from train.runner import run_training
from train.safe_load import UntrustedModelError, allowed_types, load_skops
from train.tracking import use_store


def _train(folder: Path, name: str, C: float = 5.0, per_class: int = 12, seed: int = 0,
           vocabulary: int | None = None) -> Any:
    import yaml

    from tests.conftest import _tiny_config, _topic_frame

    csv = folder / f"articles-{per_class}-{seed}.csv"
    _topic_frame(per_class=per_class, seed=seed).to_csv(csv, index=False)
    config = _tiny_config(train=csv.name, tracking={"register_as": name}, model={"name": "logreg", "params": {"C": C}},
                          features=[{"name": "tfidf_word", "ngram_range": [1, 2], "max_features": vocabulary}])
    path = folder / f"exp-{C}-{per_class}-{seed}.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return run_training(load_config(path))


@pytest.fixture(scope="module")
def _registered_template(tmp_path_factory: pytest.TempPathFactory, _empty_store_template: Path) -> dict[str, Any]:
    """Train the two versions once per module; each test then gets its own copy of the database."""
    folder = tmp_path_factory.mktemp("registered")
    shutil.copy(_empty_store_template, folder / "mlflow.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{folder / 'mlflow.db'}")
        weak = _train(folder, "news", C=0.01, vocabulary=1)  # one feature: worse than the full model by construction
        strong = _train(folder, "news", C=10.0)
    return {"db": folder / "mlflow.db", "weak": weak, "strong": strong}


@pytest.fixture
def registered(_registered_template: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Two versions of one registered model trained on the same data with different C (a private store copy)."""
    from mlflow.tracking import MlflowClient

    from tests.conftest import Store

    path = tmp_path / "mlflow.db"
    shutil.copy(_registered_template["db"], path)
    uri = f"sqlite:///{path}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    use_store(uri)  # the registry's Python API works on MLflow's current store, as in a user's session
    return {**_registered_template, "store": Store(uri, path, MlflowClient(uri, registry_uri=uri))}


def test_register_as_creates_a_version_per_run(registered: dict[str, Any]) -> None:
    assert registered["weak"].registered == "news/1"
    assert registered["strong"].registered == "news/2"


def test_promote_picks_the_best_version_and_says_why(registered: dict[str, Any], run_cli: Any) -> None:
    from train import registration

    weak, strong = registered["weak"].metrics["macro_f1"], registered["strong"].metrics["macro_f1"]
    assert strong > weak, "fixture: the one-feature model must be the weaker one"
    result = run_cli("promote", "news", "--metric", "macro_f1")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith(f"moved 'champion' to v2: v2 macro_f1 {strong:.4f} is the best of 2 version(s)")
    assert [v.aliases for v in registration.versions("news")] == [["champion"], []]


def test_promote_skips_versions_from_other_test_data_and_unfinished_runs(registered: dict[str, Any],
                                                                         tmp_path: Path) -> None:
    from train import registration

    registration.promote("news")
    other = _train(tmp_path, "news", C=10.0, per_class=20, seed=3)
    client = registered["store"].client
    client.set_terminated(registered["weak"].run_id, "FAILED")
    result = registration.promote("news")
    skipped = " ".join(result.skipped)
    assert other.registered == "news/3"
    assert "v3: evaluated on digest" in skipped
    assert "v1: run failed" in skipped
    assert result.version == 2


def test_models_lists_versions_with_metric_alias_and_run(registered: dict[str, Any], run_cli: Any) -> None:
    from train import registration

    registration.promote("news")
    result = run_cli("models", "news")
    assert result.code == 0, result.stderr
    assert "v1" in result.stdout and "v2" in result.stdout
    assert "champion" in result.stdout
    assert registered["strong"].run_id in result.stdout


def test_predict_cli_on_csv_matches_the_in_process_model(registered: dict[str, Any], run_script: Any,
                                                         make_topic_frame: Any, tmp_path: Path) -> None:
    from train import registration

    registration.promote("news")
    frame = make_topic_frame(per_class=4, seed=11)
    frame.to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "predictions.jsonl"
    result = run_script("predict", "-m", "models:/news@champion", "--input", tmp_path / "new.csv",
                        "--id-column", "id", "--output", out, "--top-k", "2",
                        env={"MLFLOW_TRACKING_URI": registered["store"].uri})
    assert result.code == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    expected = load_model("models:/news@champion").predict(frame[["title", "body"]])
    assert [r["label"] for r in rows] == list(expected)
    assert [r["id"] for r in rows] == list(frame["id"])
    assert all(len(r["top_k"]) == 2 and r["top_k"][0]["label"] == r["label"] for r in rows)
    assert all(0 < r["probability"] <= 1 for r in rows)


def test_predict_cli_csv_output_and_positional_texts(registered: dict[str, Any], run_cli: Any) -> None:
    uri = f"runs:/{registered['strong'].run_id}/model"
    result = run_cli("predict", "-m", uri, "ransomware trojan payload", "--output-format", "csv", "--top-k", "1")
    assert result.code == 0, result.stderr
    table = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert list(table.columns) == ["id", "label", "probability", "label_1", "probability_1", "error"]
    assert table.loc[0, "label"] == "malware"


def test_empty_texts_get_an_error_row_or_are_skipped(registered: dict[str, Any], run_cli: Any,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "holes.csv"
    pd.DataFrame({"id": [1, 2, 3], "title": ["email lure", "", "law"], "body": ["fake bank", "", None]}).to_csv(
        path, index=False)
    uri = f"runs:/{registered['strong'].run_id}/model"
    kept = run_cli("predict", "-m", uri, "--input", path, "--id-column", "id")
    rows = [json.loads(line) for line in kept.stdout.splitlines()]
    assert kept.code == 0 and [r.get("error") for r in rows] == [None, "empty text", None]
    skipped = run_cli("predict", "-m", uri, "--input", path, "--id-column", "id", "--skip-empty")
    assert [json.loads(line)["id"] for line in skipped.stdout.splitlines()] == ["1", "3"]  # CSV ids stay text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-m", "models:/news@nope", "x"], "error: model models:/news@nope: not found"),
        (["-m", "models:/ghost/1", "x"], "error: model models:/ghost/1: not found"),
        (["-m", "no/such/folder", "x"], "error: model no/such/folder: no such folder"),
    ],
)
def test_unknown_models_are_one_line_errors(registered: dict[str, Any], run_cli: Any, args: list[str],
                                            message: str) -> None:
    result = run_cli("predict", *args)
    assert result.code == 2
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_columns_name_the_expected_ones(registered: dict[str, Any], run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    pd.DataFrame({"headline": ["x"], "content": ["y"]}).to_csv(path, index=False)
    result = run_cli("predict", "-m", f"runs:/{registered['strong'].run_id}/model", "--input", path)
    assert result.code == 2
    assert "column 'title' not found; the model needs title (from 'title'), body (from 'body')" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_that_is_not_its_declared_format_is_refused(registered: dict[str, Any], run_cli: Any,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "fake.parquet"
    path.write_text("title,body\nx,y\n")
    result = run_cli("predict", "-m", f"runs:/{registered['strong'].run_id}/model", "--input", path)
    assert result.code == 2
    assert result.stderr.strip().startswith(f"error: --input {path}: not readable as parquet (Parquet magic bytes")
    assert len(result.stderr.strip().splitlines()) == 1


def test_python_api_returns_labels_and_probability_frame(registered: dict[str, Any]) -> None:
    model = load_model(f"runs:/{registered['strong'].run_id}/model")
    labels = model.predict(["ransomware trojan payload", "minister parliament treaty"])
    proba = model.predict_proba(["ransomware trojan payload"])
    assert list(labels) == ["malware", "policy"]
    assert list(proba.columns) == ["malware", "phishing", "policy"]
    assert proba.to_numpy().sum() == pytest.approx(1.0)


def test_pyfunc_answers_label_probability_and_class_columns(registered: dict[str, Any]) -> None:
    import mlflow

    model = mlflow.pyfunc.load_model(registered["strong"].model_uri)
    answer = model.predict(pd.DataFrame({"title": ["fake bank"], "body": ["email lure credential"]}))
    assert list(answer.columns) == ["label", "probability", "malware", "phishing", "policy"]
    assert answer.loc[0, "label"] == "phishing"
    assert answer.loc[0, "probability"] == pytest.approx(answer.loc[0, "phishing"])
    text_only = model.predict(pd.DataFrame({"text": ["email lure credential"]}))
    assert text_only.loc[0, "label"] == "phishing"


def test_crafted_model_with_a_disallowed_type_is_refused(registered: dict[str, Any], tmp_path: Path) -> None:
    import skops.io as sio
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    folder = tmp_path / "crafted"
    shutil.copytree(local_model_dir(registered["strong"].model_uri), folder)
    evil = Pipeline([("run", FunctionTransformer(os.system))])
    sio.dump(evil, folder / "model.skops")
    with pytest.raises(UntrustedModelError, match=r"refusing to load a model that needs untrusted types: .*system"):
        load_model(str(folder))


def test_allow_list_covers_every_registered_component_and_nothing_generic() -> None:
    allowed = allowed_types()
    assert "features.text.TextCleaner" in allowed
    assert "sklearn.calibration._CalibratedClassifier" in allowed
    assert not any(name.startswith(("builtins.", "posix.", "os.", "subprocess.")) for name in allowed)


def test_a_clean_model_file_loads_without_trusting_its_own_metadata(registered: dict[str, Any]) -> None:
    folder = local_model_dir(registered["strong"].model_uri)
    pipeline = load_skops(folder / "model.skops")
    assert list(pipeline.classes_) == ["malware", "phishing", "policy"]


def test_a_version_mismatch_is_a_clear_warning(registered: dict[str, Any], tmp_path: Path) -> None:
    import yaml

    folder = tmp_path / "old"
    shutil.copytree(local_model_dir(registered["strong"].model_uri), folder)
    spec = yaml.safe_load((folder / "MLmodel").read_text())
    spec["metadata"]["secnews"]["versions"]["scikit-learn"] = "1.0.0"
    (folder / "MLmodel").write_text(yaml.safe_dump(spec))
    with pytest.warns(UserWarning, match=r"trained with scikit-learn 1\.0\.0 but .* is installed"):
        load_model(str(folder))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(server: subprocess.Popen, port: int, log: Path) -> bool:
    """True once the server answers /ping; False when it exited (e.g. its port was taken)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2)
            return True
        except OSError:
            if server.poll() is not None:
                return False
            time.sleep(0.5)
    raise AssertionError(f"the server did not answer within 90 s: {log.read_text()[-2000:]}")


def _post(port: int, payload: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/invocations", data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.slow
def test_mlflow_models_serve_answers_both_request_shapes(registered: dict[str, Any], tmp_path: Path) -> None:
    from train import registration

    registration.promote("news")
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
           "MLFLOW_TRACKING_URI": registered["store"].uri}
    log = tmp_path / "serve.log"
    for _attempt in range(3):  # a free port can be taken between choosing it and the server binding it
        port = _free_port()
        with log.open("w") as log_file:
            server = subprocess.Popen(
                [f"{bin_dir}/mlflow", "models", "serve", "-m", "models:/news@champion", "--env-manager", "local",
                 "-h", "127.0.0.1", "-p", str(port)],
                env=env, stdout=subprocess.DEVNULL, stderr=log_file, start_new_session=True)
        if _wait_until_serving(server, port, log):
            break
        assert "address already in use" in log.read_text().lower(), log.read_text()[-2000:]
    else:
        raise AssertionError("every port tried was taken before the server could bind it")
    try:
        records = _post(port, {"dataframe_records": [{"text": "ransomware trojan payload"}]})
        inputs = _post(port, {"inputs": {"text": ["ransomware trojan payload"]}})
        assert records == inputs
        prediction = records["predictions"][0]
        assert prediction["label"] == "malware"
        assert set(prediction) == {"label", "probability", "malware", "phishing", "policy"}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
