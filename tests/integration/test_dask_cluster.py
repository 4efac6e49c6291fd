"""Sweeps on a Dask cluster whose scheduler and two workers are separate processes on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from train.sweep import SweepOptions, run_sweep
from train.sweep_exec import PARENT_TAG


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_workers(address: str, count: int, processes: list[subprocess.Popen]) -> None:
    from distributed import Client

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            pytest.fail("a dask process exited early (see its log in the test's tmp_path)")
        try:
            with Client(address, timeout="5s") as client:
                client.wait_for_workers(count, timeout=60)
                return
        except OSError:
            time.sleep(1)
    pytest.fail(f"{count} dask workers did not connect to {address} within 90 s")


@pytest.mark.slow
def test_a_sweep_runs_on_a_scheduler_and_two_worker_processes(mlflow_store, write_topic_csv, write_config,
                                                            make_config, tmp_path: Path):
    write_topic_csv(per_class=14)
    base = write_config(make_config(tracking={"log_model": False}))
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({"base": base.name, "space": {"model.params.C": [0.5, 2, 5, 8]}}), "utf-8")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).parent / "dask")
    logs = [open(tmp_path / name, "w") for name in ("scheduler.log", "worker0.log", "worker1.log")]  # noqa: SIM115
    commands = [[dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]] + [
        [dask, "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny", "--no-dashboard",
         "--name", f"w{i}"] for i in range(2)]
    processes = []
    try:
        for command, log in zip(commands, logs, strict=True):
            processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy(),
                                              stdin=subprocess.DEVNULL))
            if len(processes) == 1:
                time.sleep(2)
        wait_for_workers(address, 2, processes)
        result = run_sweep(sweep, SweepOptions(jobs=2, backend="dask", scheduler=address))
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()
    assert [(t.status, t.error) for t in result.trials] == [("FINISHED", None)] * 4
    worker_pids = {str(p.pid) for p in processes[1:]}
    assert {t.worker.rsplit(":", 1)[1] for t in result.trials} <= worker_pids
    children = [r for r in mlflow_store.runs() if r.data.tags.get(PARENT_TAG) == result.parent_run_id]
    assert len(children) == 5  # four trials and the final test run
    assert result.final_metrics["macro_f1"] > 0
