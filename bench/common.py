"""Shared pieces of the benchmark scripts: run a command as its own process and measure it, describe the machine."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent


@dataclass
class Measured:
    """A finished child process: its output, wall time and peak resident memory."""

    stdout: str
    stderr: str
    wall_s: float
    peak_rss_mb: float
    returncode: int
    cpu_s: float = float("nan")

    def last_json(self) -> dict[str, Any]:
        """The last stdout line as JSON (both `secnews train --json` and the reference end with one)."""
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        if self.returncode != 0 or not lines:
            raise RuntimeError(f"command failed ({self.returncode}):\n{self.stderr[-3000:]}")
        return json.loads(lines[-1])


def run_measured(command: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> Measured:
    """Run `command` as a whole process; wall time from spawn to exit, peak RSS of that process (wait4)."""
    full_env = {**os.environ, **(env or {})}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=full_env, cwd=cwd, text=True)
        _, status, usage = os.wait4(process.pid, 0)  # reaps the child itself, so its own rusage is readable
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(out.read(), err.read(), wall, usage.ru_maxrss / 1024, process.returncode,
                        usage.ru_utime + usage.ru_stime)


def offline_env(store: Path) -> dict[str, str]:
    """Environment for benchmarked commands: offline Hugging Face, no telemetry, a private MLflow store."""
    return {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "MLFLOW_DISABLE_TELEMETRY": "true",
            "HF_HUB_DISABLE_TELEMETRY": "1", "MLFLOW_TRACKING_URI": f"sqlite:///{store}",
            "SECNEWS_DATA": str(data_dir())}


def data_dir() -> Path:
    """$SECNEWS_DATA (relative paths read from the project root), default ../shared/data."""
    return (ROOT / os.environ.get("SECNEWS_DATA", "../shared/data")).resolve()


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        memory_kb = 0
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {"platform": platform.platform(), "python": platform.python_version(), "cpu": model,
            "cpus": os.cpu_count(), "memory_gb": round(memory_kb / 1024 / 1024, 1),
            "load_average_1m_at_start": round(load[0], 2)}


def versions() -> dict[str, str]:
    out = {}
    for name in ("secnews", "scikit-learn", "numpy", "scipy", "pandas", "mlflow", "skops", "datasets"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def git_commit() -> str | None:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() or None


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def init_store(store: Path) -> float:
    """Create (migrate) an MLflow sqlite store once, outside any measured command; returns the seconds it took."""
    command = [str(BIN / "python"), "-c",
               "import mlflow, sys; mlflow.set_tracking_uri(sys.argv[1]); mlflow.search_experiments()",
               f"sqlite:///{store}"]
    measured = run_measured(command, {"MLFLOW_DISABLE_TELEMETRY": "true"})
    if measured.returncode != 0:
        raise RuntimeError(f"cannot create the MLflow store {store}:\n{measured.stderr[-2000:]}")
    return measured.wall_s
