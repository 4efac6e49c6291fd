"""The FNC-1 score: a weighted two-level accuracy over headline/body stance pairs (see shared fnc1 README).

+0.25 for getting related-vs-unrelated right, +0.75 more for the exact related class (agree, disagree,
discuss). Reported raw and as a percentage of the score perfect predictions would get.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from features.stance.labels import RELATED


def fnc_score(y_true: Any, y_pred: Any) -> tuple[float, float]:
    """(raw score, maximum possible score) for gold and predicted stance labels."""
    gold = np.asarray(y_true, dtype=object)
    pred = np.asarray(y_pred, dtype=object)
    if gold.shape != pred.shape:
        raise ValueError(f"y_true has {gold.shape[0]} labels but y_pred has {pred.shape[0]}")
    gold_related = np.isin(gold, RELATED)
    pred_related = np.isin(pred, RELATED)
    score = 0.25 * np.sum(gold_related == pred_related) + 0.75 * np.sum(gold_related & (gold == pred))
    maximum = 0.25 * np.sum(~gold_related) + 1.0 * np.sum(gold_related)
    return float(score), float(maximum)


def fnc_metrics(y_true: Any, y_pred: Any) -> dict[str, float]:
    """`fnc_score`, `fnc_max` and `fnc_score_pct` (score as % of the maximum) for logging."""
    score, maximum = fnc_score(y_true, y_pred)
    return {"fnc_score": score, "fnc_max": maximum,
            "fnc_score_pct": 100.0 * score / maximum if maximum else 0.0}
