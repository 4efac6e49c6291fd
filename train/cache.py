"""Feature cache: a fitted feature union, its training matrix and the matrix of the split it is scored on, stored
with joblib.Memory.

Keyed by the training data's content digest (texts and labels) and the feature config (plus the scored split's
digest for its matrix), so sweep trials that only vary the model reuse the vectorized splits instead of fitting
the vectorizers and transforming the dev split again. Off unless a cache
folder is configured (`configure(...)`, or `SECNEWS_CACHE_DIR`). The folder is our own, written by this process
or a sibling worker: results are read back with pickle, so point it only at a folder you trust.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CACHE_ENV = "SECNEWS_CACHE_DIR"
_state: dict[str, Any] = {"explicit": False, "dir": None}  # explicit: configure() decided, the env var is not read


def default_dir() -> Path:
    """`$SECNEWS_CACHE_DIR`, else `.cache/features` at the project root."""
    from train.tracking import project_root

    return Path(os.environ[CACHE_ENV]) if os.environ.get(CACHE_ENV) else project_root() / ".cache" / "features"


def configure(folder: str | Path | None) -> None:
    """Turn the cache on for this process (a folder) or off (None), whatever `$SECNEWS_CACHE_DIR` says."""
    _state.update(explicit=True, dir=Path(folder).resolve() if folder else None)


@contextmanager
def using(folder: str | Path | None) -> Iterator[None]:
    """The cache on (a folder) or off (None) for the duration of a block, then as it was before."""
    previous = dict(_state)
    configure(folder)
    try:
        yield
    finally:
        _state.update(previous)


def active_dir() -> Path | None:
    """The folder in use: the configured one (None: off), else `$SECNEWS_CACHE_DIR` when set, else None (off)."""
    if _state["explicit"]:
        return _state["dir"]
    return Path(os.environ[CACHE_ENV]).resolve() if os.environ.get(CACHE_ENV) else None


def feature_key(config: Any, train_digest: str, text_columns: list[str], dense: bool) -> str:
    """What a fitted feature union depends on: data content, builder specs, columns, seed and library versions."""
    from train.tracking import versions

    found = versions()
    return json.dumps({
        "data": train_digest,
        "features": [spec.model_dump(mode="json") for spec in config.feature_specs],
        "columns": text_columns,
        "seed": config.seed,
        "dense": dense,
        "versions": {k: found.get(k) for k in ("secnews", "scikit-learn", "numpy", "scipy")},
    }, sort_keys=True)


def _fit_transform(key: str, features: Any, X: Any, y: Any) -> tuple[Any, Any]:
    """Fit the union on the training split; `features`, `X` and `y` are left out of the hash (the key covers them)."""
    return features, features.fit_transform(X, y)


def _transform(key: str, split_digest: str, features: Any, X: Any) -> Any:
    """Transform a split with the fitted union; only the keys are hashed."""
    return features.transform(X)


def _call(function: Any, ignore: list[str], *args: Any) -> tuple[Any, bool]:
    """(result, was it in the cache?) of `function(*args)` memoized in the active folder."""
    from joblib import Memory

    cached = Memory(active_dir(), verbose=0).cache(function, ignore=ignore)
    hit = cached.check_call_in_cache(*args)
    return cached(*args), hit


def fit_transform(config: Any, features: Any, X: Any, y: Any, train_digest: str, dense: bool,
                  text_columns: list[str]) -> tuple[Any, Any, bool | None]:
    """(fitted union, training matrix, cache hit?) — hit is None when the cache is off."""
    if active_dir() is None:
        return features, features.fit_transform(X, y), None
    key = feature_key(config, train_digest, text_columns, dense)
    (fitted, matrix), hit = _call(_fit_transform, ["features", "X", "y"], key, features, X, y)
    return fitted, matrix, hit


def transform(config: Any, features: Any, X: Any, train_digest: str, split_digest: str, dense: bool,
              text_columns: list[str]) -> tuple[Any, bool | None]:
    """(matrix of a scored split, cache hit?) for a union fitted on the training split `train_digest`."""
    if active_dir() is None:
        return features.transform(X), None
    key = feature_key(config, train_digest, text_columns, dense)
    return _call(_transform, ["features", "X"], key, split_digest, features, X)


def size_bytes(folder: Path) -> int:
    """Bytes used by the cache folder (0 when it does not exist)."""
    if not folder.is_dir():
        return 0
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def human_size(size: int) -> str:
    """`12.3 MB`-style size for messages."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def clear(folder: Path) -> int:
    """Delete the cache folder; returns the bytes freed."""
    size = size_bytes(folder)
    if folder.is_dir():
        shutil.rmtree(folder)
    return size
