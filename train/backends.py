"""Where streaming work runs: in this process, on local joblib workers, or on a Dask cluster (train.dask_backend).

A backend maps a function over items and hands back results in input order; `stream` keeps only a few results
in flight so memory stays bounded by a handful of chunks whatever the corpus size.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol


class Backend(Protocol):
    """Runs per-shard scans and per-chunk vectorization; results come back in input order."""

    name: str
    workers: int

    def map(self, fn: Callable[[Any], Any], items: list[Any]) -> list[Any]: ...

    def stream(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]: ...

    def close(self) -> None: ...


def cpu_count() -> int:
    """Cores this process may use (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class LocalBackend:
    """joblib (loky) processes on this machine; `n_jobs=1` runs everything in this process."""

    name = "local"

    def __init__(self, n_jobs: int = -1) -> None:
        self.workers = cpu_count() if n_jobs in (-1, 0) else max(1, n_jobs)

    def map(self, fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        if self.workers == 1 or len(items) <= 1:
            return [fn(item) for item in items]
        from joblib import Parallel, delayed

        return Parallel(n_jobs=self.workers, backend="loky")(delayed(fn)(item) for item in items)

    def stream(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        if self.workers == 1:
            return (fn(item) for item in items)
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=self.workers, backend="loky", return_as="generator",
                            pre_dispatch=f"{self.workers + 1}", batch_size=1)
        return parallel(delayed(fn)(item) for item in items)

    def close(self) -> None:
        return None


def make_backend(training: Any) -> Backend:
    """The backend a `training:` section asks for (a Dask client connects here, before any run starts)."""
    if training.backend == "dask":
        from train.dask_backend import DaskBackend

        return DaskBackend(training.scheduler, training.dask_workers)
    return LocalBackend(training.n_jobs)
