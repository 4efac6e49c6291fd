"""The `secnews` CLI: every user error is exactly one line on stderr, exit code 2, no traceback, no MLflow run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from train.config import load_config, resolved_dict

REPO = Path(__file__).resolve().parents[2]
VALID_MODELS = ("complement_nb, hist_gb, linear_svm, logreg, mlp, multinomial_nb, passive_aggressive, ridge, sgd, "
                "two_stage")


def one_error_line(result) -> str:
    """The single `error: ...` line a user error prints, after checking exit code 2 and no traceback."""
    assert result.code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def config_path(write_topic_csv, write_config, make_config) -> Path:
    """A valid config over a tiny CSV, with two feature builders."""
    write_topic_csv()
    config = make_config(features=[{"name": "tfidf_word"}, {"name": "tfidf_char", "ngram_range": [2, 4]}])
    return write_config(config)


# --- config errors ----------------------------------------------------------------------------------------------


def test_an_unknown_model_name_is_one_line_listing_valid_names_and_creates_no_run(mlflow_store, run_cli,
                                                                                 config_path):
    line = one_error_line(run_cli("train", config_path, "--set", "model.name=nope"))
    assert line == f"error: {config_path}: model.name: unknown model 'nope'; valid names: {VALID_MODELS}"
    assert mlflow_store.runs() == []
    assert mlflow_store.experiment_names() == ["Default"]


def test_an_ngram_range_given_as_text_is_one_line(run_cli, config_path):
    line = one_error_line(run_cli("train", config_path, "--set", "features[1].ngram_range=1-2"))
    assert line == f'error: {config_path}: features[1].ngram_range: expected two integers, got "1-2"'


def test_an_unknown_key_suggests_the_closest(run_cli, config_path):
    line = one_error_line(run_cli("train", config_path, "--set", "data.label_colum=label"))
    assert line == f"error: {config_path}: data.label_colum: unknown key; did you mean 'label_column'?"


def test_a_missing_env_variable_is_named(run_cli, config_path, monkeypatch):
    monkeypatch.delenv("SECNEWS_TEST_MISSING", raising=False)
    line = one_error_line(run_cli("train", config_path, "--set", "data.train=${SECNEWS_TEST_MISSING}/a.csv"))
    assert line == f"error: {config_path}: data.train: environment variable ${{SECNEWS_TEST_MISSING}} is not set"


def test_a_yaml_syntax_error_gives_its_line(run_cli, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("task: topic\nfeatures:\n  - name: tfidf_word\n    ngram_range: [1, 2\nmodel: {}\n",
                    encoding="utf-8")
    line = one_error_line(run_cli("train", path))
    assert line.startswith(f"error: {path}: YAML syntax error at line 5, column ")


def test_a_missing_config_file_is_one_line(run_cli, tmp_path):
    line = one_error_line(run_cli("train", tmp_path / "absent.yaml"))
    assert line == f"error: {tmp_path / 'absent.yaml'}: config file not found"


def test_stop_words_on_tfidf_char_are_one_line(run_cli, config_path):
    line = one_error_line(run_cli("train", config_path, "--set", "features[1].stop_words=english"))
    assert line == (f"error: {config_path}: features[1].stop_words: stop words apply to word n-grams only: "
                    "remove it or use tfidf_word")


def test_a_bad_model_parameter_value_is_one_line(run_cli, config_path):
    line = one_error_line(run_cli("train", config_path, "--set", "model.params.C=-1"))
    assert line == (f"error: {config_path}: model.params.C: The 'C' parameter of LogisticRegression must be a "
                    "float in the range (0.0, inf]. Got -1 instead.")


def test_an_override_without_equals_is_one_line(run_cli, config_path):
    line = one_error_line(run_cli("train", config_path, "--set", "model.params.C"))
    assert line == "error: --set model.params.C: expected KEY=VALUE, e.g. model.params.C=2"


def test_an_override_past_the_end_of_a_list_is_one_line(run_cli, config_path):
    line = one_error_line(run_cli("config", "validate", config_path, "--set", "features[5].max_df=0.5"))
    assert line == "error: --set features[5].max_df=0.5: features[5] does not exist (the list has 2 items)"


def test_config_validate_reports_ok_for_good_files_and_exits_2_for_one_bad(run_cli, config_path, write_config,
                                                                          make_config):
    bad = write_config(make_config(model={"name": "logreg", "params": {"C": 0}}), "bad.yaml")
    result = run_cli("config", "validate", config_path, bad, REPO / "configs" / "topic" / "demo.yaml")
    line = one_error_line(result)
    assert line.startswith(f"error: {bad}: model.params.C: ")
    assert result.stdout.splitlines() == [f"ok    {config_path}", f"ok    {REPO / 'configs' / 'topic' / 'demo.yaml'}"]


def test_config_validate_exits_0_when_every_file_is_good(run_cli, config_path):
    result = run_cli("config", "validate", config_path, REPO / "configs" / "topic" / "demo.yaml")
    assert result.code == 0, result.stderr
    assert result.stderr == ""


def test_config_validate_reports_every_problem_of_a_file_on_its_own_line(run_cli, write_config, make_config):
    bad = write_config(make_config(features=[{"name": "nope"}], model={"name": "nope"}))
    result = run_cli("config", "validate", bad)
    assert result.code == 2
    assert [line.split(": ")[2] for line in result.stderr.strip().splitlines()] == ["features[0].name", "model.name"]


def test_config_show_prints_the_resolved_yaml_with_the_override_applied(run_cli, config_path):
    result = run_cli("config", "show", config_path, "--set", "model.params.C=2")
    assert result.code == 0, result.stderr
    shown = yaml.safe_load(result.stdout)
    assert shown["model"]["params"] == {"C": 2}
    assert shown == resolved_dict(load_config(config_path, ["model.params.C=2"]))


def test_config_show_prints_regular_expressions_verbatim(run_cli, write_topic_csv, write_config, make_config):
    write_topic_csv()
    features = [{"name": "tfidf_word", "clean": {"strip_patterns": [r"^[A-Z][a-z]+ staff$", r"\[bold\]"]}}]
    path = write_config(make_config(features=features))
    result = run_cli("config", "show", path)
    assert yaml.safe_load(result.stdout)["features"][0]["clean"]["strip_patterns"] == features[0]["clean"][
        "strip_patterns"]


# --- data errors ------------------------------------------------------------------------------------------------


def bad_data_cases(tmp_path: Path, frame: pd.DataFrame) -> dict[str, tuple[dict, str]]:
    """name -> (data section, expected start of the error line after the `data.` key)."""
    frame.to_csv(tmp_path / "good.csv", index=False)
    empty = frame.copy()
    empty.loc[[0, 1], ["title", "body"]] = ""
    empty.to_csv(tmp_path / "empty.csv", index=False)
    unlabelled = frame.copy()
    unlabelled.loc[4, "label"] = None
    unlabelled.to_csv(tmp_path / "unlabelled.csv", index=False)
    rare = pd.concat([frame, frame.head(1).assign(label="rare", title="one rare title")], ignore_index=True)
    rare.to_csv(tmp_path / "rare.csv", index=False)
    (tmp_path / "fake.parquet").write_text("title,body,label\na,b,c\n", encoding="utf-8")
    text = ["title", "body"]
    return {
        "missing column": ({"train": "good.csv", "text_columns": ["headline", "body"]},
                           "error: data.train (" + str(tmp_path / "good.csv")
                           + "): column 'headline' not found; available: id, title, body, label"),
        "empty text rejected": ({"train": "empty.csv", "text_columns": text, "empty_text": "reject"},
                                "error: data.train ("),
        "missing label": ({"train": "unlabelled.csv", "text_columns": text}, "error: data.train ("),
        "rare class": ({"train": "rare.csv", "text_columns": text, "split": {"method": "random"},
                        "min_examples_per_class": 2},
                       "error: data.min_examples_per_class: column 'label' has classes with fewer than 2"),
        "not its format": ({"train": "fake.parquet", "text_columns": text},
                           f"error: data.train: {tmp_path / 'fake.parquet'} is not readable as parquet ("),
        "no such file": ({"train": "absent-*.csv", "text_columns": text}, "error: data.train: no file matches "),
        "hub offline": ({"hub": {"name": "secnews-tests/absent"}, "text_columns": text},
                        "error: data.hub.name: cannot load 'secnews-tests/absent' split 'train' from the Hugging "
                        "Face Hub (offline or unreachable"),
        "not a saved dataset": ({"saved": "nowhere", "text_columns": text}, "error: data.saved: "),
        "bad split column": ({"train": "good.csv", "text_columns": text, "split": {"split_column": "label"}},
                             "error: data.split.split_column: column 'label' must hold train/test values"),
    }


CASES = ["missing column", "empty text rejected", "missing label", "rare class", "not its format", "no such file",
         "hub offline", "not a saved dataset", "bad split column"]


@pytest.mark.parametrize("case", CASES)
def test_a_data_error_is_one_line_with_exit_2_and_creates_no_run(case, mlflow_store, run_cli, tmp_path,
                                                                 write_config, make_config, make_topic_frame):
    data, expected = bad_data_cases(tmp_path, make_topic_frame(per_class=8))[case]
    line = one_error_line(run_cli("train", write_config(make_config(data=data)), "-q"))
    assert line.startswith(expected)
    assert mlflow_store.runs() == []
