"""secnews as a package: the wheel trains its own demo from an empty folder, and its models load and serve in a
fresh environment built only from the model's requirements.txt (no secnews installed there).

The slow tests build real virtual environments with pip (PyPI or the machine's package index; pip's cache makes
a second run faster): one from the wheel, one from a logged model's requirements. Each takes one to three minutes.
"""

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
import yaml

from train.config import load_config
from train.predict import load_model
from train.runner import run_training

REPO = Path(__file__).resolve().parents[2]
# Everything in the checkout that is not needed to build the wheel (the sdist holds the same).
NOT_SOURCE = (".git", ".venv", "mlartifacts", "mlruns", "*.db", "build", "dist", "*.egg-info", "__pycache__",
              ".pytest_cache", ".ruff_cache")
NOT_SOURCE_AT_TOP = {"notebooks", "tests", "bench"}  # top-level folders only: configs/bench/ ships in the wheel


def _not_source(folder: str, names: list[str]) -> set[str]:
    """What copying the checkout for a wheel build leaves out."""
    left_out = shutil.ignore_patterns(*NOT_SOURCE)(folder, names)
    return left_out | (NOT_SOURCE_AT_TOP & set(names) if Path(folder) == REPO else set())
INSTALL_TIMEOUT = 900


def _clean_env(**extra: str) -> dict[str, str]:
    """This process' environment without what points at the checkout or at the test session's MLflow store."""
    env = {k: v for k, v in os.environ.items() if k not in {"MLFLOW_TRACKING_URI", "PYTHONPATH", "VIRTUAL_ENV"}}
    return {**env, **extra}


def _run(args: list[str | Path], cwd: Path, timeout: float = INSTALL_TIMEOUT, **env: str) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=_clean_env(**env), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _venv(folder: Path, *requirements: str | Path) -> Path:
    """A new virtual environment with only `requirements` installed (pip arguments); returns its bin folder."""
    _run([sys.executable, "-m", "venv", folder], cwd=folder.parent)
    bin_dir = folder / "bin"
    _run([bin_dir / "python", "-m", "pip", "install", "--quiet", "--no-compile", *requirements], cwd=folder.parent)
    return bin_dir


# ---------------------------------------------------------------------------------------------------------------
# Fast: what a logged model carries


def test_a_logged_model_carries_our_packages_and_pins_what_they_import(mlflow_store, tmp_path, write_topic_csv,
                                                                       write_config, make_config):
    from importlib import metadata

    import mlflow

    write_topic_csv()
    result = run_training(load_config(write_config(make_config())))
    folder = Path(mlflow.artifacts.download_artifacts(artifact_uri=result.model_uri, dst_path=str(tmp_path / "m")))
    spec = yaml.safe_load((folder / "MLmodel").read_text(encoding="utf-8"))
    assert spec["flavors"]["python_function"]["loader_module"] == "train.serving"
    assert spec["flavors"]["python_function"]["code"] == "code"
    packages = metadata.distribution("secnews").read_text("top_level.txt").split()
    assert sorted(p.name for p in (folder / "code").iterdir()) == sorted(packages)
    assert (folder / "code" / "train" / "serving.py").is_file()
    assert not list((folder / "code").rglob("__pycache__"))
    requirements = (folder / "requirements.txt").read_text(encoding="utf-8").split()
    names = [line.split("==")[0] for line in requirements]
    assert {"mlflow", "scikit-learn", "skops", "pydantic", "pyyaml"} <= set(names)
    assert "secnews" not in names


