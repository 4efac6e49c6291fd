"""Evaluation: metrics, reports and plots as pure functions of labels, predictions and scores."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    confusion_matrix,
    f1_score,
    hamming_loss,
    precision_recall_fscore_support,
)


def classification_metrics(y_true: Any, y_pred: Any, labels: list[str]) -> dict[str, float]:
    """Accuracy, macro/weighted F1 and per-class precision/recall/F1 (keys `f1_<class>` etc.)."""
    metrics = {
        "accuracy": accuracy_score(y_true, y_pred),
        "macro_f1": f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0),
        "weighted_f1": f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0),
    }
    precision, recall, f1, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    for i, label in enumerate(labels):
        metrics[f"precision_{label}"] = precision[i]
        metrics[f"recall_{label}"] = recall[i]
        metrics[f"f1_{label}"] = f1[i]
    return {k: float(v) for k, v in metrics.items()}


def multilabel_metrics(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> dict[str, float]:
    """Micro/macro/samples F1, subset accuracy and Hamming loss for indicator matrices, plus per-class F1."""
    metrics = {
        "micro_f1": f1_score(y_true, y_pred, average="micro", zero_division=0),
        "macro_f1": f1_score(y_true, y_pred, average="macro", zero_division=0),
        "samples_f1": f1_score(y_true, y_pred, average="samples", zero_division=0),
        "subset_accuracy": accuracy_score(y_true, y_pred),
        "hamming_loss": hamming_loss(y_true, y_pred),
    }
    per_class = f1_score(y_true, y_pred, average=None, zero_division=0)
    metrics.update({f"f1_{label}": per_class[i] for i, label in enumerate(labels)})
    return {k: float(v) for k, v in metrics.items()}


def majority_baseline(y_train: Any, y_test: Any, labels: list[str]) -> dict[str, float]:
    """What always predicting the most frequent training class scores: the floor any model must beat."""
    majority = Counter(y_train).most_common(1)[0][0]
    y_pred = np.full(len(y_test), majority, dtype=object)
    return {
        "baseline_accuracy": float(accuracy_score(y_test, y_pred)),
        "baseline_macro_f1": float(f1_score(y_test, y_pred, labels=labels, average="macro", zero_division=0)),
    }


def report(y_true: Any, y_pred: Any, labels: list[str]) -> tuple[str, dict[str, Any]]:
    """scikit-learn's classification report as text and as a JSON-ready dict."""
    kwargs = {"labels": labels, "zero_division": 0}
    if np.ndim(y_true) == 2:
        kwargs = {"target_names": labels, "zero_division": 0}
    text = classification_report(y_true, y_pred, digits=3, **kwargs)
    data = classification_report(y_true, y_pred, output_dict=True, **kwargs)
    return text, data


def confusion_png(y_true: Any, y_pred: Any, labels: list[str], path: Path, title: str = "") -> Path:
    """Draw the confusion matrix (counts, rows = truth) to a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    size = max(4.5, 0.7 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or "confusion matrix (test)")
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center",
                    color="white" if matrix[i, j] > threshold else "black", fontsize=8)
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def truncate(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def worst_examples(texts: pd.DataFrame, y_true: Any, y_pred: Any, scores: np.ndarray | None,
                   classes: list[str], n: int, max_chars: int) -> pd.DataFrame:
    """The misclassified test rows the model was most confident about, texts truncated, for error analysis."""
    wrong = np.flatnonzero(np.asarray(y_true, dtype=object) != np.asarray(y_pred, dtype=object))
    frame = texts.iloc[wrong].copy()
    for column in frame.columns:
        frame[column] = frame[column].astype(str).map(lambda t: truncate(t, max_chars))
    frame.insert(0, "row", wrong)
    frame["true"] = np.asarray(y_true, dtype=object)[wrong]
    frame["predicted"] = np.asarray(y_pred, dtype=object)[wrong]
    if scores is not None and len(wrong):
        index = {c: i for i, c in enumerate(classes)}
        predicted_scores = scores[wrong, [index[p] for p in frame["predicted"]]]
        frame["score"] = np.round(predicted_scores, 4)
        frame = frame.sort_values("score", ascending=False)
    return frame.head(n).reset_index(drop=True)


def top_features(pipeline: Any, classes: list[str], n: int) -> dict[str, list[tuple[str, float]]]:
    """Highest-weighted features per class for linear models (empty when the model has no usable coef_)."""
    model = pipeline[-1]
    coef = getattr(model, "coef_", None)
    if coef is None or n <= 0:
        return {}
    try:
        names = np.asarray(pipeline[:-1].get_feature_names_out(), dtype=object)
    except (AttributeError, ValueError):
        return {}
    coef = coef.toarray() if hasattr(coef, "toarray") else np.asarray(coef)
    if coef.shape[1] != len(names):
        return {}
    rows = [coef[0]] if coef.shape[0] == 1 else list(coef)
    row_classes = [str(model.classes_[1])] if coef.shape[0] == 1 else [str(c) for c in model.classes_]
    out = {}
    for label, weights in zip(row_classes, rows, strict=True):
        best = np.argsort(weights)[::-1][:n]
        out[label] = [(str(names[i]).split("__", 1)[-1], round(float(weights[i]), 4)) for i in best]
    return out

