"""Garbage-collector settings for a short-lived process that imports a large stack (MLflow, SQLAlchemy, pandas,
scikit-learn): a `secnews` command, or its tracking helper process.

With Python's default thresholds the collector traversed every imported object ~1,200 times during a small
training run (~1 s), and the interpreter's last collections at exit took another ~1.3 s, only to free memory the
operating system reclaims anyway.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

THRESHOLDS = (50_000, 10, 10)  # young collections 70x rarer than the default 700; memory held is bounded by it


@contextmanager
def short_lived() -> Iterator[None]:
    """Collect rarely while the body runs, and freeze every object when it ends (the process exits next)."""
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.freeze()
