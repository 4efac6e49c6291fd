"""The registered tasks (`topic`, `multilabel_topic`, `stance`); importing this package registers them."""

from __future__ import annotations

from core.tasks import TASKS, Task
from train.tasks import stance, topic  # noqa: F401  (registration)


def get_task(name: str, where: str = "task") -> Task:
    """The registered task `name`; an unknown name is a ConfigError listing the valid ones."""
    return TASKS.get(name, where).build()
