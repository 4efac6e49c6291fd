"""Fitting a linear model's one-vs-rest problems side by side in worker processes, when a problem is large enough
for that to pay, within the cores this training may use (`train.cores`)."""

from __future__ import annotations

import multiprocessing
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from joblib import Parallel, delayed
from scipy import sparse

from train import cores


def fit_per_class(fit: Callable[..., Any], shared: Any, tasks: list[tuple[Any, ...]], workers: int) -> list[Any]:
    """`fit(shared, *task)` for every task, in up to `workers` worker processes when that is above one.

    Never in threads: liblinear seeds one random generator for the whole process, so fits running side by side in
    threads draw from it in a racing order and the weights change from run to run (measured: up to 4e-5 on 20
    Newsgroups classes). The shared matrices are written once to a temporary folder and memory-mapped by the
    workers instead of being pickled for every task. `workers_for` gives the number (one in a daemonic process).
    """
    workers = min(len(tasks), workers)
    if workers <= 1:
        return [fit(shared, *task) for task in tasks]
    with tempfile.TemporaryDirectory(prefix="secnews-per-class-") as folder:
        dump = Path(folder) / "shared.joblib"
        joblib.dump(shared, dump)
        mapped = joblib.load(dump, mmap_mode="r")
        return Parallel(n_jobs=workers, backend="loky")(delayed(fit)(mapped, *task) for task in tasks)


def workers_for(n_jobs: int | None, X: Any, min_nonzeros: int) -> int:
    """Worker processes for one fit: `n_jobs` when set, else the cores available when X has at least
    `min_nonzeros` stored values (below that, handing the problem to workers costs more than it saves); one in a
    daemonic process (a Dask worker), which cannot start workers."""
    if multiprocessing.current_process().daemon:
        return 1
    if n_jobs is not None:
        return int(joblib.effective_n_jobs(n_jobs))
    size = X.nnz if sparse.issparse(X) else np.count_nonzero(X)
    return cores.available() if size >= min_nonzeros else 1
