"""The streaming job on a Dask cluster: shards are scanned and chunks vectorized on the workers, which read the
shards from a path they all see; the driver feeds the vectorized chunks to `partial_fit` in the planned order."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from core.errors import SecnewsError

CONNECT_TIMEOUT_S = 20


class DaskBackend:
    """A `distributed.Client` on `scheduler`, or on a LocalCluster of `workers` processes bound to 127.0.0.1."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int = 2) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise SecnewsError("training.backend: dask needs the 'distributed' package "
                               "(pip install 'dask[distributed]')") from None
        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
            else:
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                            host="127.0.0.1", dashboard_address=None)
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise SecnewsError(f"training.scheduler: cannot reach the Dask scheduler at {scheduler} "
                               f"({type(exc).__name__}: {exc})") from None
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def map(self, fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        futures = self.client.map(fn, items, pure=False)
        try:
            return self.client.gather(futures)
        finally:
            self.client.cancel(futures)

    def stream(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Results in input order, with at most two tasks per worker in flight."""
        window: deque[Any] = deque()
        pending = iter(items)
        try:
            for item in pending:
                window.append(self.client.submit(fn, item, pure=False))
                if len(window) >= 2 * self.workers:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        finally:
            if window:
                self.client.cancel(list(window))

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self.cluster is not None:
            self.cluster.close()
