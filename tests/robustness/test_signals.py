"""SIGINT and SIGTERM during a fit end the run KILLED with the reason, in a real `secnews train` process.

Each test holds the fit at a known point (hold_fit.py) and signals the process only once it is there: the
waits are bounded so a broken build fails instead of hanging, but nothing depends on how long a step takes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.robustness.checks import write_tiny

HOLD = Path(__file__).with_name("hold_fit.py")
REPO = Path(__file__).resolve().parents[2]
BOUND_S = 120


def _start(mode: str, tmp_path: Path, store: Any, config: Path) -> tuple[subprocess.Popen[str], Path, Path]:
    markers, scratch = tmp_path / "markers", tmp_path / "tmp"
    markers.mkdir()
    scratch.mkdir()
    env = {**os.environ, "MLFLOW_TRACKING_URI": store.uri, "TMPDIR": str(scratch), "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, str(HOLD), mode, str(markers), "--", "train", str(config), "-q"],
                               env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    return process, markers, scratch


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + BOUND_S
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"secnews ended before {path.name}: {process.communicate()}")
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def _wait_for_run(store: Any, process: subprocess.Popen[str]) -> None:
    """The run is opened in a background thread while the fit starts: wait until it is in the store."""
    deadline = time.monotonic() + BOUND_S
    while not store.runs():
        if process.poll() is not None:
            raise AssertionError(f"secnews ended before its run was created: {process.communicate()}")
        assert time.monotonic() < deadline, "the run never appeared"
        time.sleep(0.05)


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    _, stderr = process.communicate(timeout=BOUND_S)
    return process.returncode, stderr


def _only_run(store: Any) -> Any:
    runs = store.runs()
    assert len(runs) == 1, [r.info.status for r in runs]
    return runs[0]


def _no_run_temp_folders(scratch: Path) -> None:
    assert [p.name for p in scratch.iterdir() if p.name.startswith("secnews-run-")] == []


def test_sigterm_during_fit_ends_the_run_killed_with_exit_143(tmp_path, mlflow_store):
    config = write_tiny(tmp_path, tracking={"register_as": "news"})
    process, markers, scratch = _start("term", tmp_path, mlflow_store, config)
    _wait_for(markers / "holding", process)
    process.send_signal(signal.SIGTERM)
    code, stderr = _finish(process)
    assert code == 143, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted by SIGTERM"
    run = _only_run(mlflow_store)
    assert run.info.status == "KILLED"
    assert run.data.tags["error"] == "interrupted by SIGTERM"
    assert mlflow_store.client.search_model_versions() == []
    _no_run_temp_folders(scratch)


def test_sigint_swallowed_by_mlp_still_ends_the_run_killed_with_no_model(tmp_path, mlflow_store):
    config = write_tiny(tmp_path, model={"name": "mlp", "params": {"max_iter": 5}},
                        tracking={"register_as": "news"})
    process, markers, scratch = _start("swallow", tmp_path, mlflow_store, config)
    _wait_for(markers / "holding", process)
    process.send_signal(signal.SIGINT)
    code, stderr = _finish(process)
    assert (markers / "interrupted-1").exists()  # the interrupt did reach MLPClassifier, which swallowed it
    assert code == 130, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted by SIGINT (Ctrl-C)"
    run = _only_run(mlflow_store)
    assert run.info.status == "KILLED"
    assert run.data.tags["error"] == "interrupted by SIGINT (Ctrl-C)"
    assert mlflow_store.client.search_logged_models([run.info.experiment_id]) == []
    assert mlflow_store.client.search_model_versions() == []
    _no_run_temp_folders(scratch)


def test_a_second_ctrl_c_stops_at_once_and_the_first_says_so(tmp_path, mlflow_store):
    config = write_tiny(tmp_path)
    process, markers, scratch = _start("stuck", tmp_path, mlflow_store, config)
    _wait_for(markers / "holding", process)
    process.send_signal(signal.SIGINT)
    _wait_for(markers / "interrupted-1", process)  # the fit goes on, as a long C routine would
    _wait_for_run(mlflow_store, process)  # (a second Ctrl-C before the run exists leaves no run at all)
    process.send_signal(signal.SIGINT)
    code, stderr = _finish(process)
    assert code == 130, stderr
    lines = stderr.strip().splitlines()
    assert lines[0] == ("interrupted by SIGINT (Ctrl-C): ending the run KILLED as soon as the current step returns "
                        "(press Ctrl-C again to stop at once)")
    assert lines[-1] == "interrupted by SIGINT (Ctrl-C) twice: stopped at once; marking the run KILLED"
    run = _only_run(mlflow_store)
    assert run.info.status == "KILLED"
    assert run.data.tags["error"] == "interrupted by SIGINT (Ctrl-C) twice: stopped at once"
    _no_run_temp_folders(scratch)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_guard_turns_a_signal_into_interrupted_with_the_shell_exit_code(signum):
    from train import signals

    with pytest.raises(signals.Interrupted) as caught, signals.guard() as guard:
        os.kill(os.getpid(), signum)
        time.sleep(5)  # the handler interrupts this sleep as soon as the signal is delivered
    assert guard.received == signum
    assert caught.value.exit_code == 128 + signum
    assert signal.getsignal(signum) is not signals._handler  # the previous handler is back


def test_a_swallowed_interrupt_is_raised_again_by_check():
    from train import signals

    with pytest.raises(signals.Interrupted, match="SIGINT"), signals.guard():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            pass  # what MLPClassifier does
        signals.check()


def test_a_guard_entered_off_the_main_thread_installs_nothing():
    import threading

    from train import signals

    seen = []
    thread = threading.Thread(target=lambda: seen.append(signals.guard().__enter__().received))
    before = signal.getsignal(signal.SIGINT)
    thread.start()
    thread.join()
    assert seen == [None]
    assert signal.getsignal(signal.SIGINT) is before and signals.active() is None


def test_a_swallowed_interrupt_in_a_nested_run_ends_child_and_parent_killed(mlflow_store):
    """What sweeps rely on: one guard for the parent and its children, each ended KILLED with the reason."""
    from train import signals, tracking

    tracking.use_store(mlflow_store.uri)
    with (pytest.raises(signals.Interrupted), tracking.mlflow_run("sweep", "parent", {}) as parent,
          tracking.mlflow_run("sweep", "child", {}, nested=True) as child):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            pass  # swallowed inside the child's fit
    runs = {run.info.run_id: run for run in mlflow_store.runs()}
    for run_id in (parent.info.run_id, child.info.run_id):
        assert runs[run_id].info.status == "KILLED"
        assert runs[run_id].data.tags["error"] == "interrupted by SIGINT (Ctrl-C)"
    assert runs[child.info.run_id].data.tags["mlflow.parentRunId"] == parent.info.run_id


def test_a_trainer_killed_outright_has_its_run_ended_killed_by_the_tracking_helper(tmp_path, mlflow_store):
    """SIGKILL cannot be handled: the helper process that owns the run sees its trainer gone and ends the run."""
    from train.tracking_process import ORPHANED

    config = write_tiny(tmp_path)
    process, markers, scratch = _start("term", tmp_path, mlflow_store, config)
    _wait_for(markers / "holding", process)
    _wait_for_run(mlflow_store, process)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=BOUND_S)
    deadline = time.monotonic() + BOUND_S
    while _only_run(mlflow_store).info.status == "RUNNING":
        assert time.monotonic() < deadline, "the run was left RUNNING"
        time.sleep(0.05)
    run = _only_run(mlflow_store)
    assert run.info.status == "KILLED"
    assert run.data.tags["error"] == ORPHANED
