"""How many cores a fit in this process may use: all the process may run on, or the share a sweep gives each
of its parallel trials (so that trials side by side never oversubscribe the machine)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_share: ContextVar[int | None] = ContextVar("secnews_cores", default=None)


def available() -> int:
    """The share set by `limited`, else the cores this process may run on."""
    share = _share.get()
    if share:
        return share
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


@contextmanager
def limited(count: int) -> Iterator[None]:
    """Fits inside this block use at most `count` cores."""
    token = _share.set(max(1, count))
    try:
        yield
    finally:
        _share.reset(token)