# ---------------------------------------------------------------------------------------------------------------
# Slow: the wheel in a fresh environment, its model in another


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The secnews wheel, built from a copy of the checkout's sources (the checkout itself stays untouched)."""
    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "src"
    shutil.copytree(REPO, source, ignore=_not_source)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", folder / "dist", source], cwd=folder)
    (built,) = (folder / "dist").glob("secnews-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh virtual environment with the wheel (and its dependencies) installed."""
    return _venv(tmp_path_factory.mktemp("installed") / "venv", wheel)


@pytest.fixture(scope="module")
def trained(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`secnews init` then `secnews train configs/topic.yaml` in an empty folder, as a new user runs them."""
    project = tmp_path_factory.mktemp("empty-folder")
    init = _run([installed / "secnews", "init"], cwd=project, timeout=120)
    validate = _run([installed / "secnews", "config", "validate", "configs/topic.yaml", "configs/stance.yaml"],
                    cwd=project, timeout=120)
    train = _run([installed / "secnews", "train", "configs/topic.yaml"], cwd=project, timeout=600)
    lines = dict(line.split(":", 1) for line in train.splitlines() if line[:10].rstrip().endswith(":"))
    return {"project": project, "init": init, "validate": validate, "train": train,
            "model_uri": lines["model uri"].strip()}


@pytest.fixture(scope="module")
def model_dir(trained: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The logged model, downloaded from the project's store into a folder of its own."""
    import mlflow
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{trained['project'] / 'mlflow.db'}")  # leaves the session's store alone
    location = client.get_logged_model(trained["model_uri"].removeprefix("models:/")).artifact_location
    target = tmp_path_factory.mktemp("downloaded")
    return Path(mlflow.artifacts.download_artifacts(artifact_uri=location, dst_path=str(target)))


@pytest.fixture(scope="module")
def requirements_only(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh virtual environment built only from the model's own requirements.txt."""
    return _venv(tmp_path_factory.mktemp("model-env") / "venv", "-r", model_dir / "requirements.txt")


def _demo_articles(n: int = 60) -> pd.DataFrame:
    from features.bundled import demo_dir

    frame = pd.read_json(demo_dir() / "articles.jsonl", lines=True)
    return frame.loc[frame["split"] == "test", ["title", "body"]].head(n).reset_index(drop=True)


@pytest.mark.slow
def test_the_wheel_carries_the_demo_corpus_files_and_every_config(wheel):
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    demo = sorted(p.name for p in (REPO / "data" / "demo").iterdir() if p.is_file() and not p.name.startswith("."))
    configs = sorted(p.relative_to(REPO / "configs").as_posix() for p in (REPO / "configs").rglob("*") if p.is_file())
    assert sorted(n.removeprefix("features/package_data/demo/") for n in names
                  if n.startswith("features/package_data/demo/")) == demo
    assert sorted(n.removeprefix("train/package_data/configs/") for n in names
                  if n.startswith("train/package_data/configs/")) == configs


@pytest.mark.slow
def test_an_installed_secnews_inits_and_trains_the_demo_from_an_empty_folder(trained):
    project = trained["project"]
    assert "next:     secnews train configs/topic.yaml" in trained["init"]
    assert trained["validate"].split() == ["ok", "configs/topic.yaml", "ok", "configs/stance.yaml"]
    assert (f"store:     {project.resolve() / 'mlflow.db'} (the current folder; set MLFLOW_TRACKING_URI or "
            "tracking.uri to use another)") in trained["train"]
    assert (project / "mlflow.db").is_file() and (project / "mlartifacts").is_dir()
    assert trained["model_uri"].startswith("models:/m-")


@pytest.mark.slow
def test_the_model_predicts_the_same_where_secnews_is_not_installed(requirements_only, model_dir, tmp_path):
    articles = _demo_articles()
    articles.to_json(tmp_path / "input.json", orient="split", index=False)
    script = (
        "import importlib.util, json, sys\n"
        "from importlib import metadata\n"
        "assert importlib.util.find_spec('train') is None, 'train importable before loading'\n"
        "try:\n    metadata.version('secnews'); sys.exit('secnews is installed')\n"
        "except metadata.PackageNotFoundError:\n    pass\n"
        "import mlflow, pandas as pd\n"
        f"model = mlflow.pyfunc.load_model({str(model_dir)!r})\n"
        f"frame = pd.read_json({str(tmp_path / 'input.json')!r}, orient='split')\n"
        "table = model.predict(frame)\n"
        "print(json.dumps({'loader': sys.modules['train'].__file__, 'table': table.to_dict(orient='list')}))\n"
    )
    answer = json.loads(_run([requirements_only / "python", "-c", script], cwd=tmp_path, timeout=300)
                        .strip().splitlines()[-1])
    assert answer["loader"].startswith(str(model_dir / "code" / "train"))
    expected = load_model(str(model_dir)).predict_table(articles)
    assert answer["table"]["label"] == expected["label"].tolist()
    assert answer["table"]["probability"] == pytest.approx(expected["probability"].tolist(), abs=1e-9)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_the_model_serves_from_an_environment_built_from_its_requirements(requirements_only, model_dir, tmp_path):
    articles = _demo_articles(20)
    port = _free_port()
    log = tmp_path / "serve.log"
    env = _clean_env(PATH=f"{requirements_only}:{os.environ.get('PATH', '')}")
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [requirements_only / "mlflow", "models", "serve", "-m", model_dir, "--env-manager", "local",
             "-h", "127.0.0.1", "-p", str(port)],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=log_file, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2)
                break
            except OSError:
                assert server.poll() is None, log.read_text()[-2000:]
                time.sleep(0.5)
        payload = {"dataframe_split": json.loads(articles.to_json(orient="split", index=False))}
        request = urllib.request.Request(f"http://127.0.0.1:{port}/invocations", data=json.dumps(payload).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            predictions = json.loads(response.read())["predictions"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    expected = load_model(str(model_dir)).predict(articles)
    assert [row["label"] for row in predictions] == list(expected)
