"""Starter configs (`secnews config new`, `secnews init`): they validate as written and keep the bundled settings."""

from __future__ import annotations

import pytest
import yaml

from train import starter
from train.config import validate_file

FIRST = f"{next(iter(starter.starter_tasks()))}.yaml"  # the first file init writes

@pytest.mark.parametrize("task", list(starter.starter_tasks()))
def test_a_starter_config_validates_as_written(task, tmp_path):
    path = tmp_path / f"{task}.yaml"
    path.write_text(starter.starter_config(task), encoding="utf-8")
    config = validate_file(path)
    assert config.task == task
    assert config.data.demo == task
    assert config.experiment_name == f"{task}-starter"


@pytest.mark.parametrize("task", list(starter.starter_tasks()))
def test_the_data_section_is_marked_and_lists_commented_sources(task):
    text = starter.starter_config(task)
    data = next(s for s in starter.sections(text) if s.key == "data")
    body = "".join(data.lines)
    assert body.count("---- YOUR DATA") == 1
    assert "  # train: data/" in body and "  # test: data/" in body


def test_the_stance_starter_keeps_the_bundled_features_and_model():
    bundled = yaml.safe_load((starter.configs_dir() / "stance" / "demo.yaml").read_text(encoding="utf-8"))
    written = yaml.safe_load(starter.starter_config("stance"))
    assert written["features"] == bundled["features"]
    assert written["model"] == bundled["model"]


def test_the_topic_starter_follows_a_bundled_recommended_config(tmp_path, monkeypatch):
    (tmp_path / "topic").mkdir()
    (tmp_path / "topic" / "recommended.yaml").write_text(
        "# recommended\ntask: topic\nexperiment: bench\ndata:\n  train: x.csv\n"
        "features:\n  - name: tfidf_word  # words\n    ngram_range: [1, 3]\nmodel:\n  name: linear_svm\n",
        encoding="utf-8")
    monkeypatch.setattr(starter, "configs_dir", lambda: tmp_path)
    text = starter.starter_config("topic")
    written = yaml.safe_load(text)
    assert written["features"] == [{"name": "tfidf_word", "ngram_range": [1, 3]}]
    assert written["model"] == {"name": "linear_svm"}
    assert written["experiment"] == "topic-starter"
    assert "  - name: tfidf_word  # words\n" in text
    assert "from topic/recommended.yaml" in text.splitlines()[0]


def test_sections_keep_comments_with_the_key_below_them():
    text = "# file header\n\ntask: topic\n# about the model\nmodel:\n  name: logreg\n\n  params: {}\n"
    found = starter.sections(text)
    assert [s.key for s in found] == [None, "task", "model"]
    assert "".join(found[0].lines) == "# file header\n\n"
    assert "".join(found[2].lines) == "# about the model\nmodel:\n  name: logreg\n\n  params: {}\n"


def test_init_writes_two_configs_and_a_readme_that_validate(run_cli, tmp_path):
    folder = tmp_path / "project"
    result = run_cli("init", folder)
    assert result.code == 0, result.stderr
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "README.md", "configs/stance.yaml", "configs/topic.yaml"]
    assert "secnews train configs/topic.yaml" in (folder / "README.md").read_text(encoding="utf-8")
    check = run_cli("config", "validate", folder / "configs" / "topic.yaml", folder / "configs" / "stance.yaml")
    assert check.code == 0, check.stderr


def test_init_refuses_to_overwrite_without_force(run_cli, tmp_path):
    assert run_cli("init", tmp_path).code == 0
    (tmp_path / "README.md").write_text("mine\n", encoding="utf-8")
    again = run_cli("init", tmp_path)
    assert again.code == 2
    assert again.stderr.strip() == (f"error: {tmp_path / 'configs' / FIRST}: already exists; "
                                    "choose an empty folder or pass --force to overwrite")
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "mine\n"
    assert run_cli("init", tmp_path, "--force").code == 0
    assert (tmp_path / "README.md").read_text(encoding="utf-8") != "mine\n"


def test_init_into_a_path_that_is_a_file_is_one_line(run_cli, tmp_path):
    blocker = tmp_path / "taken"
    blocker.write_text("", encoding="utf-8")
    result = run_cli("init", blocker)
    assert result.code == 2
    assert result.stderr.startswith(f"error: {blocker / 'configs' / FIRST}: cannot write the starter file")
    assert len(result.stderr.strip().splitlines()) == 1


def test_config_new_prints_a_config_that_validates(run_cli, tmp_path):
    result = run_cli("config", "new", "--task", "stance")
    assert result.code == 0, result.stderr
    path = tmp_path / "new.yaml"
    path.write_text(result.stdout, encoding="utf-8")
    assert validate_file(path).task == "stance"


def test_config_new_with_an_unknown_task_names_the_valid_ones(run_cli):
    result = run_cli("config", "new", "--task", "sentiment")
    assert result.code == 2
    valid = ", ".join(starter.starter_tasks())
    assert result.stderr.strip() == f"error: --task: unknown task 'sentiment'; valid tasks: {valid}"

