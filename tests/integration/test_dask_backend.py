"""The streaming job on Dask: a real LocalCluster (2 worker processes on 127.0.0.1) trains the same model."""

from __future__ import annotations

import socket

import numpy as np
import pytest
from streaming_helpers import config_file, stream_config, write_corpus

from train.config import load_config
from train.runner import run_training


@pytest.fixture
def corpus(tmp_path, make_topic_frame):
    return write_corpus(tmp_path, make_topic_frame)


@pytest.mark.slow
def test_a_local_dask_cluster_trains_the_same_model_as_this_process(corpus, mlflow_store, make_topic_frame):
    from train.predict import load_model

    local = run_training(load_config(config_file(corpus, stream_config(epochs=2))))
    on_dask = run_training(load_config(config_file(corpus, stream_config(epochs=2, backend="dask", dask_workers=2))))
    run = mlflow_store.client.get_run(on_dask.run_id)
    assert run.info.status == "FINISHED" and run.data.tags["secnews.training"] == "streaming/dask"
    texts = make_topic_frame(per_class=10, seed=2)[["title", "body"]]
    first, second = load_model(local.model_uri), load_model(on_dask.model_uri)
    assert list(first.predict(texts)) == list(second.predict(texts))
    assert np.allclose(first.predict_proba(texts).to_numpy(), second.predict_proba(texts).to_numpy())


def test_an_unreachable_scheduler_is_one_line_and_exit_2(corpus, mlflow_store, run_cli, monkeypatch):
    import train.dask_backend

    monkeypatch.setattr(train.dask_backend, "CONNECT_TIMEOUT_S", 1)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    result = run_cli("train", config_file(corpus, stream_config()), "-q", "--backend", "dask",
                     "--scheduler", address)
    assert result.code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: training.scheduler: cannot reach the Dask scheduler at {address} (")
    assert mlflow_store.runs() == []
