"""A sweep's comparison table (CSV) and a plot of the selection metric against each varied parameter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from train.sweep_exec import TrialResult
from train.sweep_spec import RangeSpec, Sweep

_EXTRA = ("accuracy", "macro_f1", "fnc_score_pct", "micro_f1")


def table(sweep: Sweep, trials: list[TrialResult], best: TrialResult | None) -> pd.DataFrame:
    """One row per trial: number, run, status, varied values, selection metric, a few more metrics, duration."""
    prefix = "dev_" if sweep.spec.select_on == "dev" else ""
    extra = [f"{prefix}{name}" for name in _EXTRA if f"{prefix}{name}" != sweep.metric_key]
    rows = []
    for trial in trials:
        row: dict[str, Any] = {"trial": trial.number, "run_id": trial.run_id, "run_name": trial.run_name,
                               "status": trial.status, "best": best is not None and trial.number == best.number}
        for key in sweep.space:
            value = trial.params.get(key)
            row[key] = json.dumps(value) if isinstance(value, list | dict) else value
        row[sweep.metric_key] = trial.metrics.get(sweep.metric_key)
        for name in extra:
            if any(name in t.metrics for t in trials):
                row[name] = trial.metrics.get(name)
        row["fit_time_s"] = trial.metrics.get("fit_time_s")
        row["feature_cache_hit"] = trial.metrics.get("feature_cache_hit")
        row["duration_s"] = round(trial.duration_s, 2)
        row["resumed"] = trial.resumed
        row["error"] = trial.error
        rows.append(row)
    return pd.DataFrame(rows)


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def plot(sweep: Sweep, frame: pd.DataFrame, out: Path) -> None:
    """Metric against each varied key (one panel per key); the best trial is starred, failed trials left out."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = list(sweep.space)
    done = frame[frame["status"] == "FINISHED"]
    fig, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.6), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        values = list(done[key])
        metric = list(done[sweep.metric_key])
        if _numeric(values):
            ax.scatter(values, metric, alpha=0.8)
            dim = sweep.space[key]
            positive = all(v > 0 for v in values)
            wide = positive and values and max(values) / max(min(values), 1e-12) >= 50
            if (isinstance(dim, RangeSpec) and dim.log) or (not isinstance(dim, RangeSpec) and wide):
                ax.set_xscale("log")
            positions = values
        else:
            labels = sorted({str(v) for v in values})
            where = {label: i for i, label in enumerate(labels)}
            positions = [where[str(v)] for v in values]
            ax.scatter(positions, metric, alpha=0.8)
            ax.set_xticks(range(len(labels)), labels, rotation=20)
        best = done["best"].to_numpy()
        if best.any():
            i = int(best.argmax())
            ax.scatter([positions[i]], [metric[i]], marker="*", s=220, color="tab:red", label="best", zorder=3)
            ax.legend(loc="best", fontsize=8)
        ax.set_xlabel(key)
        ax.set_ylabel(sweep.metric_key)
        ax.grid(alpha=0.3)
    fig.suptitle(f"sweep {sweep.name}: {sweep.metric_key} by parameter")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def write(sweep: Sweep, trials: list[TrialResult], best: TrialResult | None, folder: Path) -> list[str]:
    """Write comparison.csv and metric_vs_params.png into `folder`; returns the file names."""
    frame = table(sweep, trials, best)
    frame.to_csv(folder / "comparison.csv", index=False)
    names = ["comparison.csv"]
    if (frame["status"] == "FINISHED").any():
        plot(sweep, frame, folder / "metric_vs_params.png")
        names.append("metric_vs_params.png")
    return names
