"""Sweeps end to end on a real MLflow store: nested runs, dev-only selection, resume, cache, failures, Ctrl-C."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from train import runner
from train.sweep import BEST_RUN_TAG, BEST_TRIAL_TAG, FINAL_RUN_TAG, SweepOptions, kill_sweep, run_sweep, start_parent
from train.sweep_exec import HASH_TAG, PARENT_TAG, ROLE_TAG
from train.sweep_spec import load_sweep


@pytest.fixture
def base(write_topic_csv, write_config, make_config) -> Path:
    write_topic_csv(per_class=14)
    return write_config(make_config(features=[{"name": "tfidf_word", "ngram_range": [1, 1]}],
                                    tracking={"log_model": False}))


@pytest.fixture
def write_sweep(tmp_path, base):
    def write(space, **fields) -> Path:
        path = tmp_path / "sweep.yaml"
        path.write_text(yaml.safe_dump({"base": base.name, "space": space, **fields}, sort_keys=False), "utf-8")
        return path

    return write


FOUR = {"model.params.C": [0.5, 5], "features[0].ngram_range": [[1, 1], [1, 2]]}


def children(store, parent_id):
    return [r for r in store.runs() if r.data.tags.get(PARENT_TAG) == parent_id]


def test_a_four_trial_sweep_is_a_parent_with_nested_trials_and_one_final_test_run(mlflow_store, write_sweep,
                                                                                monkeypatch):
    test_reads = []
    evaluate_fit = runner.evaluate_fit

    def counting(config, data, fitted, out, split="test"):
        test_reads.append(split)
        return evaluate_fit(config, data, fitted, out, split)

    monkeypatch.setattr(runner, "evaluate_fit", counting)
    result = run_sweep(write_sweep(FOUR), SweepOptions(jobs=1))

    parent = mlflow_store.client.get_run(result.parent_run_id)
    assert parent.info.status == "FINISHED"
    assert parent.data.tags[ROLE_TAG] == "parent"
    runs = children(mlflow_store, result.parent_run_id)
    trials = [r for r in runs if r.data.tags[ROLE_TAG] == "trial"]
    finals = [r for r in runs if r.data.tags[ROLE_TAG] == "final"]
    assert len(trials) == 4 and len(finals) == 1
    assert all(r.info.status == "FINISHED" for r in runs)
    assert sorted(r.info.run_name for r in trials) == [
        "experiment · C=0.5 · ngram=1-1", "experiment · C=0.5 · ngram=1-2",
        "experiment · C=5 · ngram=1-1", "experiment · C=5 · ngram=1-2"]
    assert len({r.data.tags[HASH_TAG] for r in trials}) == 4

    # Selection never read the test split: trials carry dev metrics only and log no test dataset.
    for run in trials:
        assert "dev_macro_f1" in run.data.metrics
        assert not {"macro_f1", "accuracy", "test_rows"} & set(run.data.metrics)
        contexts = {tag.value for d in run.inputs.dataset_inputs for tag in d.tags if tag.key == "mlflow.data.context"}
        assert contexts == {"train", "dev"}
        assert "the test split was not read" in run.data.tags["mlflow.note.content"]
    assert test_reads == ["dev"] * 4 + ["test"]

    best = max(trials, key=lambda r: (r.data.metrics["dev_macro_f1"], -int(r.data.tags["secnews.sweep.trial"])))
    assert parent.data.tags[BEST_RUN_TAG] == best.info.run_id == result.best.run_id
    assert parent.data.tags[BEST_TRIAL_TAG] == best.info.run_name
    assert parent.data.metrics["best_dev_macro_f1"] == best.data.metrics["dev_macro_f1"]
    final = finals[0]
    assert parent.data.tags[FINAL_RUN_TAG] == final.info.run_id
    assert final.data.tags[HASH_TAG] == best.data.tags[HASH_TAG]
    assert parent.data.metrics["best_test_macro_f1"] == final.data.metrics["macro_f1"]
    artifacts = {a.path for a in mlflow_store.client.list_artifacts(result.parent_run_id, "sweep")}
    assert artifacts == {"sweep/comparison.csv", "sweep/metric_vs_params.png", "sweep/sweep.yaml"}


def test_trials_log_no_model_unless_asked_and_register_best_registers_the_final_run(mlflow_store, write_sweep):
    result = run_sweep(write_sweep({"model.params.C": [0.5]}), SweepOptions(register_best="topic-sweep"))
    assert result.registered == "topic-sweep/1"
    from mlflow.tracking import MlflowClient

    version = MlflowClient(mlflow_store.uri, registry_uri=mlflow_store.uri).get_model_version("topic-sweep", "1")
    assert version.run_id == result.final_run_id
    trial_ids = [t.run_id for t in result.trials]
    models = mlflow_store.client.search_logged_models([mlflow_store.client.get_run(trial_ids[0]).info.experiment_id])
    assert {m.source_run_id for m in models} == {result.final_run_id}


def test_a_failing_trial_is_failed_with_its_error_and_the_sweep_goes_on(mlflow_store, write_sweep):
    # min_df=500 is more documents than a 42-row corpus has: scikit-learn raises at fit time, in the trial.
    result = run_sweep(write_sweep({"features[0].min_df": [1, 500, 2]}, final_test=False), SweepOptions(jobs=1))
    statuses = [t.status for t in result.trials]
    assert statuses == ["FINISHED", "FAILED", "FINISHED"]
    failed = mlflow_store.client.get_run(result.trials[1].run_id)
    assert failed.info.status == "FAILED"
    assert failed.data.tags["error"].startswith("ConfigError: ")
    assert "features[0].min_df: 500 asks for terms in at least 500 documents" in failed.data.tags["error"]
    parent = mlflow_store.client.get_run(result.parent_run_id)
    assert parent.info.status == "FINISHED"
    assert parent.data.metrics["trials_failed"] == 1 and parent.data.metrics["trials_finished"] == 2


def test_resume_skips_trials_already_finished_under_the_parent(mlflow_store, write_sweep):
    path = write_sweep(FOUR, final_test=False)
    first = run_sweep(path, SweepOptions())
    lost = first.trials[2]
    mlflow_store.client.set_terminated(lost.run_id, "KILLED")  # as if the machine went down during this trial

    again = run_sweep(path, SweepOptions(resume=first.parent_run_id))
    assert again.parent_run_id == first.parent_run_id
    assert [t.resumed for t in again.trials] == [True, True, False, True]
    assert [t.run_id for t in again.trials if t.resumed] == [t.run_id for t in first.trials if t.number != 2]
    rerun = again.trials[2]
    assert rerun.run_id != lost.run_id and rerun.config_hash == lost.config_hash
    trials = [r for r in children(mlflow_store, first.parent_run_id) if r.data.tags[ROLE_TAG] == "trial"]
    assert len(trials) == 5
    assert mlflow_store.client.get_run(first.parent_run_id).info.status == "FINISHED"


def test_resume_refuses_a_run_that_is_not_this_sweeps_parent(mlflow_store, write_sweep, run_cli):
    path = write_sweep({"model.params.C": [0.5]})
    parent_id = start_parent(load_sweep(path), mlflow_store.uri, SweepOptions(), 1)
    experiment = mlflow_store.client.get_run(parent_id).info.experiment_id
    child = mlflow_store.client.create_run(experiment, tags={PARENT_TAG: parent_id, ROLE_TAG: "trial"}).info.run_id
    result = run_cli("sweep", path, "--resume", child)
    assert (result.code, result.stderr.strip()) == (2, f"error: --resume {child}: not the parent run of sweep 'sweep'")
    result = run_cli("sweep", path, "--resume", "0" * 32)
    assert result.stderr.strip() == f"error: --resume {'0' * 32}: no such run in the tracking store"


def test_trials_that_vary_only_the_model_reuse_the_cached_features(mlflow_store, write_sweep, tmp_path):
    from train import cache

    folder = tmp_path / "feature-cache"
    model_only = run_sweep(write_sweep({"model.params.C": [0.5, 2, 8]}, final_test=False),
                           SweepOptions(cache_dir=str(folder)))
    assert [t.metrics["feature_cache_hit"] for t in model_only.trials] == [0.0, 1.0, 1.0]
    assert [t.metrics["scored_split_cache_hit"] for t in model_only.trials] == [0.0, 1.0, 1.0]  # the dev matrix
    # A throughput measured on a cached matrix would be a fiction: only the trial that transformed reports one.
    assert ["predict_rows_per_s" in t.metrics for t in model_only.trials] == [True, False, False]
    assert cache.size_bytes(folder) > 0
    features_vary = run_sweep(write_sweep({"features[0].ngram_range": [[1, 2], [1, 3]]}, final_test=False),
                              SweepOptions(cache_dir=str(folder)))
    assert [t.metrics["feature_cache_hit"] for t in features_vary.trials] == [0.0, 0.0]
    assert cache.active_dir() is None  # the sweep's cache setting does not outlive it
    # A model fit on cached features is the model fit on freshly vectorized ones.
    fresh = run_sweep(write_sweep({"model.params.C": [2]}, final_test=False), SweepOptions()).trials[0]
    assert "feature_cache_hit" not in fresh.metrics and fresh.config_hash == model_only.trials[1].config_hash
    assert fresh.metrics["dev_macro_f1"] == model_only.trials[1].metrics["dev_macro_f1"]


def test_ctrl_c_ends_the_parent_and_running_children_killed(mlflow_store, write_sweep, monkeypatch):
    from train import sweep_exec

    def interrupted(job):
        # A worker that started its run and then died with the sweep: its run is left RUNNING.
        client = mlflow_store.client
        parent = client.get_run(job.raw["tracking"]["tags"][PARENT_TAG])
        client.create_run(parent.info.experiment_id, tags=job.raw["tracking"]["tags"], run_name="trial")
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep_exec, "execute_trial", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(write_sweep({"model.params.C": [0.5, 5]}), SweepOptions())
    runs = mlflow_store.runs()
    assert {r.info.status for r in runs} == {"KILLED"}
    assert {r.data.tags[ROLE_TAG] for r in runs} == {"parent", "trial"}
    assert all(r.data.tags["error"] == "interrupted by the user (Ctrl-C)" for r in runs)


def test_kill_sweep_leaves_finished_children_alone(mlflow_store, write_sweep):
    client = mlflow_store.client
    parent_id = start_parent(load_sweep(write_sweep({"model.params.C": [0.5]})), mlflow_store.uri, SweepOptions(), 1)
    experiment = client.get_run(parent_id).info.experiment_id
    done = client.create_run(experiment, tags={PARENT_TAG: parent_id}).info.run_id
    client.set_terminated(done, "FINISHED")
    running = client.create_run(experiment, tags={PARENT_TAG: parent_id}).info.run_id
    killed = kill_sweep(mlflow_store.uri, parent_id, "terminated (SIGTERM)")
    assert set(killed) == {running, parent_id}
    assert client.get_run(done).info.status == "FINISHED"
    assert client.get_run(running).data.tags["error"] == "terminated (SIGTERM)"
    assert client.get_run(parent_id).info.status == "KILLED"


def test_a_tpe_sweep_asks_optuna_for_its_n_trials_in_batches(mlflow_store, write_sweep):
    space = {"model.params.C": {"low": 0.1, "high": 10, "log": True}, "features[0].ngram_range": [[1, 1], [1, 2]]}
    result = run_sweep(write_sweep(space, strategy="tpe", n_trials=3, seed=1), SweepOptions(jobs=1))
    assert [(t.number, t.status) for t in result.trials] == [(0, "FINISHED"), (1, "FINISHED"), (2, "FINISHED")]
    assert all(0.1 <= t.params["model.params.C"] <= 10 for t in result.trials)
    assert all(t.params["features[0].ngram_range"] in ([1, 1], [1, 2]) for t in result.trials)
    assert result.best is not None and result.final_run_id


def test_the_sweep_command_prints_the_parent_best_trial_and_test_figure(mlflow_store, write_sweep, run_cli, tmp_path):
    result = run_cli("sweep", write_sweep({"model.params.C": [0.5, 5]}), "--cache-dir", tmp_path / "c")
    assert result.code == 0, result.stderr
    assert "parent run: " in result.stdout
    assert "best trial: experiment · C=" in result.stdout
    assert "on test (read once): macro_f1 " in result.stdout
    assert result.stderr.count("finished ") == 2
    assert "feature cache: " in result.stdout


@pytest.mark.parametrize(("args", "expected"), [
    (["--backend", "spark"], "error: --backend spark: expected loky or dask"),
    (["--scheduler", "tcp://127.0.0.1:1"], "error: --scheduler: needs --backend dask"),
    (["--jobs", "0"], "error: --jobs 0: expected 1 or more"),
])
def test_bad_sweep_options_are_one_line_and_start_no_run(mlflow_store, write_sweep, run_cli, args, expected):
    result = run_cli("sweep", write_sweep({"model.params.C": [0.5]}), *args)
    assert (result.code, result.stderr.strip()) == (2, expected)
    assert mlflow_store.runs() == []


@pytest.fixture
def started_workers(monkeypatch):
    """The loky workers a parallel sweep starts (a list that fills when the sweep starts them)."""
    from train import sweep as sweep_module
    from train import sweep_exec

    started = []

    def recording(n_jobs, models=True):
        started.append(sweep_exec.start_workers(n_jobs, models))
        return started[-1]

    monkeypatch.setattr(sweep_module, "start_workers", recording)
    return started


@pytest.mark.slow
def test_parallel_trials_run_on_the_workers_started_while_the_parent_run_opened(mlflow_store, write_sweep,
                                                                                 started_workers):
    result = run_sweep(write_sweep(FOUR, final_test=False), SweepOptions(jobs=2))
    [workers] = started_workers
    assert len(workers.pids) == 2 and not workers.is_alive()
    assert not workers.models  # trials scored on dev that save no model: no skops/pyfunc imports in advance
    assert {int(t.worker.rsplit(":", 1)[1]) for t in result.trials} <= set(workers.pids)
    assert [t.status for t in result.trials] == ["FINISHED"] * 4


@pytest.mark.slow
def test_a_parallel_sweep_ends_its_workers_cleanly_without_warnings(write_sweep, run_script):
    result = run_script("sweep", write_sweep(FOUR, final_test=False), "--jobs", "2")
    assert result.code == 0, result.stderr
    assert "leaked semaphore" not in result.stderr and "Traceback" not in result.stderr


def test_ctrl_c_while_the_workers_start_leaves_no_worker_process_behind(mlflow_store, write_sweep, started_workers,
                                                                       monkeypatch):
    import os

    from train import sweep as sweep_module

    def interrupted_while_opening(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep_module, "start_parent", interrupted_while_opening)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(write_sweep(FOUR, final_test=False), SweepOptions(jobs=2))
    [workers] = started_workers
    assert len(workers.pids) == 2 and not workers.is_alive()
    for pid in workers.pids:  # ended and reaped, not left waiting for work after the sweep returned
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert mlflow_store.runs() == []


@pytest.mark.slow
def test_the_dask_backend_on_a_local_cluster_gives_the_same_results_as_loky(mlflow_store, write_sweep):
    path = write_sweep(FOUR)
    loky = run_sweep(path, SweepOptions(jobs=2, backend="loky"))
    dask = run_sweep(path, SweepOptions(jobs=2, backend="dask"))
    assert [(t.status, t.error) for t in dask.trials] == [("FINISHED", None)] * 4
    assert {t.config_hash: t.metrics["dev_macro_f1"] for t in dask.trials} == \
        {t.config_hash: t.metrics["dev_macro_f1"] for t in loky.trials}
    assert dask.best.params == loky.best.params
    assert dask.final_metrics["macro_f1"] == loky.final_metrics["macro_f1"]
    assert len(children(mlflow_store, dask.parent_run_id)) == 5


def test_sigterm_during_a_sweep_ends_the_parent_killed_with_the_reason(mlflow_store, write_sweep, monkeypatch):
    import os
    import signal

    from train import sweep as sweep_module
    from train.signals import Interrupted

    def terminated_midway(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("SIGTERM did not interrupt the sweep")

    monkeypatch.setattr(sweep_module, "_run", terminated_midway)
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted) as caught:
        sweep_module.run_sweep(write_sweep({"model.params.C": [1, 2]}))
    assert caught.value.exit_code == 143
    (parent,) = mlflow_store.runs()
    assert (parent.info.status, parent.data.tags["error"]) == ("KILLED", "interrupted by SIGTERM")
    assert signal.getsignal(signal.SIGTERM) is previous


def test_an_unknown_key_in_the_space_is_one_line_and_starts_no_run(mlflow_store, write_sweep, run_cli):
    path = write_sweep({"model.paramz.C": [1, 2]})
    result = run_cli("sweep", path)
    assert (result.code, result.stderr.strip()) == (2, f"error: {path}: space.model.paramz.C: unknown key; "
                                                       "did you mean 'params'?")
    assert mlflow_store.runs() == []
