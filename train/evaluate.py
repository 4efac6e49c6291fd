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
        # a row with no true and no predicted label is right: it scores 1, not 0
        "samples_f1": f1_score(y_true, y_pred, average="samples", zero_division=1.0),
        "subset_accuracy": accuracy_score(y_true, y_pred),
        "hamming_loss": hamming_loss(y_true, y_pred),
    }
    per_class = f1_score(y_true, y_pred, average=None, zero_division=0)
    metrics.update({f"f1_{label}": per_class[i] for i, label in enumerate(labels)})
    return {k: float(v) for k, v in metrics.items()}


def per_label_report(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str], train_support: np.ndarray,
                     thresholds: np.ndarray | None = None) -> pd.DataFrame:
    """One row per label of a multi-label model: supports, precision, recall, F1 and its decision threshold."""
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, zero_division=0)
    frame = pd.DataFrame({"label": labels, "train_support": np.asarray(train_support, dtype=int),
                          "test_support": support, "predicted": np.asarray(y_pred).sum(axis=0),
                          "precision": precision.round(4), "recall": recall.round(4), "f1": f1.round(4)})
    if thresholds is not None:
        frame["threshold"] = np.round(thresholds, 4)
    return frame.sort_values(["train_support", "label"], ascending=[False, True]).reset_index(drop=True)


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


def _blue(share: float) -> str:
    """A white-to-dark-blue colour for a share in [0, 1] (the look of matplotlib's Blues)."""
    low, high = (247, 251, 255), (8, 48, 107)
    return "#" + "".join(f"{round(a + (b - a) * share):02x}" for a, b in zip(low, high, strict=True))


def write_confusion(y_true: Any, y_pred: Any, labels: list[str], folder: Path, title: str = "") -> None:
    """`confusion_matrix.svg` to look at and `confusion_matrix.json` (labels, counts) for tools that redraw it."""
    import json

    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    (folder / "confusion_matrix.json").write_text(json.dumps({"labels": list(labels), "counts": matrix.tolist()}),
                                                  encoding="utf-8")
    confusion_svg(matrix, labels, folder / "confusion_matrix.svg", title)


def confusion_svg(matrix: np.ndarray, labels: list[str], path: Path, title: str = "") -> Path:
    """Write a confusion matrix (counts, rows = truth) as an SVG image.

    Plain SVG text instead of matplotlib: drawing a 20-class matrix with matplotlib cost ~1.5 s of CPU per run
    (import and text layout); this takes milliseconds, and the MLflow UI and browsers show SVG artifacts.
    """
    from html import escape

    cell, margin = 34, 12 + 7 * max((len(label) for label in labels), default=1)
    size = cell * len(labels)
    width, height = margin + size + 20, margin + size + 50
    top = 40
    peak = matrix.max() if matrix.size and matrix.max() > 0 else 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + top}" '
             'font-family="sans-serif" font-size="11">',
             f'<rect width="{width}" height="{height + top}" fill="white"/>',
             f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">'
             f'{escape(title or "confusion matrix (test)")}</text>']
    for i, label in enumerate(labels):
        y = top + i * cell + cell / 2 + 4
        parts.append(f'<text x="{margin - 6}" y="{y}" text-anchor="end">{escape(label)}</text>')
        x = margin + i * cell + cell / 2 + 4
        parts.append(f'<text transform="translate({x},{top + size + 8}) rotate(45)">{escape(label)}</text>')
        for j in range(len(labels)):
            count = int(matrix[i, j])
            share = count / peak
            parts.append(f'<rect x="{margin + j * cell}" y="{top + i * cell}" width="{cell}" height="{cell}" '
                         f'fill="{_blue(share)}" stroke="#ddd"/>')
            parts.append(f'<text x="{margin + j * cell + cell / 2}" y="{top + i * cell + cell / 2 + 4}" '
                         f'text-anchor="middle" fill="{"white" if share > 0.5 else "black"}">{count}</text>')
    parts.append(f'<text x="{margin + size / 2}" y="{height + top - 4}" text-anchor="middle">predicted</text>')
    parts.append(f'<text transform="translate(12,{top + size / 2}) rotate(-90)" text-anchor="middle">true</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts), encoding="utf-8")
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


def _linear_weights(model: Any) -> tuple[Any, Any]:
    """(coef_, classes_) of a linear model, also inside a calibration wrapper holding one fitted model."""
    coef = getattr(model, "coef_", None)
    if coef is not None:
        return coef, getattr(model, "classes_", None)
    calibrated = getattr(model, "calibrated_classifiers_", None)
    if calibrated and len(calibrated) == 1:
        inner = calibrated[0].estimator
        return getattr(inner, "coef_", None), getattr(inner, "classes_", model.classes_)
    return None, None


def _names_of(features: Any, indices: set[int]) -> dict[int, str]:
    """Feature names of the given output columns of a fitted ColumnTransformer.

    Vocabulary blocks are looked up term by term: building every name of a million-term character vocabulary
    (get_feature_names_out) took seconds per run for the dozens of names a report shows.
    """
    from sklearn.pipeline import Pipeline

    out: dict[int, str] = {}
    for name, transformer, _ in features.transformers_:
        block = features.output_indices_.get(name)
        wanted = sorted(i for i in indices if block is not None and block.start <= i < block.stop)
        if not wanted:
            continue
        last = transformer[-1] if isinstance(transformer, Pipeline) else transformer
        vocabulary = getattr(last, "vocabulary_", None)
        if isinstance(vocabulary, dict):
            local = {i - block.start for i in wanted}
            terms = {j: term for term, j in vocabulary.items() if j in local}
            out.update({i: terms[i - block.start] for i in wanted})
        else:
            names = transformer.get_feature_names_out()
            out.update({i: str(names[i - block.start]) for i in wanted})
    return out


def top_features(pipeline: Any, classes: list[str], n: int) -> dict[str, list[tuple[str, float]]]:
    """Highest-weighted features per class for linear models (empty when the model has no usable coef_)."""
    from sklearn.compose import ColumnTransformer

    model = pipeline[-1]
    coef, model_classes = _linear_weights(model)
    features = pipeline[0] if len(pipeline) == 2 else None
    if coef is None or n <= 0 or not isinstance(features, ColumnTransformer):
        return {}
    coef = coef.toarray() if hasattr(coef, "toarray") else np.asarray(coef)
    width = max((block.stop for block in features.output_indices_.values()), default=0)
    if coef.shape[1] != width:
        return {}
    rows = [coef[0]] if coef.shape[0] == 1 else list(coef)
    if coef.shape[0] == len(classes) and coef.shape[0] > 1:
        row_classes = list(classes)
    else:
        row_classes = [str(model_classes[1])] if coef.shape[0] == 1 else [str(c) for c in model_classes]
    best = {}
    for label, weights in zip(row_classes, rows, strict=True):
        top = np.argpartition(-weights, min(n, len(weights) - 1))[:n]
        best[label] = top[np.argsort(-weights[top], kind="stable")]
    try:
        names = _names_of(features, {int(i) for top in best.values() for i in top})
    except (AttributeError, ValueError):
        return {}
    return {label: [(names[int(i)].split("__", 1)[-1], round(float(weights[i]), 4)) for i in best[label]]
            for label, weights in zip(row_classes, rows, strict=True)}
