"""train.config: every repo config validates; YAML, ${ENV}, paths and cross-section rules give path-addressed errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from core.tasks import TASKS
from train.config import interpolate, load_config, parse_config, resolved_dict, validate_file

REPO = Path(__file__).resolve().parents[2]
CONFIGS = sorted(p for p in (REPO / "configs").rglob("*.yaml") if "sweeps" not in p.relative_to(REPO / "configs").parts)


def minimal(**sections) -> dict:
    return {"data": {"train": "articles.csv"}, "features": [{"name": "tfidf_word"}], **sections}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(REPO / "configs")))
def test_every_repo_config_validates(path, request, monkeypatch):
    if "${SECNEWS_DATA" in path.read_text(encoding="utf-8"):
        monkeypatch.setenv("SECNEWS_DATA", str(request.getfixturevalue("secnews_data")))
    config = validate_file(path)
    assert config.feature_specs


# --- reading YAML -----------------------------------------------------------------------------------------------


def test_a_missing_config_file_is_one_line(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml")
    assert str(caught.value) == f"{tmp_path / 'nope.yaml'}: config file not found"


def test_a_yaml_syntax_error_gives_the_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("task: topic\ndata:\n  train: [a.csv\nfeatures: []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: YAML syntax error at line 4, column 9: expected ',' or ']', but got ':'"


def test_a_config_that_is_not_a_mapping_is_rejected(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r": expected a mapping of config sections at the top level$"):
        load_config(path)


def test_exponent_floats_in_a_config_file_are_numbers(write_config, make_config):
    path = write_config(make_config(model={"name": "sgd", "params": {"tol": "PLACEHOLDER"}}))
    path.write_text(path.read_text(encoding="utf-8").replace("PLACEHOLDER", "1e-4"), encoding="utf-8")
    assert validate_file(path).model.params["tol"] == pytest.approx(1e-4)


# --- environment variables --------------------------------------------------------------------------------------


def test_env_variables_are_interpolated(monkeypatch):
    monkeypatch.setenv("SECNEWS_TEST_DIR", "/data")
    assert interpolate({"data": {"train": "${SECNEWS_TEST_DIR}/x.csv"}}) == {"data": {"train": "/data/x.csv"}}


def test_an_unset_env_variable_uses_its_default(monkeypatch):
    monkeypatch.delenv("SECNEWS_TEST_UNSET", raising=False)
    assert interpolate(["${SECNEWS_TEST_UNSET:-fallback}/x"]) == ["fallback/x"]


def test_an_unset_env_variable_without_default_names_the_variable_and_key(monkeypatch):
    monkeypatch.delenv("SECNEWS_TEST_UNSET", raising=False)
    with pytest.raises(ConfigError) as caught:
        interpolate({"features": [{"name": "x"}, {"name": "${SECNEWS_TEST_UNSET}"}]})
    assert str(caught.value) == "features[1].name: environment variable ${SECNEWS_TEST_UNSET} is not set"


def test_values_that_are_not_strings_are_left_alone():
    assert interpolate({"seed": 3, "flag": True, "none": None}) == {"seed": 3, "flag": True, "none": None}


# --- schema -----------------------------------------------------------------------------------------------------


def test_defaults_are_filled_in():
    config = parse_config(minimal())
    assert (config.task, config.seed, config.model.name, config.data.split.method) == ("topic", 42, "logreg", "auto")


def test_an_unknown_top_level_key_suggests_the_closest():
    with pytest.raises(ConfigError) as caught:
        parse_config(minimal(modle={"name": "logreg"}))
    assert str(caught.value) == "modle: unknown key; did you mean 'model'?"


def test_an_unknown_nested_key_suggests_the_closest():
    with pytest.raises(ConfigError) as caught:
        parse_config({"data": {"train": "a.csv", "text_column": ["x"]}, "features": [{"name": "tfidf_word"}]})
    assert str(caught.value) == "data.text_column: unknown key; did you mean 'text_columns'?"


def test_a_bad_literal_lists_the_allowed_values():
    with pytest.raises(ConfigError) as caught:
        parse_config(minimal(data={"train": "articles.csv", "empty_text": "keep"}))
    assert str(caught.value) == "data.empty_text: expected 'drop' or 'reject', got \"keep\""


def test_an_unknown_task_lists_the_registered_tasks():
    with pytest.raises(ConfigError) as caught:
        parse_config(minimal(task="topics"))
    assert str(caught.value) == (f"task: unknown task 'topics' (did you mean 'topic'?); "
                                 f"valid names: {', '.join(TASKS.names())}")


def test_multi_label_topic_data_selects_the_multilabel_topic_task():
    config = parse_config(minimal(data={"train": "articles.csv", "multi_label": True}))
    assert (config.task, config.task_component.multi_label) == ("multilabel_topic", True)


def test_the_multilabel_topic_task_implies_multi_label_data():
    assert parse_config(minimal(task="multilabel_topic")).data.multi_label is True


def test_a_missing_data_section_is_named():
    with pytest.raises(ConfigError, match=r"^data: required key is missing$"):
        parse_config({"features": [{"name": "tfidf_word"}]})


def test_exactly_one_data_source_is_required():
    with pytest.raises(ConfigError) as caught:
        parse_config({"data": {"train": "a.csv", "demo": "topic"}, "features": [{"name": "tfidf_word"}]})
    assert str(caught.value) == "data: expected exactly one data source (demo, train, saved or hub), got demo, train"


def test_bodies_need_a_join_column():
    with pytest.raises(ConfigError, match=r"^data: train_bodies/test_bodies need join_on"):
        parse_config({"data": {"train": "a.csv", "train_bodies": "b.csv"}, "features": [{"name": "tfidf_word"}]})


def test_an_unknown_model_name_lists_the_valid_names():
    with pytest.raises(ConfigError) as caught:
        parse_config(minimal(model={"name": "nope"}))
    assert str(caught.value) == ("model.name: unknown model 'nope'; valid names: complement_nb, hist_gb, linear_svm, "
                                 "logreg, mlp, multinomial_nb, nb_svm, passive_aggressive, ridge, sgd, stance_cascade, "
                                 "two_stage")


def test_every_problem_in_features_and_model_is_one_line():
    with pytest.raises(ConfigError) as caught:
        parse_config({"data": {"train": "a.csv"}, "features": [{"name": "nope"}], "model": {"name": "nope"}})
    assert [line.split(":")[0] for line in caught.value.lines] == ["features[0].name", "model.name"]


def test_builder_columns_must_be_text_columns():
    with pytest.raises(ConfigError) as caught:
        parse_config({"data": {"train": "a.csv", "text_columns": ["title", "body"]},
                      "features": [{"name": "tfidf_word", "columns": ["headline"]}]})
    assert str(caught.value) == "features[0].columns: headline not among data.text_columns (title, body)"


def test_stance_needs_exactly_two_text_columns():
    with pytest.raises(ConfigError, match=r"^data\.text_columns: stance expects two columns"):
        parse_config(minimal(task="stance"))


def test_stance_cannot_be_multi_label():
    config = {"task": "stance", "data": {"train": "a.csv", "text_columns": ["h", "b"], "multi_label": True},
              "features": [{"name": "tfidf_word"}]}
    with pytest.raises(ConfigError, match=r"^data\.multi_label: the stance task is single-label$"):
        parse_config(config)


def test_a_bad_model_parameter_value_fails_validation(write_config, make_config):
    path = write_config(make_config(model={"name": "logreg", "params": {"C": -1}}))
    with pytest.raises(ConfigError) as caught:
        validate_file(path)
    assert str(caught.value).startswith(f"{path}: model.params.C: invalid value -1 for logreg (")


# --- loading a file ---------------------------------------------------------------------------------------------


def test_errors_from_a_file_are_prefixed_with_its_path(write_config, make_config):
    path = write_config(make_config(seed="x"))
    with pytest.raises(ConfigError, match=rf"^{path}: seed: "):
        load_config(path)


def test_overrides_are_applied_before_validation(write_config, make_config):
    path = write_config(make_config())
    config = load_config(path, ["model.params.C=2", "features[0].ngram_range=[1,3]"])
    assert config.model.params["C"] == 2
    assert config.feature_specs[0].ngram_range == (1, 3)


def test_data_paths_are_relative_to_the_config_file(write_config, make_config, tmp_path):
    config = load_config(write_config(make_config(train="articles.csv")))
    assert config.data.train == str((tmp_path / "articles.csv").resolve())


def test_data_globs_stay_globs_relative_to_the_config_file(write_config, make_config, tmp_path):
    config = load_config(write_config(make_config(train="parts/*.csv")))
    assert config.data.train == str(tmp_path / "parts" / "*.csv")


def test_the_experiment_defaults_to_task_and_file_name(write_config, make_config):
    assert load_config(write_config(make_config(), "my_run.yaml")).experiment_name == "topic-my_run"


def test_resolved_dict_expands_feature_specs_with_defaults(write_config, make_config):
    resolved = resolved_dict(load_config(write_config(make_config())))
    assert resolved["features"][0]["clean"]["urls"] is True
    assert resolved["features"][0]["ngram_range"] == [1, 2]
    assert resolved["model"]["params"] == {"C": 5}
