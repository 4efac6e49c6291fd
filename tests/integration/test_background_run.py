"""A run opened in the background thread ends exactly as a foreground one: FINISHED, FAILED with the error, or
FAILED when its own opening fails; nested runs keep their parent."""

from __future__ import annotations

import pytest


def _open(mlflow_store, **kwargs):
    from train import tracking
    from train.background_run import background_run

    tracking.use_store(mlflow_store.uri)
    return background_run(mlflow_store.uri, "background", "a run", {"who": "test"}, **kwargs)


def test_first_logs_run_in_the_background_and_the_run_finishes(mlflow_store):
    import mlflow

    def first_logs():
        mlflow.log_params({"alpha": "1"})

    with _open(mlflow_store, first_logs=first_logs) as pending:
        run = pending.wait()
        mlflow.log_metric("score", 0.5)
    [stored] = mlflow_store.runs()
    assert stored.info.run_id == run.info.run_id
    assert stored.info.status == "FINISHED"
    assert stored.info.run_name == "a run"
    assert stored.data.params == {"alpha": "1"}
    assert stored.data.metrics == {"score": 0.5}
    assert stored.data.tags["who"] == "test"
    assert mlflow.active_run() is None


def test_an_error_before_waiting_ends_the_run_failed_with_it(mlflow_store):
    with pytest.raises(ValueError, match="the fit broke"), _open(mlflow_store):
        raise ValueError("the fit broke")
    [stored] = mlflow_store.runs()
    assert stored.info.status == "FAILED"
    assert stored.data.tags["error"] == "ValueError: the fit broke"


def test_a_failure_while_opening_reaches_the_main_thread_and_leaves_no_running_run(mlflow_store):
    def first_logs():
        raise RuntimeError("logging the inputs failed")

    with pytest.raises(RuntimeError, match="logging the inputs failed"), \
            _open(mlflow_store, first_logs=first_logs) as pending:
        pending.wait()
    [stored] = mlflow_store.runs()
    assert stored.info.status == "FAILED"
    assert stored.data.tags["error"] == "RuntimeError: logging the inputs failed"


def test_a_nested_background_run_is_a_child_of_the_active_run(mlflow_store):
    from train import tracking

    tracking.use_store(mlflow_store.uri)
    with tracking.mlflow_run("background", "parent", {}) as parent, _open(mlflow_store, nested=True) as pending:
        child = pending.wait()
    runs = {run.info.run_id: run for run in mlflow_store.runs()}
    assert runs[child.info.run_id].data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert {run.info.status for run in runs.values()} == {"FINISHED"}
