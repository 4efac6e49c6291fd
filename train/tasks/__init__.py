"""The registered tasks: every module or package in this folder registers one or more (importing it does)."""

from __future__ import annotations

import importlib
import pkgutil

from core.tasks import TASKS, Task

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")


def get_task(name: str, where: str = "task") -> Task:
    """The registered task `name`; an unknown name is a ConfigError listing the valid ones."""
    return TASKS.get(name, where).build()
