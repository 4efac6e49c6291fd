"""Streaming training end to end: same predictions as in memory, tracked runs, broken shards, bounded memory."""

from __future__ import annotations

import functools
import random
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from streaming_helpers import config_file, stream_config, write_corpus, write_shards

from core.errors import DataError
from features.shards import ShardError
from train import naming
from train.backends import LocalBackend
from train.config import load_config
from train.naming import DESCRIPTION_TAG
from train.runner import SilentReporter, run_training
from train.streaming import fit_stream, plan_stream, predict_stream, run_streaming, vectorize_chunk
from train.training_spec import STATELESS_BUILDERS


@pytest.fixture
def corpus(tmp_path, make_topic_frame) -> Path:
    """Four training shards and one test shard of the tiny three-class corpus."""
    return write_corpus(tmp_path, make_topic_frame)


@pytest.mark.parametrize("builder", sorted(STATELESS_BUILDERS))
def test_streaming_and_in_memory_training_predict_the_same(builder, corpus, mlflow_store, make_topic_frame):
    from train.predict import load_model

    features = [{"name": builder, "n_features": 4096, **STATELESS_BUILDERS[builder]}]
    streamed = run_training(load_config(config_file(corpus, {**stream_config(), "features": features})))
    in_memory = run_training(load_config(config_file(corpus, {**stream_config(streaming=False), "features": features},
                                                     "memory.yaml")))
    texts = make_topic_frame(per_class=10, seed=2)[["title", "body"]]
    first, second = load_model(streamed.model_uri), load_model(in_memory.model_uri)
    assert list(first.predict(texts)) == list(second.predict(texts))
    assert np.allclose(first.predict_proba(texts).to_numpy(), second.predict_proba(texts).to_numpy())
    assert streamed.metrics["accuracy"] == in_memory.metrics["accuracy"]


def test_a_streaming_run_is_tracked_like_any_other(corpus, mlflow_store):
    config = load_config(config_file(corpus, stream_config(epochs=2)))
    result = run_training(config)
    run = mlflow_store.client.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.tags["secnews.training"] == "streaming/local"
    assert run.data.params["training.streaming"] == "True"
    assert not [key for key in run.data.params if key.startswith(("tracking.tags.", "tracking.run_name"))]
    assert run.info.run_name == naming.run_name(config)  # named after its config, like in-memory runs
    assert "90 training rows, 30 test rows" in run.data.tags[DESCRIPTION_TAG]
    assert run.data.metrics["train_rows"] == 90 and run.data.metrics["test_rows"] == 30
    assert run.data.metrics["fitted_rows"] == 180
    plan = plan_stream(config, LocalBackend(1))
    inputs = {d.tags[0].value: d.dataset.digest for d in run.inputs.dataset_inputs}
    assert inputs == {"train": plan.digests["train"], "test": plan.digests["test"]}
    assert {"classification_report.txt", "confusion_matrix.svg"} <= set(result.artifacts)


def test_a_changed_shard_changes_the_logged_digest(corpus):
    config = load_config(config_file(corpus, stream_config()))
    before = plan_stream(config, LocalBackend(1)).digests["train"]
    shard = corpus / "shards" / "train-00001.jsonl"
    shard.write_text(shard.read_text().replace("update", "updates", 1))
    assert plan_stream(config, LocalBackend(1)).digests["train"] != before


def test_without_test_shards_rows_are_held_out_by_a_hash_of_their_id(corpus, mlflow_store):
    config = stream_config(holdout=0.3)
    del config["data"]["test"]
    result = run_training(load_config(config_file(corpus, config)))
    rows = result.metrics["train_rows"], result.metrics["test_rows"]
    assert sum(rows) == 90 and 15 <= rows[1] <= 40
    assert result.metrics["fitted_rows"] == rows[0]


def test_a_corrupt_shard_is_one_line_with_its_file_and_line_and_exit_2(corpus, mlflow_store, run_cli):
    shard = corpus / "shards" / "train-00002.jsonl"
    lines = shard.read_text().splitlines()
    lines[4] = lines[4][:25]
    shard.write_text("\n".join(lines) + "\n")
    result = run_cli("train", config_file(corpus, stream_config()), "-q")
    assert result.code == 2
    assert result.stderr.splitlines() == [f"error: {shard}:5: invalid JSON (Unterminated string starting at; "
                                          "truncated or corrupt line?)"]
    assert mlflow_store.runs() == []


