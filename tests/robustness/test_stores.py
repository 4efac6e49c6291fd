"""Stores under real conditions: many processes on a new sqlite store, and a real `mlflow server` on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import secnews_script
from tests.robustness.checks import write_tiny

PROCESSES = 8
BOUND_S = 600


@pytest.mark.slow
def test_eight_processes_train_and_register_on_one_new_sqlite_store(tmp_path):
    config = write_tiny(tmp_path, tracking={"register_as": "news"})
    uri = f"sqlite:///{tmp_path / 'new' / 'mlflow.db'}"
    (tmp_path / "new").mkdir()
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri}
    processes = [subprocess.Popen([str(secnews_script()), "train", str(config), "--json", "--set", f"seed={i}"],
                                  env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for i in range(PROCESSES)]
    outcomes = [(p.wait(timeout=BOUND_S), *p.communicate()) for p in processes]
    assert [code for code, _, _ in outcomes] == [0] * PROCESSES, [err for _, _, err in outcomes]
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)  # not a registry an earlier test selected
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert sorted(r.info.status for r in runs) == ["FINISHED"] * PROCESSES
    versions = client.search_model_versions("name = 'news'")
    assert sorted(int(v.version) for v in versions) == list(range(1, PROCESSES + 1))
    assert {json.loads(out.splitlines()[-1])["registered"] for _, out, _ in outcomes} == {
        f"news/{v}" for v in range(1, PROCESSES + 1)}


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def mlflow_server(tmp_path):
    """A real tracking server on 127.0.0.1; it picks a free port itself (port 0) and we read it from its log."""
    log = tmp_path / "server.log"
    command = [str(Path(sys.executable).with_name("mlflow")), "server", "--host", "127.0.0.1", "--port", "0",
               "--workers", "1", "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
               "--artifacts-destination", str(tmp_path / "server-artifacts")]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    with log.open("w") as handle:
        server = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while not (found := re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", log.read_text())):
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        while not _answers(f"{found.group(1)}/health"):  # listening is not serving yet
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield found.group(1)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)


@pytest.mark.slow
def test_training_registering_and_predicting_against_a_real_tracking_server(tmp_path, mlflow_server, run_cli,
                                                                            monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    config = write_tiny(tmp_path, tracking={"register_as": "news"})
    result = run_cli("train", config, "--json")
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["tracking_uri"] == mlflow_server and summary["registered"] == "news/1"
    run = MlflowClient(mlflow_server).get_run(summary["run_id"])
    assert run.info.status == "FINISHED"
    predicted = run_cli("predict", "-m", "models:/news/1", "--top-k", "0", "ransomware trojan payload")
    assert predicted.code == 0, predicted.stderr
    assert json.loads(predicted.stdout)["label"] == "malware"
