"""`run_sweep(path)`: a sweep as one parent MLflow run with every trial a nested child run, the best trial chosen
on the dev split, and its test figure computed once at the end by a final run nested under the same parent."""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from train import background_run, naming, signals
from train.config import interpolate
from train.overrides import parse_path
from train.sweep_exec import (
    HASH_TAG,
    JOB_TAG,
    PARENT_TAG,
    ROLE_TAG,
    SWEEP_TAG,
    TRIAL_TAG,
    StartingWorkers,
    TrialJob,
    TrialResult,
    dask_client,
    run_parallel,
    start_workers,
    stop_workers,
)
from train.sweep_spec import Sweep, Trial, config_hash, expand, load_sweep, set_key, trial_config

BEST_RUN_TAG = "secnews.sweep.best_run_id"
BEST_TRIAL_TAG = "secnews.sweep.best_trial"
FINAL_RUN_TAG = "secnews.sweep.final_run_id"
PARAMS_TAG = "secnews.sweep.params"


@dataclass
class SweepResult:
    """What a sweep produced, for the CLI, notebooks and tests."""

    parent_run_id: str
    experiment: str
    tracking_uri: str
    metric_key: str
    trials: list[TrialResult]
    best: TrialResult | None
    final_run_id: str | None = None
    final_metrics: dict[str, float] = field(default_factory=dict)
    registered: str | None = None
    artifacts: list[str] = field(default_factory=list)

    def as_json(self) -> str:
        best = None if self.best is None else {"run_id": self.best.run_id, "params": self.best.params,
                                                self.metric_key: self.best.metrics.get(self.metric_key)}
        return json.dumps({"parent_run_id": self.parent_run_id, "experiment": self.experiment,
                           "tracking_uri": self.tracking_uri, "best": best, "final_run_id": self.final_run_id,
                           "final_metrics": self.final_metrics, "registered": self.registered,
                           "trials": {s: sum(t.status == s for t in self.trials) for s in ("FINISHED", "FAILED")}},
                          sort_keys=True, default=str)


@dataclass
class SweepOptions:
    """How to run a sweep: parallelism, backend, resume, registration, cache and store."""

    jobs: int = 1
    backend: str = "loky"
    scheduler: str | None = None
    resume: str | None = None
    register_best: str | None = None
    cache_dir: str | None = None
    tracking_uri: str | None = None
    on_trial: Callable[[TrialResult], None] = field(default=lambda result: None)


def trial_name(sweep: Sweep, params: dict[str, Any]) -> str:
    """`demo · C=2 · ngram=1-2`: the base config's name and the trial's varied values."""
    return " · ".join(filter(None, [naming.config_name(sweep.base), naming.describe_changes(params)]))


def _child_tags(sweep: Sweep, parent_id: str, role: str, number: int | None, digest: str) -> dict[str, str]:
    tags = {PARENT_TAG: parent_id, SWEEP_TAG: sweep.name, ROLE_TAG: role, HASH_TAG: digest}
    if number is not None:
        tags[TRIAL_TAG] = str(number)
    return tags


def make_job(sweep: Sweep, trial: Trial, parent_id: str, uri: str, options: SweepOptions) -> TrialJob:
    """A picklable job for one trial: the raw config with the trial's values, its name, nesting tags and store."""
    config = trial_config(sweep, trial)
    digest = config_hash(config)
    job = TrialJob(trial.number, trial.params, {}, sweep.base_path, sweep.evaluate_on, digest, uri,
                   options.cache_dir, _threads_per_trial(options))
    raw = copy.deepcopy(sweep.base_raw)
    tags = {**config.tracking.tags, **_child_tags(sweep, parent_id, "trial", trial.number, digest),
            JOB_TAG: job.job_id, PARAMS_TAG: json.dumps(trial.params)[:5000]}
    log_model = _trials_log_models(sweep, options)
    for key, value in {**sweep.spec.fixed, **trial.params}.items():
        set_key(raw, key, value)
    for key, value in {"tracking.uri": uri, "tracking.run_name": trial_name(sweep, trial.params),
                       "tracking.tags": tags, "tracking.log_model": log_model, "tracking.register_as": None}.items():
        set_key(raw, key, value)
    job.raw = interpolate(raw)  # ${VARS} are read here, on the submitting machine, not on each worker
    return job


def _trials_log_models(sweep: Sweep, options: SweepOptions) -> bool:
    """Whether trials save their models: when the sweep asks, or when the winner chosen on test is registered."""
    return sweep.spec.log_trial_models or (sweep.spec.select_on == "test" and bool(options.register_best))


def param_key(key: str) -> str:
    """A dotted key as MLflow accepts it in names: `features[0].ngram_range` → `features.0.ngram_range`."""
    return ".".join(str(token) for token in parse_path(key))


