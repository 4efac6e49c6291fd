"""The `training:` section: validated like the rest, with one path-addressed line per streaming rule broken."""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from train.config import parse_config
from train.estimators import ESTIMATORS


def streaming(**sections) -> dict:
    config = {
        "data": {"train": "shards/*.jsonl", "text_columns": ["text"]},
        "features": [{"name": "fast_hashing"}],
        "model": {"name": "sgd"},
        "training": {"streaming": True},
    }
    config.update(sections)
    return config


def problems(raw: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    return caught.value.lines


def test_a_streaming_config_with_stateless_features_and_partial_fit_is_valid():
    config = parse_config(streaming(training={"streaming": True, "epochs": 3, "chunk_rows": 500}))
    assert (config.training.epochs, config.training.chunk_rows, config.training.backend) == (3, 500, "local")


def test_training_defaults_to_in_memory():
    config = parse_config({"data": {"demo": "topic"}, "features": [{"name": "tfidf_word"}]})
    assert config.training.streaming is False


def test_features_that_learn_from_data_cannot_stream():
    lines = problems(streaming(features=[{"name": "tfidf_word"}, {"name": "hashing"}]))
    assert lines == [
        "features[0].name: streaming needs stateless builders (fast_hashing, hashing); 'tfidf_word' learns "
        "from the data",
        "features[1].tfidf: streaming needs tfidf: false (nothing fitted)",
    ]


def test_a_model_without_partial_fit_is_refused_with_the_ones_that_have_it():
    with_partial_fit = [entry.name for entry in ESTIMATORS if hasattr(entry.build, "partial_fit")]
    assert {"sgd", "passive_aggressive", "multinomial_nb", "complement_nb"} <= set(with_partial_fit)
    assert problems(streaming(model={"name": "logreg"})) == [
        f"model.name: streaming needs a model with partial_fit ({', '.join(with_partial_fit)}), not 'logreg'"
    ]


def test_training_values_are_checked_by_path():
    lines = problems(streaming(training={"streaming": True, "epochs": 0, "bad_shards": "ignore"}))
    assert lines[0] == "training.epochs: expected greater than or equal to 1, got 0"
    assert lines[1].startswith("training.bad_shards: expected 'fail' or 'skip', got \"ignore\"")


def test_the_dask_backend_needs_streaming_and_a_scheduler_needs_dask():
    raw = {"data": {"demo": "topic"}, "features": [{"name": "tfidf_word"}]}
    assert problems({**raw, "training": {"backend": "dask"}}) == [
        "training.backend: the dask backend runs the streaming trainer; set training.streaming: true"]
    assert problems(streaming(training={"streaming": True, "scheduler": "tcp://127.0.0.1:8786"})) == [
        "training.scheduler: a scheduler address needs training.backend: dask (or --backend dask)"]


def test_streaming_needs_files_and_something_to_evaluate_on():
    lines = problems(streaming(data={"demo": "topic"}, training={"streaming": True, "holdout": 0}))
    assert lines == [
        "data.train: streaming reads shard files; give data.train (a file or glob of JSONL/CSV/Parquet)",
        "training.holdout: 0 leaves nothing to evaluate on; give data.test shards or a share > 0",
    ]


def test_the_cli_backend_option_is_validated_like_the_config(run_cli, tmp_path):
    path = tmp_path / "memory.yaml"
    path.write_text("data: {demo: topic}\nfeatures: [{name: tfidf_word}]\n")
    result = run_cli("train", path, "--backend", "dask")
    assert result.code == 2
    assert result.stderr.splitlines() == [f"error: {path}: training.backend: the dask backend runs the streaming "
                                          "trainer; set training.streaming: true"]


def test_short_copies_are_refused_by_streaming_which_reads_shards_as_they_are():
    raw = streaming()
    raw["data"] = {**raw["data"], "label_column": "topic", "short_copies": ["title"]}
    assert problems(raw) == [
        "data.short_copies: not applied by streaming training (shards are read as they are); remove it"]
