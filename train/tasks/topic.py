"""Topic tasks: one label per article (`topic`) or a set of labels per article (`multilabel_topic`)."""

from __future__ import annotations

from typing import Any

from core.registry import Spec
from core.tasks import TASKS, ColumnRoles
from train import evaluate
from train.tasks.base import SingleLabelTask


@TASKS.register("topic", Spec, "one topic per article (single-label classification)")
class TopicTask(SingleLabelTask):
    """Single-label topic classification of one or more text columns."""

    name = "topic"
    demo_corpus = "topic"
    demo_file = "articles.jsonl"
    demo_columns = ColumnRoles(("title", "body"), "topic", "id")


@TASKS.register("multilabel_topic", Spec, "every topic an article covers (multi-label classification)")
class MultiLabelTopicTask(TopicTask):
    """Multi-label topics: labels are sets; metrics are micro/macro/samples F1, subset accuracy, Hamming loss."""

    name = "multilabel_topic"
    multi_label = True
    demo_columns = ColumnRoles(("title", "body"), "topics", "id")
    headline_metrics = ("micro_f1", "macro_f1", "samples_f1", "subset_accuracy", "hamming_loss")

    def metrics(self, y_true: Any, y_pred: Any, classes: list[str], y_train: Any) -> dict[str, float]:
        return evaluate.multilabel_metrics(y_true, y_pred, classes)
