"""An MLflow run opened off the critical path. Importing MLflow and skops, opening the sqlite store and creating
the run cost a few CPU-seconds in every process; a background thread does it while the main thread reads data
and fits (NumPy, SciPy and liblinear release the GIL there), so tracking adds little to a run's wall time.

The run still ends FINISHED, FAILED (error tag) or KILLED (signal) exactly as a run opened in the foreground,
and a run whose opening failed raises that failure in the main thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# What tracking imports later in the run, and what saving (or sizing) a model adds: 0.8 s more, skops alone walks
# every scikit-learn module, so a run that saves no model (a sweep trial) does not import them in advance.
TRACKING_MODULES = ("mlflow", "mlflow.store.tracking.sqlalchemy_store")
MODEL_MODULES = ("mlflow.models", "mlflow.pyfunc", "mlflow.sklearn", "skops.io", "train.flavor")
WARM_MODULES = (*TRACKING_MODULES, *MODEL_MODULES)
_warming: threading.Thread | None = None
_opening: list[threading.Thread] = []  # threads opening runs right now


def models_needed(log_model: bool, evaluate_on: str) -> bool:
    """Whether a run uses the model-saving libraries: it saves its model, or (scored on test) reports its size."""
    return log_model or evaluate_on == "test"


def warm_up(models: bool = True) -> None:
    """Start importing the tracking (and, with `models`, the model-saving) libraries in a daemon thread (once per
    process).

    Call it after the main thread has imported what it needs itself (data loading, estimators), so the two
    threads do not import the same modules at the same time.
    """
    global _warming
    if _warming is None:
        _warming = threading.Thread(target=import_all, args=(models,), name="secnews-warm-up", daemon=True)
        _warming.start()


def settle() -> None:
    """Wait until no background tracking work is running (before timing something the user compares: the
    predict throughput of a run must not include our own thread competing for the interpreter)."""
    for thread in [_warming, *_opening]:
        if thread is not None:
            thread.join()


def import_all(models: bool = True) -> None:
    """Import TRACKING_MODULES and, with `models`, MODEL_MODULES (stopping at the first that fails: its real import
    later reports the problem)."""
    from importlib import import_module

    for name in WARM_MODULES if models else TRACKING_MODULES:
        try:
            import_module(name)
        except Exception:  # noqa: BLE001 - the real import later reports the problem where it matters
            return


class PendingRun:
    """A run being created (and given its first logs) in a background thread; `wait()` makes it the active run
    of the calling thread, so MLflow's fluent API (`mlflow.log_*`) works there as usual."""

    def __init__(self, uri: str, experiment: str, run_name: str | None, tags: dict[str, str], nested: bool,
                 first_logs: Callable[[], None] | None, guard: Any) -> None:
        self.uri, self.experiment, self.run_name, self.tags = uri, experiment, run_name, tags
        self.nested, self.first_logs, self.guard = nested, first_logs, guard
        self.parent_run_id = _active_run_id() if nested else None
        self.run_id: str | None = None
        self.experiment_id: str | None = None
        self._error: BaseException | None = None
        self._active: Any = None
        self._thread = threading.Thread(target=self._open, name="secnews-tracking", daemon=True)
        _opening.append(self._thread)
        self._thread.start()

    def _open(self) -> None:
        """Runs in the background thread: store, experiment, run (as this thread's active run), first logs."""
        try:
            import mlflow

            from train import tracking

            tracking.use_store(self.uri)
            experiment_id = tracking.ensure_experiment(self.experiment)
            with self.guard.opening:  # a hard stop (second Ctrl-C) waits for this, so it can end the run
                run = mlflow.start_run(experiment_id=experiment_id, run_name=self.run_name, tags=self.tags,
                                       parent_run_id=self.parent_run_id)
                self.run_id, self.experiment_id = run.info.run_id, experiment_id
                self.guard.open_runs.append((self.uri, self.run_id))
            if self.first_logs is not None:
                self.first_logs()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread by wait()
            self._error = exc
        finally:
            _opening.remove(threading.current_thread())

    def wait(self) -> Any:
        """Block until the run exists, raise what went wrong while opening it, and make it active here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._active is None:
            import mlflow

            self._active = mlflow.start_run(run_id=self.run_id, nested=self.nested)
        return self._active

    def finish(self, final: Callable[[str], Any]) -> Any:
        """Apply the final logs (`train.run_logs.FinalLogs`) to the run, here; returns what they produced."""
        self.wait()
        return final(self.run_id)

    def end(self, status: str, reason: str | None = None) -> None:
        """End the run with a status (and the reason as its `error` tag); nothing to do if it never opened."""
        self._thread.join()
        if self.run_id is None:
            return
        if self._active is not None:
            import mlflow

            if reason:
                mlflow.set_tag("error", reason)
            mlflow.end_run(status)
            return
        from mlflow.tracking import MlflowClient

        client = MlflowClient(self.uri)
        if reason:
            client.set_tag(self.run_id, "error", reason)
        client.set_terminated(self.run_id, status)

    def forget(self) -> None:
        """Drop the run from the signal guard's open runs (it has ended)."""
        entry = (self.uri, self.run_id)
        if entry in self.guard.open_runs:
            self.guard.open_runs.remove(entry)


def _active_run_id() -> str | None:
    import mlflow

    active = mlflow.active_run()
    return active.info.run_id if active else None


@contextmanager
def background_run(uri: str, experiment: str, run_name: str | None, tags: dict[str, str], nested: bool = False,
                   first_logs: Callable[[], None] | None = None,
                   helper_process: bool = False) -> Iterator[PendingRun]:
    """Open a run in the background and guarantee it ends: FINISHED, FAILED (error recorded as a tag) or KILLED
    on a signal. `first_logs` runs in the background thread right after the run is created (params, inputs).

    With `helper_process` the run lives in a helper process instead (`train.tracking_process`): MLflow is then
    never imported here, and its imports and logging run on another core without holding this interpreter's
    lock. Its `wait()` makes no run active here: the final logs go through `finish()` on either kind of run.

    Signals are handled by `train.signals` for the whole run: SIGINT/SIGTERM end it KILLED with the reason,
    also when an estimator swallowed the KeyboardInterrupt (the run is then not recorded as finished).
    """
    from train import signals, tracking

    with signals.guard(tracking.end_runs_killed) as guard:
        if helper_process:
            from train.tracking_process import ProcessRun

            pending: Any = ProcessRun(uri, experiment, run_name, tags, first_logs, guard)
        else:
            pending = PendingRun(uri, experiment, run_name, tags, nested, first_logs, guard)
        try:
            yield pending
            pending.wait()
            guard.check()
        except KeyboardInterrupt as exc:
            reason = exc.reason if isinstance(exc, signals.Interrupted) else "interrupted by the user (Ctrl-C)"
            pending.end("KILLED", reason)
            raise
        except BaseException as exc:
            pending.end("FAILED", f"{type(exc).__name__}: {exc}"[:5000])
            raise
        else:
            pending.end("FINISHED")
        finally:
            pending.forget()
