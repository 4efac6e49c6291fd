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


# --- the same run owned by a helper process (what `secnews train` uses when it has not imported MLflow) ---

def _first_logs(params):
    from train.run_logs import FirstLogs

    return FirstLogs({"model": {"name": "logreg"}}, params, {"rows": 3})


def test_a_helper_process_run_logs_everything_and_finishes(mlflow_store, tmp_path):
    import os

    from train.run_logs import FinalLogs
    from train.tracking_process import ProcessRun

    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "report.txt").write_text("per-class report", encoding="utf-8")
    with _open(mlflow_store, first_logs=_first_logs({"model.name": "logreg"}), helper_process=True) as pending:
        assert isinstance(pending, ProcessRun)
        outcome = pending.finish(FinalLogs(str(reports), {"accuracy": 0.75}, description="a test run"))
        helper_pid = pending._process.pid
    assert helper_pid != os.getpid()
    assert outcome.metrics == {"accuracy": 0.75} and outcome.model_uri is None
    [stored] = mlflow_store.runs()
    assert stored.info.run_id == pending.run_id
    assert stored.info.experiment_id == pending.experiment_id
    assert stored.info.status == "FINISHED"
    assert stored.data.params == {"model.name": "logreg"}
    assert stored.data.metrics == {"accuracy": 0.75}
    assert stored.data.tags["mlflow.note.content"] == "a test run"
    assert stored.data.tags["who"] == "test"
    listed = {a.path for a in mlflow_store.client.list_artifacts(stored.info.run_id, "evaluation")}
    assert listed == {"evaluation/report.txt"}
    assert not pending._process.is_alive()


def test_a_helper_process_run_ends_failed_with_the_trainers_error(mlflow_store):
    with pytest.raises(ValueError, match="the fit broke"), \
            _open(mlflow_store, first_logs=_first_logs({"a": "1"}), helper_process=True):
        raise ValueError("the fit broke")
    [stored] = mlflow_store.runs()
    assert stored.info.status == "FAILED"
    assert stored.data.tags["error"] == "ValueError: the fit broke"


def test_first_logs_failing_in_the_helper_reach_the_trainer_and_fail_the_run(mlflow_store, tmp_path):
    from mlflow.exceptions import MlflowException

    from train.run_logs import FinalLogs

    with pytest.raises(MlflowException, match="Invalid value"), \
            _open(mlflow_store, first_logs=_first_logs({"bad!name": "1"}), helper_process=True) as pending:
        pending.finish(FinalLogs(str(tmp_path / "nothing"), {"accuracy": 0.5}))
    [stored] = mlflow_store.runs()
    assert stored.info.status == "FAILED"
    assert "bad!name" in stored.data.tags["error"]
    assert stored.data.metrics == {}


@pytest.mark.parametrize(("models", "expected"), [(False, False), (True, True)])
def test_model_saving_libraries_are_imported_in_advance_only_when_a_model_will_be_saved(models, expected):
    import subprocess
    import sys

    code = (f"import sys; from train.background_run import import_all; import_all({models}); "
            "print('mlflow.store.tracking.sqlalchemy_store' in sys.modules, 'skops.io' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", str(expected)]


def test_mlflow_hints_are_silenced_in_the_main_thread_before_the_run_opens_in_the_background(
        mlflow_store, write_topic_csv, write_config, make_config, monkeypatch):
    # a filter set only inside the background thread's catch_warnings block was undone by the main thread's own
    # blocks now and then, and MLflow's integer-column hint reached the terminal
    import warnings

    from train import background_run, tracking
    from train.config import load_config
    from train.runner import run_training

    ignored_when_opening = []
    real = background_run.background_run

    def recording(*args, **kwargs):
        ignored_when_opening.extend(f[1].pattern for f in warnings.filters if f[0] == "ignore" and f[1] is not None)
        return real(*args, **kwargs)

    monkeypatch.setattr(background_run, "background_run", recording)
    write_topic_csv(per_class=14)
    config = write_config(make_config(tracking={"log_model": False}))
    with warnings.catch_warnings():  # the filters the run adds end with this test
        run_training(load_config(config))
    assert all(any(pattern.startswith(hint) for pattern in ignored_when_opening) for hint in tracking.MLFLOW_HINTS)


def _train_in_a_pool_worker(config_path: str) -> tuple[bool, bool, str]:
    """Run in a fresh loky worker: whether MLflow was imported before, whether the helper was wanted, the run id."""
    import sys

    from train import tracking_process
    from train.config import load_config
    from train.runner import run_training

    had_mlflow, helper = "mlflow" in sys.modules, tracking_process.wanted()
    return had_mlflow, helper, run_training(load_config(config_path)).run_id


def test_a_run_in_a_fresh_pool_worker_tracks_in_a_thread_and_finishes(mlflow_store, write_topic_csv, write_config,
                                                                      make_config):
    # a loky worker cannot spawn the helper process (the fresh interpreter dies on the start method 'loky'): such
    # runs failed with BrokenPipeError — a sweep's trials after loky restarted a worker whose memory had grown
    from joblib.externals.loky import ProcessPoolExecutor

    write_topic_csv(per_class=14)
    config = write_config(make_config(tracking={"log_model": False}))
    with ProcessPoolExecutor(max_workers=1) as pool:  # not the reusable executor: a worker no test has used
        had_mlflow, helper, run_id = pool.submit(_train_in_a_pool_worker, str(config)).result(timeout=300)
    assert not had_mlflow and not helper
    assert mlflow_store.client.get_run(run_id).info.status == "FINISHED"
