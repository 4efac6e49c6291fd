"""The stance task: (claim/headline, body) pairs labelled agree, disagree, discuss or unrelated, scored with FNC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from core.errors import DataError
from core.registry import Spec
from core.tasks import TASKS, ColumnRoles, ReadFile
from features.stance.analysis import write_stance_error_analysis
from features.stance.labels import STANCE_LABELS, UNRELATED
from features.stance.stories import story_groups
from train.tasks.base import SingleLabelTask
from train.tasks.stance.fnc import fnc_metrics


@TASKS.register("stance", Spec, "claim/headline vs. article body: agree, disagree, discuss, unrelated")
class StanceTask(SingleLabelTask):
    """Pairs of texts, claim first and body second; adds the official FNC-1 score to the metrics."""

    name = "stance"
    demo_corpus = "stance"
    demo_columns = ColumnRoles(("headline", "body"), "stance", "storyline")  # a story's pairs stay together
    accepts_lone_text = False
    fixed_labels = STANCE_LABELS
    starter_sources = ("stance/demo.yaml",)
    starter_data = """\
data:
  # ---- YOUR DATA ------------------------------------------------------------------------------------------
  # As written this trains on the demo claim/article pairs bundled with secnews. For your own pairs, delete the
  # `demo:` line, uncomment one layout and set the column names. Paths are relative to this file.
  demo: stance
  # train: data/pairs.csv           # one row per (claim, body) pair; csv, tsv, jsonl or parquet
  # test: data/pairs_test.csv       # optional: without it 20 % of the bodies are held out
  # train: data/stances.csv         # or the FNC-1 layout: pairs and bodies in two tables …
  # train_bodies: data/bodies.csv
  # join_on: Body ID                # … joined on this id column
  text_columns: [headline, body]    # the claim first, then the body
  label_column: stance              # agree, disagree, discuss or unrelated
  split:
    group_column: id                # pairs sharing a body stay on one side of every split
    dev_size: 0.2
  # ----------------------------------------------------------------------------------------------------------
"""
    headline_metrics = ("fnc_score_pct", "accuracy", "macro_f1", "weighted_f1")

    def read_demo(self, read: ReadFile, folder: Path) -> tuple[pd.DataFrame, Path]:
        """The demo claims joined to the bodies of the demo articles they are about."""
        pairs_path = folder / "stance.jsonl"
        articles, pairs = read(folder / "articles.jsonl"), read(pairs_path)
        joined = pairs.merge(articles[["id", "storyline", "title", "body", "source"]], on="id", how="left",
                             validate="many_to_one")
        if joined["body"].isna().any():
            raise DataError(f"data.demo: {pairs_path} has rows whose article id is not in articles.jsonl")
        return joined.rename(columns={"claim": "headline"}), pairs_path

    def check_columns(self, text_columns: list[str]) -> list[str]:
        if len(text_columns) != 2:
            return ["data.text_columns: stance expects two columns, the claim/headline and the body"]
        return []

    def fit_groups(self, frame: pd.DataFrame, group_column: str | None, text_columns: list[str],
                   label_column: str) -> Any:
        """Stories (claims and bodies joined by related pairs; see `stories`) for the model's inner folds; the
        bodies are the split's group column (each distinct body text without one)."""
        bodies = frame[group_column] if group_column in frame.columns else frame[text_columns[1]]
        related = (frame[label_column] != UNRELATED).to_numpy()
        return story_groups(frame[text_columns[0]].to_numpy(), bodies.to_numpy(), related)

    def write_artifacts(self, out: Path, X: pd.DataFrame, y_true: Any, y_pred: Any, pipeline: Any) -> None:
        """The error analysis among the related stances: confusions with the sentences the model relied on."""
        write_stance_error_analysis(out, X, y_true, y_pred, pipeline)

    def report_order(self, classes: list[str]) -> list[str]:
        return [*STANCE_LABELS, *(c for c in classes if c not in STANCE_LABELS)]

    def metrics(self, y_true: Any, y_pred: Any, classes: list[str], y_train: Any) -> dict[str, float]:
        return {**super().metrics(y_true, y_pred, classes, y_train), **fnc_metrics(y_true, y_pred)}
