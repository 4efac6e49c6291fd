"""The bad-input matrix: each case end to end through `secnews`, one exact error line, exit 2, a clean store.

Cases are grouped by what the user got wrong (config, data, store, predict, registry, serving); each is a
function that writes its inputs under tmp_path and returns the CLI arguments and the exact line expected.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from tests.conftest import _tiny_config, _topic_frame
from tests.robustness.checks import assert_store_clean, one_error_line
from train.estimators import ESTIMATORS

Case = Callable[..., tuple[list[Any], str]]
TRAIN_CASES: dict[str, Case] = {}
MODEL_CASES: dict[str, Case] = {}


def case(table: dict[str, Case], name: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        assert name not in table, name
        table[name] = function
        return function

    return register


def tiny(tmp: Path, frame: pd.DataFrame | None = None, data_name: str = "articles.csv", **sections: Any) -> Path:
    """The tiny corpus (or `frame`) as CSV and a config over it with `sections` replaced; returns the config path."""
    (frame if frame is not None else _topic_frame()).to_csv(tmp / data_name, index=False)
    return write_yaml(tmp, _tiny_config(train=data_name, **sections))


def write_yaml(tmp: Path, config: dict[str, Any], name: str = "experiment.yaml") -> Path:
    path = tmp / name
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def data_section(train: str, **extra: Any) -> dict[str, Any]:
    return {"train": train, "text_columns": ["title", "body"], "label_column": "label", **extra}


def with_raw_data(tmp: Path, name: str, content: bytes, **extra: Any) -> tuple[Path, Path]:
    """A data file with exactly these bytes and a config reading it; returns (config, data file)."""
    (tmp / name).write_bytes(content)
    return write_yaml(tmp, _tiny_config(data=data_section(name, **extra))), tmp / name


# --- config ------------------------------------------------------------------------------------------------------


@case(TRAIN_CASES, "config: binary file")
def _(tmp):
    path = tmp / "model.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    return ["train", path], f"error: {path}: is a binary file, expected a UTF-8 YAML config file"


@case(TRAIN_CASES, "config: Latin-1 file")
def _(tmp):
    path = tmp / "latin1.yaml"
    path.write_bytes("task: topic\n# r\xe9sum\xe9 des r\xe9glages\nseed: 1\n".encode("latin-1"))
    return ["train", path], (f"error: {path}: line 2 is not UTF-8 (byte 0xe9); config files must be UTF-8: "
                             "re-save it as UTF-8")


@case(TRAIN_CASES, "config: a directory")
def _(tmp):
    return ["train", tmp], f"error: {tmp}: is a directory, expected a YAML config file"


@case(TRAIN_CASES, "config: missing file")
def _(tmp):
    return ["train", tmp / "absent.yaml"], f"error: {tmp / 'absent.yaml'}: config file not found"


@case(TRAIN_CASES, "config: empty file")
def _(tmp):
    path = tmp / "empty.yaml"
    path.write_text("", encoding="utf-8")
    return ["train", path], f"error: {path}: expected a mapping of config sections at the top level"


@case(TRAIN_CASES, "config: a list at the top level")
def _(tmp):
    path = tmp / "list.yaml"
    path.write_text("- task: topic\n", encoding="utf-8")
    return ["train", path], f"error: {path}: expected a mapping of config sections at the top level"


@case(TRAIN_CASES, "config: YAML syntax error")
def _(tmp):
    path = tmp / "broken.yaml"
    path.write_text("task: topic\nmodel: {name: logreg\n", encoding="utf-8")
    return ["train", path], (f"error: {path}: YAML syntax error at line 3, column 1: expected ',' or '}}', "
                             "but got '<stream end>'")


@case(TRAIN_CASES, "config: unknown section")
def _(tmp):
    path = write_yaml(tmp, {**_tiny_config(), "modle": {"name": "logreg"}})
    return ["train", path], f"error: {path}: modle: unknown key; did you mean 'model'?"


@case(TRAIN_CASES, "config: model by import path")
def _(tmp):
    path = tiny(tmp, model={"name": "sklearn.linear_model.LogisticRegression"})
    return ["train", path], (f"error: {path}: model.name: unknown model 'sklearn.linear_model.LogisticRegression'; "
                             f"valid names: {', '.join(ESTIMATORS.names())}")


@case(TRAIN_CASES, "config: no feature builders")
def _(tmp):
    path = tiny(tmp, features=[])
    return ["train", path], f"error: {path}: features: expected a non-empty list of feature builders"


@case(TRAIN_CASES, "config: reversed n-gram range")
def _(tmp):
    path = tiny(tmp, features=[{"name": "tfidf_word", "ngram_range": [3, 1]}])
    return ["train", path], (f"error: {path}: features[0].ngram_range: expected two integers with 1 <= low <= high, "
                             "got [3, 1]")


@case(TRAIN_CASES, "config: a stance-label builder in a topic config")
def _(tmp):
    path = tiny(tmp, features=[{"name": "tfidf_word"}, {"name": "sentence_stance"}])
    return ["train", path], (f"error: {path}: features[1].name: sentence_stance learns from the stance labels; "
                             "use it with task: stance")


@case(TRAIN_CASES, "config: seed is text")
def _(tmp):
    path = tiny(tmp, seed="abc")
    return ["train", path], (f"error: {path}: seed: expected a valid integer, unable to parse string as an integer, "
                             'got "abc"')


@case(TRAIN_CASES, "config: test_size above 1")
def _(tmp):
    path = tiny(tmp, data=data_section("articles.csv", split={"test_size": 1.5}))
    return ["train", path], f"error: {path}: data.split.test_size: expected less than 1, got 1.5"


@case(TRAIN_CASES, "config: --set without a value")
def _(tmp):
    return ["train", tiny(tmp), "--set", "seed"], "error: --set seed: expected KEY=VALUE, e.g. model.params.C=2"


@case(TRAIN_CASES, "config: --set past the end of a list")
def _(tmp):
    return (["train", tiny(tmp), "--set", "features[3].min_df=2"],
            "error: --set features[3].min_df=2: features[3] does not exist (the list has 1 items)")


@case(TRAIN_CASES, "config: missing environment variable")
def _(tmp):
    path = tiny(tmp, data=data_section("${SECNEWS_MATRIX_UNSET}/a.csv"))
    return ["train", path], f"error: {path}: data.train: environment variable ${{SECNEWS_MATRIX_UNSET}} is not set"


@case(TRAIN_CASES, "config: min_df above what the documents allow")
def _(tmp):
    path = tiny(tmp, features=[{"name": "tfidf_word", "min_df": 500}])
    return ["train", path], (f"error: {path}: features[0].min_df: 500 asks for terms in at least 500 documents, but "
                             "the fit sees 28 documents and max_df 1.0 allows at most 28; lower min_df")


@case(TRAIN_CASES, "config: a bad estimator parameter")
def _(tmp):
    path = tiny(tmp, model={"name": "linear_svm", "params": {"C": -2}})
    return ["train", path], (f"error: {path}: model.params.C: invalid value -2 for linear_svm (The 'C' parameter of "
                             "LinearSVM must be a float in the range (0.0, inf). Got -2 instead.)")


# --- store -------------------------------------------------------------------------------------------------------


@case(TRAIN_CASES, "store: http server not listening")
def _(tmp):
    path = tiny(tmp, tracking={"uri": "http://127.0.0.1:9"}, data=data_section("not-read-before-the-probe.csv"))
    return ["train", path], ("error: tracking store http://127.0.0.1:9 is not reachable (connection refused); start "
                             "the server, or set MLFLOW_TRACKING_URI / tracking.uri to a store that is")


@case(TRAIN_CASES, "store: sqlite folder missing")
def _(tmp):
    uri = f"sqlite:///{tmp / 'nowhere' / 'mlflow.db'}"
    return ["train", tiny(tmp, tracking={"uri": uri})], (f"error: tracking store {uri}: folder {tmp / 'nowhere'} "
                                                         "does not exist")


@case(TRAIN_CASES, "store: sqlite path is a directory")
def _(tmp):
    (tmp / "db").mkdir()
    uri = f"sqlite:///{tmp / 'db'}"
    return ["train", tiny(tmp, tracking={"uri": uri})], (f"error: tracking store {uri}: {tmp / 'db'} is a directory, "
                                                         "not a database file")


# --- data --------------------------------------------------------------------------------------------------------


@case(TRAIN_CASES, "data: every text empty, empty_text drop")
def _(tmp):
    frame = _topic_frame().assign(title="", body="  ")
    path = tiny(tmp, frame, data=data_section("articles.csv", empty_text="drop"))
    return ["train", path], (f"error: data.train ({tmp / 'articles.csv'}): no rows left after dropping 36 empty texts "
                             "(columns title, body)")


@case(TRAIN_CASES, "data: a single class")
def _(tmp):
    path = tiny(tmp, _topic_frame().assign(label="malware"))
    return ["train", path], ("error: data.label_column: column 'label' has only the class 'malware' in the training "
                             "split; a classifier needs at least two classes")


@case(TRAIN_CASES, "data: a directory as the data file")
def _(tmp):
    (tmp / "corpus").mkdir()
    path = write_yaml(tmp, _tiny_config(data=data_section("corpus")))
    return ["train", path], (f"error: data.train: {tmp / 'corpus'} is a directory; give a data file or a glob such "
                             f"as {tmp / 'corpus'}/*.csv")


@case(TRAIN_CASES, "data: ragged CSV row")
def _(tmp):
    config, data = with_raw_data(tmp, "ragged.csv", b"title,body,label\na,b,malware\nc,d,e,phishing,extra\n")
    return ["train", config], (f"error: data.train: {data} is not readable as csv (line 3 has 5 fields but the header "
                               "has 3: an unquoted delimiter in a text?)")


@case(TRAIN_CASES, "data: CSV with a header only")
def _(tmp):
    config, data = with_raw_data(tmp, "header.csv", b"title,body,label\n")
    return ["train", config], f"error: data.train: {data} is not readable as csv (a header but no data rows)"


@case(TRAIN_CASES, "data: binary bytes named .csv")
def _(tmp):
    config, data = with_raw_data(tmp, "binary.csv", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)))
    return ["train", config], (f"error: data.train: {data} is not readable as csv (a binary file, not UTF-8 text: "
                               "NUL byte at offset 5)")


@case(TRAIN_CASES, "data: Latin-1 CSV")
def _(tmp):
    config, data = with_raw_data(tmp, "latin1.csv", "title,body,label\nx,caf\xe9 hack,malware\n".encode("latin-1"))
    return ["train", config], (f"error: data.train: {data} is not readable as csv (line 2 is not UTF-8: byte 0xe9 at "
                               "offset 22; save the file as UTF-8)")


@case(TRAIN_CASES, "data: empty CSV file")
def _(tmp):
    config, data = with_raw_data(tmp, "empty.csv", b"")
    return ["train", config], f"error: data.train: {data} is not readable as csv (the file is empty)"


@case(TRAIN_CASES, "data: JSONL line that is not JSON")
def _(tmp):
    config, data = with_raw_data(tmp, "bad.jsonl", b'{"title": "a", "body": "b", "label": "x"}\n{"title": "a",\n')
    return ["train", config], (f"error: data.train: {data} is not readable as jsonl (line 2 is not valid JSON: "
                               "Expecting property name enclosed in double quotes at column 15)")


@case(TRAIN_CASES, "data: JSONL line that is a list")
def _(tmp):
    config, data = with_raw_data(tmp, "list.jsonl", b'{"title": "a", "body": "b", "label": "x"}\n["a", "b"]\n')
    return ["train", config], (f"error: data.train: {data} is not readable as jsonl (line 2 is a JSON list, expected "
                               "one object per line)")


@case(TRAIN_CASES, "data: glob matching nothing")
def _(tmp):
    path = write_yaml(tmp, _tiny_config(data=data_section("absent-*.csv")))
    return ["train", path], f"error: data.train: no file matches {tmp / 'absent-*.csv'}"


@case(TRAIN_CASES, "data: unknown extension")
def _(tmp):
    config, data = with_raw_data(tmp, "articles.txt", b"title,body,label\na,b,c\n")
    return ["train", config], (f"error: data.train: cannot tell the format of {data} from its extension; set "
                               "data.format to csv, tsv, jsonl or parquet")


@case(TRAIN_CASES, "data: label column missing")
def _(tmp):
    path = tiny(tmp, _topic_frame().rename(columns={"label": "topic"}))
    return ["train", path], (f"error: data.train ({tmp / 'articles.csv'}): column 'label' not found; available: id, "
                             "title, body, topic")


@case(TRAIN_CASES, "data: rows without a label")
def _(tmp):
    frame = _topic_frame()
    frame.loc[[3, 5], "label"] = None
    path = tiny(tmp, frame)
    return ["train", path], (f"error: data.train ({tmp / 'articles.csv'}): column 'label' has 2 rows with no label "
                             "(e.g. rows 5, 7)")


@case(TRAIN_CASES, "data: stance labels outside the scheme")
def _(tmp):
    frame = pd.DataFrame({"headline": [f"claim {i}" for i in range(12)], "body": [f"body {i}" for i in range(12)],
                          "label": ["agree", "refute", "unrelated"] * 4})
    frame.to_csv(tmp / "pairs.csv", index=False)
    config = _tiny_config(task="stance", data={"train": "pairs.csv", "text_columns": ["headline", "body"],
                                               "label_column": "label"},
                          features=[{"name": "pair_lexicon"}])
    return ["train", write_yaml(tmp, config)], (f"error: data.train ({tmp / 'pairs.csv'}): column 'label' has labels "
                                                "'refute'; stance expects agree, disagree, discuss, unrelated")


@case(TRAIN_CASES, "data: split column without test rows")
def _(tmp):
    path = tiny(tmp, _topic_frame().assign(split="train"),
                data=data_section("articles.csv", split={"split_column": "split"}))
    return ["train", path], "error: data.split.split_column: column 'split' has no 'test' rows"


@case(TRAIN_CASES, "data: a class below min_examples_per_class")
def _(tmp):
    frame = pd.concat([_topic_frame(), _topic_frame().head(1).assign(label="rare", title="rare one")])
    path = tiny(tmp, frame, data=data_section("articles.csv", min_examples_per_class=3, split={"method": "random"}))
    return ["train", path], ("error: data.min_examples_per_class: column 'label' has classes with fewer than 3 "
                             "training examples: rare (1)")


@case(TRAIN_CASES, "data: saved dataset folder that is not one")
def _(tmp):
    (tmp / "saved").mkdir()
    path = write_yaml(tmp, _tiny_config(data={"saved": "saved", "text_columns": ["title", "body"],
                                              "label_column": "label"}))
    return ["train", path], (f"error: data.saved: {tmp / 'saved'} is not a saved dataset (Directory {tmp / 'saved'} "
                             "is neither a `Dataset` directory nor a `DatasetDict` directory.)")


# --- predict, registry, serving (need a trained model) -------------------------------------------------------------


@case(MODEL_CASES, "predict: model folder that does not exist")
def _(tmp, model):
    return ["predict", "-m", tmp / "nope", "text"], (f"error: model {tmp / 'nope'}: no such folder, and not a models:/ "
                                                    "or runs:/ URI")


@case(MODEL_CASES, "predict: unknown registered model")
def _(tmp, model):
    return (["predict", "-m", "models:/ghost@champion", "text"],
            "error: model models:/ghost@champion: not found (Registered Model with name=ghost not found)")


@case(MODEL_CASES, "predict: folder without MLmodel")
def _(tmp, model):
    (tmp / "empty-model").mkdir()
    return ["predict", "-m", tmp / "empty-model", "text"], (f"error: {tmp / 'empty-model'}: not an MLflow model "
                                                             "folder (no MLmodel file)")


@case(MODEL_CASES, "predict: tampered model file")
def _(tmp, model):
    import os

    import skops.io as sio
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from train.predict import local_model_dir

    folder = tmp / "tampered"
    shutil.copytree(local_model_dir(model["uri"]), folder)
    sio.dump(Pipeline([("run", FunctionTransformer(os.system))]), folder / "model.skops")
    return ["predict", "-m", folder, "text"], (f"error: {folder / 'model.skops'}: refusing to load a model that needs "
                                              "untrusted types: posix.system")


@case(MODEL_CASES, "predict: input file missing")
def _(tmp, model):
    return (["predict", "-m", model["uri"], "--input", tmp / "absent.csv"],
            f"error: --input {tmp / 'absent.csv'}: no such file")


@case(MODEL_CASES, "predict: input without the model's columns")
def _(tmp, model):
    pd.DataFrame({"headline": ["a"], "content": ["b"]}).to_csv(tmp / "in.csv", index=False)
    return (["predict", "-m", model["uri"], "--input", tmp / "in.csv"],
            f"error: --input {tmp / 'in.csv'}: column 'title' not found; the model needs title (from 'title'), "
            "body (from 'body'); available: headline, content")


@case(MODEL_CASES, "predict: id column missing")
def _(tmp, model):
    pd.DataFrame({"title": ["a"], "body": ["b"]}).to_csv(tmp / "in.csv", index=False)
    return (["predict", "-m", model["uri"], "--input", tmp / "in.csv", "--id-column", "uid"],
            f"error: --id-column: column 'uid' not found in {tmp / 'in.csv'}")


@case(MODEL_CASES, "predict: input of unknown extension")
def _(tmp, model):
    (tmp / "in.txt").write_text("hello\n", encoding="utf-8")
    return (["predict", "-m", model["uri"], "--input", tmp / "in.txt"],
            f"error: --input {tmp / 'in.txt'}: cannot tell the format from the extension; pass --input-format "
            "csv, tsv, jsonl or parquet")


@case(MODEL_CASES, "predict: store unreachable")
def _(tmp, model):
    return (["predict", "-m", "models:/news@champion", "--tracking-uri", "http://127.0.0.1:9", "text"],
            "error: tracking store http://127.0.0.1:9 is not reachable (connection refused); start the server, or "
            "set MLFLOW_TRACKING_URI / tracking.uri to a store that is")


@case(MODEL_CASES, "registry: models of an unknown name")
def _(tmp, model):
    return ["models", "ghost"], "error: registered model 'ghost' not found; known: news"


@case(MODEL_CASES, "registry: promote an unknown name")
def _(tmp, model):
    return ["promote", "ghost"], "error: registered model 'ghost' not found; known: news"


@case(MODEL_CASES, "registry: store unreachable")
def _(tmp, model):
    return (["models", "--tracking-uri", "http://127.0.0.1:9"],
            "error: tracking store http://127.0.0.1:9 is not reachable (connection refused); start the server, or "
            "set MLFLOW_TRACKING_URI / tracking.uri to a store that is")


# --- fixtures and tests ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _model_template(tmp_path_factory: pytest.TempPathFactory, _empty_store_template: Path) -> dict[str, Any]:
    """One registered model ('news' v1) trained once per module; each test gets a copy of its store."""
    from train.config import load_config
    from train.runner import run_training

    folder = tmp_path_factory.mktemp("matrix-model")
    shutil.copy(_empty_store_template, folder / "mlflow.db")
    config = tiny(folder, tracking={"register_as": "news"})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{folder / 'mlflow.db'}")
        result = run_training(load_config(config))
    return {"db": folder / "mlflow.db", "uri": result.model_uri, "run_id": result.run_id}


@pytest.fixture
def model(_model_template: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    path = tmp_path / "model-store" / "mlflow.db"
    path.parent.mkdir()
    shutil.copy(_model_template["db"], path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{path}")
    return _model_template


def test_the_matrix_has_at_least_40_cases():
    assert len(TRAIN_CASES) + len(MODEL_CASES) >= 40


@pytest.mark.parametrize("name", list(TRAIN_CASES))
def test_bad_training_input_is_one_line_exit_2_and_leaves_no_run(name, tmp_path, mlflow_store, run_cli, monkeypatch):
    monkeypatch.delenv("SECNEWS_MATRIX_UNSET", raising=False)
    args, expected = TRAIN_CASES[name](tmp_path)
    assert one_error_line(run_cli(*args, "-q")) == expected
    assert_store_clean(mlflow_store)


@pytest.mark.parametrize("name", list(MODEL_CASES))
def test_bad_model_input_is_one_line_exit_2(name, tmp_path, model, run_cli):
    args, expected = MODEL_CASES[name](tmp_path, model)
    assert one_error_line(run_cli(*args)) == expected


SERVING_CASES = {
    "no model columns": (pd.DataFrame({"headline": ["a"]}), "input is missing columns title, body; the model "
                                                            "expects title, body"),
    "title only": (pd.DataFrame({"title": ["a"]}), "input is missing column body; the model expects title, body"),
}


@pytest.mark.parametrize("name", list(SERVING_CASES))
def test_the_served_pyfunc_refuses_bad_frames_with_our_line(name, model):
    """What `mlflow models serve` answers with: the pyfunc raises our one-line DataError."""
    import mlflow

    from core.errors import DataError

    frame, expected = SERVING_CASES[name]
    with pytest.raises(DataError) as caught:
        mlflow.pyfunc.load_model(model["uri"]).predict(frame)
    assert str(caught.value) == expected
