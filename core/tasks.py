"""Tasks as registered components: what kind of problem a config solves, and everything that depends on it.

A task owns its input columns and their shorthand, label checks, metrics, report order, the shape of its
prediction table and its demo data. The data layer, runner, tracking, prediction and the CLI ask the task and
never branch on its name. Implementations live in `train.tasks`; adding one is a module plus its registration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from core.errors import DataError
from core.registry import Registry

ReadFile = Callable[[Path], pd.DataFrame]


@dataclass(frozen=True)
class ColumnRoles:
    """Which columns of a corpus hold the model's input texts, the label and the grouping key."""

    text: tuple[str, ...]
    label: str
    group: str | None = None


class Task:
    """Base task: single-label classification of one or more text columns (override what differs).

    `fixed_labels` is the closed label set of tasks that have one (data outside it is an error). A task with
    `starter_data` (a marked `data:` placeholder) gets a starter config built from the first bundled config of
    `starter_sources` that exists (`secnews init`, `secnews config new`)."""

    name = ""
    multi_label = False
    demo_corpus: str | None = None
    demo_file = ""
    demo_columns = ColumnRoles(("text",), "label")
    accepts_lone_text = True
    fixed_labels: tuple[str, ...] = ()
    starter_sources: tuple[str, ...] = ()
    starter_data = ""
    headline_metrics: tuple[str, ...] = ("accuracy", "macro_f1", "weighted_f1")

    def read_demo(self, read: ReadFile, folder: Path) -> tuple[pd.DataFrame, Path]:
        """The embedded demo rows of this task and the file they came from."""
        path = folder / self.demo_file
        return read(path), path

    def check_columns(self, text_columns: list[str]) -> list[str]:
        """Config lines about the input columns this task cannot use (empty when fine)."""
        return []

    def check_labels(self, labels: pd.Series, where: str) -> None:
        """Raise DataError when a split holds labels outside the task's fixed label set (when it has one)."""
        unknown = sorted(set(labels) - set(self.fixed_labels)) if self.fixed_labels else []
        if unknown:
            raise DataError(f"{where}: column '{labels.name}' has labels {', '.join(map(repr, unknown[:5]))}; "
                            f"{self.name} expects {', '.join(self.fixed_labels)}")

    def report_order(self, classes: list[str]) -> list[str]:
        """The order classes appear in metrics, reports and plots."""
        return list(classes)

    def metrics(self, y_true: Any, y_pred: Any, classes: list[str], y_train: Any) -> dict[str, float]:
        """Every metric of this task for one evaluated split."""
        raise NotImplementedError

    def fit_groups(self, frame: pd.DataFrame, group_column: str | None, text_columns: list[str],
                   label_column: str) -> Any:
        """Group id of each training row for a model's inner folds (rows of a group stay on one side), or None:
        by default the split's group column."""
        return frame[group_column].to_numpy() if group_column in frame.columns else None

    def write_artifacts(self, out: Path, X: pd.DataFrame, y_true: Any, y_pred: Any, pipeline: Any) -> None:
        """Task-specific evaluation files written into `out` beside the common reports (none by default)."""

    def lone_text_column(self, input_columns: list[str]) -> str | None:
        """The input column a bare text fills (others left empty), or None when texts alone cannot be scored."""
        return input_columns[-1] if self.accepts_lone_text else None


TASKS: Registry[Task] = Registry("task")