def test_a_bad_shard_can_be_skipped_with_a_warning_and_a_tag(corpus, mlflow_store):
    shard = corpus / "shards" / "train-00003.jsonl"
    shard.write_bytes(shard.read_bytes()[:-30])
    reporter = SilentReporter()
    result = run_training(load_config(config_file(corpus, stream_config(bad_shards="skip"))), reporter)
    run = mlflow_store.client.get_run(result.run_id)
    assert run.info.status == "FINISHED" and run.data.tags["secnews.skipped_shards"] == "1"
    assert reporter.warnings[0].startswith(f"skipped shard: {shard}:")
    assert result.metrics["train_rows"] < 90


def test_a_shard_truncated_during_training_fails_the_run_with_the_reason(corpus, mlflow_store):
    from train.streaming import _tracked_run

    config = load_config(config_file(corpus, stream_config()))
    plan = plan_stream(config, LocalBackend(1))
    shard = corpus / "shards" / "train-00000.jsonl"
    shard.write_bytes(shard.read_bytes()[:100])
    with pytest.raises(ShardError, match=rf"^{shard}:\d+: shard is shorter than when it was scanned"):
        _tracked_run(config, plan, LocalBackend(1), SilentReporter())
    (run,) = mlflow_store.runs()
    assert run.info.status == "FAILED"
    assert str(shard) in run.data.tags["error"]


def test_labels_outside_the_configured_label_set_are_refused(corpus):
    config = load_config(config_file(corpus, stream_config(classes=["malware", "phishing"])))
    with pytest.raises(DataError, match="^training.classes: the shards hold labels not listed: policy$"):
        plan_stream(config, LocalBackend(1))


@pytest.mark.slow
def test_parallel_vectorizing_gives_exactly_the_serial_output(corpus):
    config = load_config(config_file(corpus, stream_config()))
    plan = plan_stream(config, LocalBackend(1))
    from features.union import build_features

    features = build_features(config.feature_specs, ["title", "body"], 7)
    features.fit(__import__("pandas").DataFrame({"title": ["a"], "body": ["b"]}))
    work = functools.partial(vectorize_chunk, features=features, columns=plan.columns, holdout=0.0, part="train")
    serial = list(LocalBackend(1).stream(work, plan.train_chunks))
    parallel = list(LocalBackend(2).stream(work, plan.train_chunks))
    assert len(serial) == len(parallel) == len(plan.train_chunks)
    for one, other in zip(serial, parallel, strict=True):
        assert (one.X != other.X).nnz == 0 and list(one.y) == list(other.y)


@pytest.mark.slow
def test_many_shards_train_in_memory_far_below_the_corpus_size(tmp_path):
    rng = random.Random(3)
    words = {label: [f"{label}{i}" for i in range(40)] for label in ("alpha", "beta", "gamma")}
    import pandas as pd

    rows = [{"id": f"d{i}", "title": "", "body": " ".join(rng.choices(words[label], k=160)), "label": label}
            for i, label in enumerate(rng.choices(list(words), k=24_000))]
    write_shards(tmp_path / "shards", pd.DataFrame(rows), "train", 80)
    write_shards(tmp_path / "shards", pd.DataFrame(rows[:300]).assign(id=lambda f: "t" + f["id"]), "test", 1)
    corpus_bytes = sum(p.stat().st_size for p in (tmp_path / "shards").glob("train-*.jsonl"))
    config = load_config(config_file(tmp_path, {**stream_config(chunk_rows=100),
                                                "features": [{"name": "fast_hashing", "n_features": 2**14}]}))
    backend = LocalBackend(1)
    # One pass over the one-shard test file first: modules imported lazily on the first pass (~0.5 MB of code
    # objects) are not what this test measures.
    warm = load_config(config_file(tmp_path, {**stream_config(chunk_rows=100),
                                              "data": {**stream_config()["data"], "train": "shards/test-*.jsonl"}},
                                   "warm.yaml"))
    predict_stream(fit_stream(warm, plan_stream(warm, backend), backend)[0], plan_stream(warm, backend), backend)
    tracemalloc.start()
    try:
        plan = plan_stream(config, backend)
        pipeline, timings = fit_stream(config, plan, backend)
        y_true, y_pred, _, _ = predict_stream(pipeline, plan, backend)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert timings["fitted_rows"] == 24_000 and (y_true == y_pred).mean() > 0.9
    assert corpus_bytes > 25_000_000
    assert peak < 0.12 * corpus_bytes, f"peak {peak:,} bytes for a {corpus_bytes:,}-byte corpus"


def test_run_streaming_closes_a_backend_it_made(corpus, mlflow_store, monkeypatch):
    closed = []
    monkeypatch.setattr(LocalBackend, "close", lambda self: closed.append(True))
    run_streaming(load_config(config_file(corpus, stream_config())))
    assert closed == [True]
