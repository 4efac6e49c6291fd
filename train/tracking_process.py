"""An MLflow run owned by a helper process, for a `secnews train` process that has not imported MLflow.

Importing MLflow, SQLAlchemy and skops, opening the store and logging cost a few CPU-seconds of pure Python. In a
thread they compete with the fit for the interpreter lock (a small run's fit took 40 % longer); a helper process
does the same work on another core. It receives the first logs when it starts and the final logs (evaluation
folder, metrics, the fitted pipeline) at the end, and applies them with the same code as the thread
(`train.run_logs`). The run still ends FINISHED, FAILED or KILLED: the helper ignores terminal signals (the
training process decides, through `train.signals`), and if the training process dies it ends the run KILLED
itself.

The helper can be started before the trainer has read its config (`prestart()`, called first thing by `secnews
train`), so its imports overlap the trainer's own. The conversation is a pipe of (kind, payload) messages.
trainer → helper: ("open", (uri, experiment, run name, tags, FirstLogs, temp folder)), ("finish", FinalLogs),
("end", (status, reason)). helper → trainer: ("opened", (run_id, experiment_id)) or ("error", exc); then
("logged", None) or ("error", exc) for the first logs; ("finished", Outcome) or ("error", exc); ("ended", None).
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import sys
import threading
from contextlib import suppress
from typing import Any

from train.background_run import WARM_MODULES

ORPHANED = "the training process ended before closing its run"


class TrackingProcessError(RuntimeError):
    """The helper process ended without answering (it crashed or was killed)."""


def wanted(nested: bool = False) -> bool:
    """Whether a run started here should live in a helper process: only for a top-level run in the main thread
    of a process that has not imported MLflow yet (a test session or a sweep worker already paid for it) and that
    no process pool started. A pool's worker keeps tracking in a thread: the pool already spreads the work over the
    cores, and a loky worker cannot spawn the helper at all (its start method, 'loky', is unknown to the fresh
    interpreter, which dies, and the run failed with BrokenPipeError — in a sweep worker that loky restarted
    after a trial grew its memory, or in a user's own joblib loop). SECNEWS_TRACKING=thread keeps tracking in a
    thread of this process."""
    return (not nested and "mlflow" not in sys.modules and os.environ.get("SECNEWS_TRACKING") != "thread"
            and threading.current_thread() is threading.main_thread() and multiprocessing.parent_process() is None)


# What the helper imports while it waits for its run: what unpickling the data frames and the fitted pipeline
# needs, then what the tracking thread warms up (tracking and model saving).
HELPER_MODULES = ("pandas", "sklearn.pipeline", "features.union", "train.run_logs", *WARM_MODULES)


class Helper:
    """A started helper process and our end of its pipe; it imports while it waits for `open`."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no copied threads or locks
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child,), name="secnews-tracking", daemon=True)
        self.process.start()
        child.close()
        self.used = False
        atexit.register(self.close)  # runs before multiprocessing's own exit hook, which would wait for us

    def close(self) -> None:
        """Close our end and let the helper go: one never given a run (the trainer stopped on a config or data
        error) is killed, as it holds nothing; one given a run ends it first (see `ProcessRun.end`)."""
        self.conn.close()
        if not self.used:
            self.process.kill()
        self.process.join(timeout=30)


_prestarted: Helper | None = None


def prestart() -> None:
    """Start the helper now when a run made later in this process will want it (see `wanted`)."""
    global _prestarted
    if _prestarted is None and wanted():
        _prestarted = Helper()


def _take_helper() -> Helper:
    global _prestarted
    helper, _prestarted = _prestarted, None
    helper = helper or Helper()
    helper.used = True
    return helper


