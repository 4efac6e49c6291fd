"""The installed `secnews` console script, run as a user runs it: exit codes and stderr of a real process."""

from __future__ import annotations

import json


def test_help_exits_0_and_lists_the_commands(run_script):
    result = run_script("--help")
    assert result.code == 0
    assert "train" in result.stdout and "config" in result.stdout


def test_config_validate_with_one_bad_file_exits_2_with_one_line_and_no_traceback(run_script, write_topic_csv,
                                                                                 write_config, make_config):
    write_topic_csv()
    good = write_config(make_config(), "good.yaml")
    bad = write_config(make_config(features=[{"name": "tfidf_char", "stop_words": "english"}]), "bad.yaml")
    result = run_script("config", "validate", good, bad)
    assert result.code == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: {bad}: features[0].stop_words: stop words apply to word n-grams only: remove it or use tfidf_word"]
    assert result.stdout.strip() == f"ok    {good}"


def test_train_with_an_unknown_model_exits_2_before_touching_the_store(run_script, tmp_path, write_topic_csv,
                                                                      write_config, make_config):
    write_topic_csv()
    path = write_config(make_config())
    result = run_script("train", path, "--set", "model.name=nope")
    assert result.code == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {path}: model.name: unknown model 'nope'")
    assert not (tmp_path / "script-mlflow.db").exists()


def test_train_exits_0_and_prints_json_last(run_script, write_topic_csv, write_config, make_config):
    write_topic_csv()
    result = run_script("train", write_config(make_config()), "--json")
    assert result.code == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["metrics"]["accuracy"] > answer["metrics"]["baseline_accuracy"]


def test_a_long_error_stays_on_one_line_when_stderr_is_not_a_terminal(run_script, tmp_path, write_config,
                                                                      make_config):
    folder = tmp_path / ("deeply-nested-experiment-folder-" * 4)
    folder.mkdir()
    path = write_config(make_config(), f"{folder.name}/config.yaml")
    result = run_script("config", "validate", path, "--set", "model.name=nope")
    assert result.code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert len(result.stderr) > 200