def _threads_per_trial(options: SweepOptions) -> int | None:
    """Cores shared among parallel loky trials (no oversubscription); Dask workers decide for themselves."""
    if options.backend == "dask":
        return None
    return max(1, (os.cpu_count() or 1) // max(1, options.jobs))


def _client(uri: str) -> Any:
    from mlflow.tracking import MlflowClient

    return MlflowClient(uri)


def start_parent(sweep: Sweep, uri: str, options: SweepOptions, planned: int | None) -> str:
    """Create the sweep's parent run (or reopen `options.resume`) and log what the sweep is."""
    from train import tracking

    tracking.use_store(uri)
    client = _client(uri)
    if options.resume:
        return _reopen(client, sweep, options.resume)
    experiment_id = tracking.ensure_experiment(sweep.base.experiment_name)
    size = f"{planned} trials" if planned is not None else f"{sweep.spec.n_trials} trials"
    tags = {SWEEP_TAG: sweep.name, ROLE_TAG: "parent", naming.CONFIG_NAME_TAG: naming.config_name(sweep.base),
            "secnews.config": str(sweep.base_path), "task": sweep.base.task,
            naming.DESCRIPTION_TAG: _parent_description(sweep, None, None)}
    commit = tracking.git_commit(tracking.project_root(sweep.path.parent))
    if commit:
        tags["mlflow.source.git.commit"] = commit
    run = client.create_run(experiment_id, run_name=f"sweep {sweep.name} · {sweep.spec.strategy} · {size}",
                            tags=tags)
    run_id = run.info.run_id
    params = {"sweep.file": str(sweep.path), "sweep.base": str(sweep.base_path), "sweep.strategy": sweep.spec.strategy,
              "sweep.metric": sweep.metric_key, "sweep.direction": sweep.spec.direction,
              "sweep.select_on": sweep.spec.select_on, "sweep.seed": str(sweep.spec.seed),
              "sweep.n_trials": str(planned if planned is not None else sweep.spec.n_trials),
              "sweep.space": json.dumps(sweep.spec.space)[:6000], "sweep.fixed": json.dumps(sweep.spec.fixed)[:6000]}
    for key, value in params.items():
        client.log_param(run_id, key, value)
    client.log_dict(run_id, sweep.spec.model_dump(mode="json"), "sweep/sweep.yaml")
    return run_id


def _reopen(client: Any, sweep: Sweep, run_id: str) -> str:
    from mlflow.exceptions import MlflowException

    try:
        run = client.get_run(run_id)
    except MlflowException:
        raise ConfigError(f"--resume {run_id}: no such run in the tracking store") from None
    if run.data.tags.get(ROLE_TAG) != "parent" or run.data.tags.get(SWEEP_TAG) != sweep.name:
        raise ConfigError(f"--resume {run_id}: not the parent run of sweep '{sweep.name}'")
    client.update_run(run_id, status="RUNNING")
    client.set_tag(run_id, "secnews.sweep.resumed", "true")
    return run_id


def finished_trials(uri: str, parent_id: str) -> dict[str, TrialResult]:
    """Trials already FINISHED under a parent, by config hash (what --resume skips)."""
    client = _client(uri)
    parent = client.get_run(parent_id)
    query = (f"tags.`{PARENT_TAG}` = '{parent_id}' and tags.`{ROLE_TAG}` = 'trial' "
             "and attributes.status = 'FINISHED'")
    found: dict[str, TrialResult] = {}
    for run in client.search_runs([parent.info.experiment_id], query, max_results=5000):
        digest = run.data.tags.get(HASH_TAG, "")
        number = int(run.data.tags.get(TRIAL_TAG, "-1"))
        params = json.loads(run.data.tags.get(PARAMS_TAG, "{}"))
        found[digest] = TrialResult(number, params, digest, "FINISHED", run.info.run_id, run.info.run_name,
                                    dict(run.data.metrics), resumed=True)
    return found


def kill_sweep(uri: str, parent_id: str, reason: str = "interrupted by the user (Ctrl-C)") -> list[str]:
    """Mark the parent and every child still RUNNING as KILLED (Ctrl-C / SIGTERM cleanup); returns the ids."""
    client = _client(uri)
    parent = client.get_run(parent_id)
    running = client.search_runs([parent.info.experiment_id],
                                 f"tags.`{PARENT_TAG}` = '{parent_id}' and attributes.status = 'RUNNING'")
    killed = []
    for run in [*running, parent]:
        if client.get_run(run.info.run_id).info.status == "RUNNING":
            client.set_tag(run.info.run_id, "error", reason)
            client.set_terminated(run.info.run_id, "KILLED")
            killed.append(run.info.run_id)
    return killed


def is_better(value: float, best: float, direction: str) -> bool:
    return value > best if direction == "maximize" else value < best


def pick_best(sweep: Sweep, trials: list[TrialResult]) -> TrialResult | None:
    """The finished trial with the best selection metric (ties: the lowest trial number)."""
    best = None
    for trial in sorted(trials, key=lambda t: t.number):
        value = trial.metrics.get(sweep.metric_key)
        if trial.status != "FINISHED" or value is None:
            continue
        if best is None or is_better(value, best.metrics[sweep.metric_key], sweep.spec.direction):
            best = trial
    return best


def run_sweep(path: str | Path, options: SweepOptions | None = None) -> SweepResult:
    """Validate the sweep, run every trial as a nested run, pick the best on dev, score it on test once."""
    from train import tracking

    options = options or SweepOptions()
    if options.backend not in {"loky", "dask"}:
        raise ConfigError(f"--backend {options.backend}: expected loky or dask")
    if options.scheduler and options.backend != "dask":
        raise ConfigError("--scheduler: needs --backend dask")
    if options.jobs < 1:
        raise ConfigError(f"--jobs {options.jobs}: expected 1 or more")
    sweep = load_sweep(path)
    uri = tracking.tracking_uri(options.tracking_uri or sweep.base.tracking.uri, sweep.base_path)
    grid = expand(sweep) if sweep.spec.strategy != "tpe" else None
    parent: list[str] = []  # the parent run's id, once it exists

    def end_runs(_runs: Any, reason: str) -> None:
        if parent:
            kill_sweep(uri, parent[0], reason)

    # Ctrl-C and SIGTERM raise in the main thread from here on (also while the parent run opens and the workers
    # start); a second one ends the sweep's runs KILLED at once
    with signals.guard(end_runs=end_runs), _loky_workers(sweep, options) as workers:
        try:
            parent.append(start_parent(sweep, uri, options, len(grid) if grid is not None else None))
            if workers is not None:
                workers.join()  # the workers have imported the training stack while the parent run was opened
            return _run(sweep, uri, parent[0], grid, options)
        except KeyboardInterrupt as exc:
            if parent:
                kill_sweep(uri, parent[0], str(exc) or "interrupted by the user (Ctrl-C)")
            raise
        except BaseException as exc:
            if parent:
                client = _client(uri)
                client.set_tag(parent[0], "error", f"{type(exc).__name__}: {exc}"[:5000])
                kill_sweep(uri, parent[0], "the sweep failed: see the parent run's error tag")
                client.set_terminated(parent[0], "FAILED")
            raise


@contextmanager
def _loky_workers(sweep: Sweep, options: SweepOptions) -> Iterator[StartingWorkers | None]:
    """The loky workers of a parallel sweep, started at once and stopped when the sweep ends, however it ends.

    Stopped here, not at interpreter exit: an interrupt while they were still starting (or joblib restarting its
    pool after an aborted batch) otherwise left worker processes behind, idle forever, after `secnews` exited."""
    models = background_run.models_needed(_trials_log_models(sweep, options), sweep.evaluate_on)
    workers = start_workers(options.jobs, models) if options.backend == "loky" and options.jobs > 1 else None
    try:
        yield workers
    except BaseException:
        if workers is not None:
            stop_workers(workers, kill=True)
        raise
    if workers is not None:
        stop_workers(workers, kill=False)


def _run(sweep: Sweep, uri: str, parent_id: str, grid: list[Trial] | None, options: SweepOptions) -> SweepResult:
    done = finished_trials(uri, parent_id) if options.resume else {}
    if grid is None:
        from train.sweep_tpe import run_tpe

        trials = run_tpe(sweep, uri, parent_id, options, done)
    else:
        trials = _run_planned(sweep, uri, parent_id, grid, options, done)
    return finish(sweep, uri, parent_id, trials, options)


def _run_planned(sweep: Sweep, uri: str, parent_id: str, grid: list[Trial], options: SweepOptions,
                 done: dict[str, TrialResult]) -> list[TrialResult]:
    """Grid or random trials: skip those already finished under the parent, run the rest in parallel."""
    jobs, resumed = [], []
    for trial in grid:
        job = make_job(sweep, trial, parent_id, uri, options)
        if job.config_hash in done:
            previous = done[job.config_hash]
            resumed.append(TrialResult(trial.number, trial.params, job.config_hash, "FINISHED", previous.run_id,
                                       previous.run_name, previous.metrics, resumed=True))
            options.on_trial(resumed[-1])
        else:
            jobs.append(job)
    with executor(options) as execute:
        return sorted(resumed + execute(jobs), key=lambda t: t.number)


@contextmanager
def executor(options: SweepOptions) -> Iterator[Callable[[list[TrialJob]], list[TrialResult]]]:
    """A function running jobs on the chosen backend: loky processes (in-process for --jobs 1), or Dask workers
    (one client for the whole sweep: a LocalCluster when no scheduler address is given)."""
    if options.backend == "dask":
        with dask_client(options.scheduler, options.jobs):
            yield lambda jobs: run_parallel(jobs, options.jobs, "dask", options.on_trial)
        return
    yield lambda jobs: run_parallel(jobs, options.jobs, "loky", options.on_trial)


def finish(sweep: Sweep, uri: str, parent_id: str, trials: list[TrialResult], options: SweepOptions) -> SweepResult:
    """Log the comparison, the best trial and (selecting on dev) its one test evaluation; end the parent."""
    from train import sweep_report

    client = _client(uri)
    best = pick_best(sweep, trials)
    result = SweepResult(parent_id, sweep.base.experiment_name, uri, sweep.metric_key, trials, best)
    with tempfile.TemporaryDirectory() as tmp:
        result.artifacts = sweep_report.write(sweep, trials, best, Path(tmp))
        client.log_artifacts(parent_id, tmp, "sweep")
    finished = sum(t.status == "FINISHED" for t in trials)
    client.log_metric(parent_id, "trials_finished", finished)
    client.log_metric(parent_id, "trials_failed", sum(t.status == "FAILED" for t in trials))
    if best is None:
        client.set_tag(parent_id, "error", f"no trial finished ({len(trials)} ran)")
        client.set_terminated(parent_id, "FAILED")
        return result
    client.set_tag(parent_id, BEST_RUN_TAG, best.run_id or "")
    client.set_tag(parent_id, BEST_TRIAL_TAG, trial_name(sweep, best.params))
    client.log_metric(parent_id, f"best_{sweep.metric_key}", best.metrics[sweep.metric_key])
    for key, value in best.params.items():
        client.log_param(parent_id, f"best.{param_key(key)}", json.dumps(value))
    if sweep.spec.select_on == "dev" and sweep.spec.final_test:
        _final_run(sweep, uri, parent_id, best, options, result)
    elif options.register_best and best.run_id:
        result.registered = _register_trial(best.run_id, options.register_best)
    if result.registered:
        client.set_tag(parent_id, "secnews.registered_as", result.registered)
    client.set_tag(parent_id, naming.DESCRIPTION_TAG, _parent_description(sweep, result, best))
    client.set_terminated(parent_id, "FINISHED")
    return result


def _final_run(sweep: Sweep, uri: str, parent_id: str, best: TrialResult, options: SweepOptions,
               result: SweepResult) -> None:
    """Refit the best trial on the full training split and score the test split: the sweep's one test read."""
    from train import cache
    from train.runner import run_training

    trial = Trial(best.number, best.params)
    config = trial_config(sweep, trial)
    tags = {**config.tracking.tags, **_child_tags(sweep, parent_id, "final", best.number, config_hash(config))}
    extra = {"tracking.uri": uri, "tracking.tags": tags,
             "tracking.run_name": f"{trial_name(sweep, best.params)} · best · test"}
    if options.register_best:
        extra.update({"tracking.log_model": True, "tracking.register_as": options.register_best})
    config = trial_config(sweep, trial, extra)
    with cache.using(options.cache_dir):
        final = run_training(config)
    client = _client(uri)
    result.final_run_id, result.final_metrics, result.registered = final.run_id, final.metrics, final.registered
    client.set_tag(parent_id, FINAL_RUN_TAG, final.run_id)
    if sweep.spec.metric in final.metrics:
        client.log_metric(parent_id, f"best_test_{sweep.spec.metric}", final.metrics[sweep.spec.metric])


def _register_trial(run_id: str, name: str) -> str:
    from train.registration import register

    return f"{name}/{register(f'runs:/{run_id}/model', name, run_id)}"


def _parent_description(sweep: Sweep, result: SweepResult | None, best: TrialResult | None) -> str:
    space = ", ".join(sweep.space)
    lines = [f"**sweep {sweep.name}** over `{sweep.base_path.name}` — {sweep.spec.strategy}, varying {space}",
             f"- selection: {sweep.spec.direction} `{sweep.metric_key}`"
             + (" (dev split carved from training data; test read once, by the final run)"
                if sweep.spec.select_on == "dev" else " (read from the test split by every trial)")]
    if result is not None and best is not None:
        status = {s: sum(t.status == s for t in result.trials) for s in ("FINISHED", "FAILED")}
        lines.append(f"- trials: {status['FINISHED']} finished, {status['FAILED']} failed")
        lines.append(f"- best: {trial_name(sweep, best.params)} — {sweep.metric_key} "
                     f"{best.metrics[sweep.metric_key]:.4f}")
        if sweep.spec.metric in result.final_metrics:
            lines.append(f"- best on test (once): {sweep.spec.metric} {result.final_metrics[sweep.spec.metric]:.4f}")
    return "\n".join(lines)


__all__ = ["SweepOptions", "SweepResult", "run_sweep", "kill_sweep", "load_sweep"]
