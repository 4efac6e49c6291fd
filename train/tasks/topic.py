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
    demo_columns = ColumnRoles(("title", "body"), "topic", "storyline")  # a dev split keeps a story together
    starter_sources = ("topic/recommended.yaml", "topic/demo.yaml")
    starter_data = """\
data:
  # ---- YOUR DATA ------------------------------------------------------------------------------------------
  # As written this trains on the demo corpus bundled with secnews. For your own articles, delete the `demo:`
  # line, uncomment one source and set the column names. Paths are relative to this file.
  demo: topic
  # train: data/articles.csv        # csv, tsv, jsonl or parquet; a glob such as data/*.jsonl works too
  # test: data/test.csv             # optional: without it a stratified 20 % of `train` is held out
  # saved: data/articles_dataset    # or a folder written by datasets' save_to_disk
  # hub: {name: OWNER/DATASET, revision: main}   # or a Hugging Face Hub dataset
  text_columns: [title, body]       # the text columns: the model's inputs
  label_column: topic               # the column holding each article's label
  min_examples_per_class: 5
  # ----------------------------------------------------------------------------------------------------------
"""


@TASKS.register("multilabel_topic", Spec, "every topic an article covers (multi-label classification)")
class MultiLabelTopicTask(TopicTask):
    """Multi-label topics: labels are sets; metrics are micro/macro/samples F1, subset accuracy, Hamming loss."""

    name = "multilabel_topic"
    multi_label = True
    demo_columns = ColumnRoles(("title", "body"), "topics", "storyline")
    headline_metrics = ("micro_f1", "macro_f1", "samples_f1", "subset_accuracy", "hamming_loss")
    starter_data = ""  # the topic starter covers it: set data.multi_label there

    def metrics(self, y_true: Any, y_pred: Any, classes: list[str], y_train: Any) -> dict[str, float]:
        return evaluate.multilabel_metrics(y_true, y_pred, classes)
