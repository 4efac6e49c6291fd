"""Shared task behaviour: single-label metrics (accuracy, F1 per class, the majority-class floor)."""

from __future__ import annotations

from typing import Any

from core.tasks import Task
from train import evaluate


class SingleLabelTask(Task):
    """A task with exactly one label per row, scored with accuracy, macro/weighted F1 and per-class metrics."""

    def metrics(self, y_true: Any, y_pred: Any, classes: list[str], y_train: Any) -> dict[str, float]:
        labels = self.report_order(classes)
        metrics = evaluate.classification_metrics(y_true, y_pred, labels)
        metrics.update(evaluate.majority_baseline(y_train, y_true, labels))
        return metrics