class ProcessRun:
    """A run created and logged by a helper process; the same interface as `background_run.PendingRun`."""

    def __init__(self, uri: str, experiment: str, run_name: str | None, tags: dict[str, str], first_logs: Any,
                 guard: Any) -> None:
        self.guard, self.uri = guard, uri
        self.run_id: str | None = None
        self.experiment_id: str | None = None
        self._error: BaseException | None = None
        self._first_logs_done = first_logs is None
        helper = _take_helper()
        self._conn, self._process = helper.conn, helper.process
        guard.opening.acquire()  # released once the run is listed: a hard stop waits for it
        request = ("open", (uri, experiment, run_name, tags, first_logs, guard.temp_dir))
        self._listener = threading.Thread(target=self._open, args=(request,), name="secnews-tracking-opening",
                                          daemon=True)
        self._listener.start()

    def _open(self, request: tuple[str, Any]) -> None:
        """Runs in a thread while the main thread fits: send the run to open (a send blocks until the helper,
        still importing, reads it) and wait for its id or for the failure to open it."""
        try:
            self._conn.send(request)
            kind, payload = self._receive()
            if kind == "opened":
                self.run_id, self.experiment_id = payload
                self.guard.open_runs.append((self.uri, self.run_id))
            else:
                self._error = payload
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread by wait()
            self._error = exc
        finally:
            self.guard.opening.release()

    def _receive(self) -> tuple[str, Any]:
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            self._process.join(timeout=5)
            raise TrackingProcessError(f"the MLflow tracking process ended unexpectedly (exit code "
                                       f"{self._process.exitcode})") from None

    def wait(self) -> None:
        """Block until the run exists and its first logs are written; raise what went wrong doing so."""
        self._listener.join()
        if self._error is not None:
            raise self._error
        if not self._first_logs_done:
            kind, payload = self._receive()
            self._first_logs_done = True
            if kind == "error":
                self._error = payload
                raise payload

    def finish(self, final: Any) -> Any:
        """Send the final logs (`train.run_logs.FinalLogs`) to the helper; returns their `Outcome`."""
        self.wait()
        self._conn.send(("finish", final))
        kind, payload = self._receive()
        if kind == "error":
            raise payload
        return payload

    def end(self, status: str, reason: str | None = None) -> None:
        """End the run with a status (and the reason as its `error` tag) and let the helper exit."""
        self._listener.join()
        try:
            if self.run_id is not None:
                self._conn.send(("end", (status, reason)))
                while self._receive()[0] != "ended":  # skip an answer the main thread stopped waiting for
                    pass
        finally:
            self._conn.close()
            self._process.join(timeout=30)

    def forget(self) -> None:
        """Drop the run from the signal guard's open runs (it has ended)."""
        entry = (self.uri, self.run_id)
        if entry in self.guard.open_runs:
            self.guard.open_runs.remove(entry)


def serve(conn: Any) -> None:
    """The helper process: import, open the run it is sent, apply the first logs, then answer requests until told
    to end (or until the trainer is gone)."""
    for handled in (signal.SIGINT, signal.SIGTERM):  # the training process decides how the run ends
        signal.signal(handled, signal.SIG_IGN)
    from train.short_lived import short_lived

    with short_lived():  # the trainer waits for this process to end
        _serve(conn)


def _serve(conn: Any) -> None:
    from importlib import import_module

    for name in HELPER_MODULES:
        import_module(name)
    try:
        kind, (uri, experiment, run_name, tags, first_logs, temp_dir) = conn.recv()
    except (EOFError, OSError):
        return  # the trainer stopped before it had a run (a config or data error)
    import tempfile

    tempfile.tempdir = temp_dir  # MLflow's temporary files go where the training process cleans up
    try:
        import mlflow

        from train import tracking

        tracking.use_store(uri)
        experiment_id = tracking.ensure_experiment(experiment)
        run = mlflow.start_run(experiment_id=experiment_id, run_name=run_name, tags=tags)
    except BaseException as exc:  # noqa: BLE001 - the training process raises it
        with suppress(OSError):  # unless it is gone already
            _send(conn, "error", exc)
        return
    try:
        _converse(conn, run.info.run_id, experiment_id, first_logs)
    except (EOFError, OSError):  # the pipe is gone: the trainer died (SIGKILL, out of memory)
        _end_orphaned(run.info.run_id)
    except BaseException as exc:  # a defect here must not leave the run RUNNING (or let MLflow's exit hook
        mlflow.set_tag("error", f"tracking helper: {type(exc).__name__}: {exc}"[:5000])  # call it FINISHED)
        mlflow.end_run("FAILED")
        raise


def _converse(conn: Any, run_id: str, experiment_id: str, first_logs: Any) -> None:
    """Announce the run, apply the first logs, then answer the trainer's requests until it ends the run."""
    import mlflow

    _send(conn, "opened", (run_id, experiment_id))
    if first_logs is not None:
        _apply(conn, "logged", first_logs)
    while True:
        kind, payload = conn.recv()
        if kind == "finish":
            _apply(conn, "finished", payload, run_id)
        elif kind == "end":
            status, reason = payload
            if reason:
                mlflow.set_tag("error", reason)
            mlflow.end_run(status)
            _send(conn, "ended", None)
            return


def _apply(conn: Any, answer: str, step: Any, *args: Any) -> None:
    """Run one step of logging and answer with its result, or with the error it raised."""
    try:
        result = step(*args)
    except BaseException as exc:  # noqa: BLE001 - the training process raises it and ends the run
        _send(conn, "error", exc)
        return
    _send(conn, answer, result)


def _send(conn: Any, kind: str, payload: Any) -> None:
    """Send a message; an exception that cannot be pickled travels as a RuntimeError with its text."""
    try:
        conn.send((kind, payload))
    except OSError:  # the pipe is gone
        raise
    except Exception:  # noqa: BLE001 - pickling the payload failed
        if kind != "error":
            raise
        conn.send((kind, RuntimeError(f"{type(payload).__name__}: {payload}")))


def _end_orphaned(run_id: str) -> None:
    """The training process is gone: end its run KILLED unless something (a hard stop) already ended it."""
    import mlflow

    status = mlflow.get_run(run_id).info.status
    if status == "RUNNING":
        mlflow.set_tag("error", ORPHANED)
        status = "KILLED"
    mlflow.end_run(status)  # also keeps MLflow's exit hook from marking the fluent run FINISHED
