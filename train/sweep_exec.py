"""Running sweep trials: one trial as a nested MLflow run (in this process, a loky worker or a Dask worker), and
the parallel backends that carry them. Everything a worker needs travels in a small picklable `TrialJob`."""

from __future__ import annotations

import os
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROLE_TAG = "secnews.sweep.role"
SWEEP_TAG = "secnews.sweep"
TRIAL_TAG = "secnews.sweep.trial"
HASH_TAG = "secnews.config_hash"
JOB_TAG = "secnews.sweep.job"
PARENT_TAG = "mlflow.parentRunId"


@dataclass
class TrialJob:
    """What a worker needs to run one trial: the raw config, where its relative paths start, and settings."""

    number: int
    params: dict[str, Any]
    raw: dict[str, Any]
    base_path: Path
    evaluate_on: str
    config_hash: str
    tracking_uri: str
    cache_dir: str | None
    threads: int | None
    job_id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass
class TrialResult:
    """How one trial ended: FINISHED (with metrics), FAILED (with the error) or resumed from an earlier run."""

    number: int
    params: dict[str, Any]
    config_hash: str
    status: str
    run_id: str | None = None
    run_name: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    duration_s: float = 0.0
    resumed: bool = False
    worker: str = ""


def _threads(requested: int | None) -> int:
    """Threads this trial may use: as requested, else the cores shared among the threads of this Dask worker."""
    if requested:
        return requested
    try:
        from distributed import get_worker

        return max(1, (os.cpu_count() or 1) // max(1, get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        return 1


def execute_trial(job: TrialJob) -> TrialResult:
    """Run one trial as a full training run nested under the sweep's parent; a failure is recorded, not raised."""
    from threadpoolctl import threadpool_limits

    from train import cache, cores
    from train.config import parse_config
    from train.runner import run_training

    start = time.perf_counter()
    name = job.raw.get("tracking", {}).get("run_name")
    try:
        threads = _threads(job.threads)
        with cache.using(job.cache_dir), threadpool_limits(limits=threads), cores.limited(threads):
            config = parse_config(job.raw, job.base_path)
            result = run_training(config, evaluate_on=job.evaluate_on)  # type: ignore[arg-type]
    except Exception as exc:  # a failing trial is FAILED with its error and the sweep goes on
        error = f"{type(exc).__name__}: {exc}"[:2000]
        run_id = _failed_run_id(job, error)
        return TrialResult(job.number, job.params, job.config_hash, "FAILED", run_id, name, error=error,
                           duration_s=time.perf_counter() - start, worker=_where())
    return TrialResult(job.number, job.params, job.config_hash, "FINISHED", result.run_id, name, result.metrics,
                       duration_s=time.perf_counter() - start, worker=_where())


def _where() -> str:
    """host:pid of the process that ran a trial."""
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def _failed_run_id(job: TrialJob, error: str) -> str | None:
    """The trial's run (already ended FAILED by the tracking layer), or a new FAILED run when it never started."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(job.tracking_uri)
    tags = job.raw.get("tracking", {}).get("tags", {})
    parent = client.get_run(tags[PARENT_TAG])
    found = client.search_runs([parent.info.experiment_id], f"tags.`{JOB_TAG}` = '{job.job_id}'", max_results=1)
    if found:
        return found[0].info.run_id
    run = client.create_run(parent.info.experiment_id, tags={**tags, JOB_TAG: job.job_id, "error": error},
                            run_name=job.raw.get("tracking", {}).get("run_name"))
    client.set_terminated(run.info.run_id, "FAILED")
    return run.info.run_id


@contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A client on `scheduler` (tcp://host:port), or on a LocalCluster of `workers` single-threaded processes."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, timeout="20s") as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        yield client


def _prepare_worker(models: bool) -> int:
    """Import the training stack in a loky worker (what its first trial would otherwise import); the model-saving
    libraries only when trials save models."""
    import train.runner  # noqa: F401
    from train.background_run import import_all

    import_all(models)
    return os.getpid()


class StartingWorkers(threading.Thread):
    """Starts `n_jobs` loky workers and imports the training stack in them, while the parent validates the sweep
    and opens its run (a worker's first trial would otherwise pay those seconds); `pids` are the workers."""

    def __init__(self, n_jobs: int, models: bool) -> None:
        super().__init__(name="secnews-start-workers", daemon=True)
        self.n_jobs, self.models = n_jobs, models
        self.pids: list[int] = []

    def run(self) -> None:
        from joblib import Parallel, delayed, parallel_config

        try:
            with parallel_config(backend="loky", n_jobs=self.n_jobs):
                self.pids = Parallel()(delayed(_prepare_worker)(self.models) for _ in range(self.n_jobs))
        except Exception:  # noqa: BLE001 - the trials themselves report what is wrong with the workers
            return


def start_workers(n_jobs: int, models: bool = True) -> StartingWorkers:
    """Start the loky workers in the background (`models`: the trials save models); join the returned thread
    before dispatching trials."""
    starting = StartingWorkers(n_jobs, models)
    starting.start()
    return starting


def stop_workers(starting: StartingWorkers, kill: bool, wait_s: float = 60.0) -> None:
    """End the loky worker processes now: wait for them to finish starting (a worker spawned after the pool was
    shut down would wait for work forever), then shut joblib's reusable pool down; `kill` (an interrupted sweep)
    kills trials still running, else the idle workers exit cleanly (a killed pool leaves semaphores for Python's
    resource tracker to warn about at exit)."""
    from joblib.externals.loky import reusable_executor

    starting.join(timeout=wait_s)
    with reusable_executor._executor_lock:  # joblib's one pool per process; None when never started
        pool = reusable_executor._executor
        if pool is not None:
            pool.shutdown(wait=True, kill_workers=kill)


LOKY_RESTART_WARNING = "A worker stopped while some jobs were given to the executor"


def quiet_loky_restarts() -> None:
    """Hide loky's warning that it replaced a worker: it replaces, by design, a worker whose memory grew by more
    than 300 MB during a task (any trial on a data set of some size), and the warning's "memory leak" guess sent
    users hunting; a worker that dies fails its trial with the error instead."""
    warnings.filterwarnings("ignore", message=LOKY_RESTART_WARNING, category=UserWarning)


def run_parallel(jobs: list[TrialJob], n_jobs: int, backend: str,
                 on_result: Callable[[TrialResult], None]) -> list[TrialResult]:
    """Run trial jobs with joblib (`loky` processes, or the `dask` backend of the active Dask client)."""
    from joblib import Parallel, delayed, parallel_config

    if not jobs:
        return []
    if backend == "loky":
        quiet_loky_restarts()
    results = []
    with parallel_config(backend=backend, n_jobs=n_jobs if backend == "loky" else -1):
        for result in Parallel(return_as="generator_unordered")(delayed(execute_trial)(job) for job in jobs):
            on_result(result)
            results.append(result)
    return sorted(results, key=lambda r: r.number)
