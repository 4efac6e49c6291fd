"""The MLflow store before a run uses it: reachable (HTTP, probed fast), its folder present, and created once.

MLflow retries an unreachable server for minutes, and several processes opening a new sqlite database race in
its schema migration; both are settled here, before any data is read or any run is started.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from core.errors import SecnewsError

CONNECT_TIMEOUT_S = 5  # a TCP connect is answered by the kernel, however busy the server is
PROBE_ENV = {  # one attempt for the probe's request; MLflow's defaults retry for ~250 s
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "0",
}
LOCK_TIMEOUT_S = 300


class StoreError(SecnewsError):
    """The tracking store cannot be used (unreachable server, rejected credentials, missing folder)."""


def sqlite_path(uri: str) -> Path | None:
    """The database file of a `sqlite:///` URI (None for other stores and in-memory databases)."""
    if not uri.startswith("sqlite:///"):
        return None
    path = uri.removeprefix("sqlite:///").split("?")[0]
    return None if path in ("", ":memory:") else Path(path)


@contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _reason(exc: BaseException) -> str:
    """A short cause from MLflow's long, multi-line connection errors."""
    text = f"{exc}"
    for marker in ("Connection refused", "Name or service not known", "timed out", "Temporary failure in name",
                   "No route to host", "Connection reset", "401", "403"):
        if marker in text:
            return {"401": "credentials rejected (HTTP 401): set MLFLOW_TRACKING_USERNAME and "
                           "MLFLOW_TRACKING_PASSWORD",
                    "403": "permission denied (HTTP 403) for this user"}.get(marker, marker.lower())
    return (text.strip().splitlines() or [type(exc).__name__])[0][:160]


def _connect(uri: str) -> None:
    """Open (and close) a TCP connection to the server: fails at once when nothing listens there."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    with socket.create_connection((parts.hostname or "", port), timeout=CONNECT_TIMEOUT_S):
        pass


def probe_http(uri: str) -> None:
    """Connect, then one request without retries; a StoreError naming the URI when the server does not answer.

    A server that is down fails in the connect within seconds; a slow but live one gets MLflow's normal
    request timeout, so a busy server is not mistaken for a missing one.
    """
    from mlflow.tracking import MlflowClient

    try:
        _connect(uri)
        with _env(PROBE_ENV):
            MlflowClient(uri).search_experiments(max_results=1)
    except Exception as exc:
        raise StoreError(f"tracking store {uri} is not reachable ({_reason(exc)}); start the server, "
                         "or set MLFLOW_TRACKING_URI / tracking.uri to a store that is") from None


def check(uri: str) -> None:
    """Cheap checks to run before loading data: an http store answers, a sqlite store's folder exists."""
    if uri.startswith(("http://", "https://")):
        probe_http(uri)
        return
    path = sqlite_path(uri)
    if path is not None and not path.parent.is_dir():
        raise StoreError(f"tracking store {uri}: folder {path.parent} does not exist")
    if path is not None and path.is_dir():
        raise StoreError(f"tracking store {uri}: {path} is a directory, not a database file")


def locked(uri: str) -> Any:
    """A cross-process lock for one sqlite store (a no-op for other stores): creation, migration, experiments."""
    path = sqlite_path(uri)
    if path is None:
        return nullcontext()
    from filelock import FileLock

    return FileLock(f"{path}.lock", timeout=LOCK_TIMEOUT_S)


def prepare(uri: str) -> None:
    """Create or migrate the store once: under the lock for sqlite, so concurrent first uses all succeed."""
    from mlflow.tracking import MlflowClient

    check(uri)
    if sqlite_path(uri) is None:
        return
    with locked(uri):
        MlflowClient(uri).search_experiments(max_results=1)
