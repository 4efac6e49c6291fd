"""Comparing runs from the terminal: a table of runs (metrics, varied params, status, duration) and a diff of two
runs, with a plot of both confusion matrices and the per-class F1 side by side (the UI does not put those
artifacts on one page)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from core.errors import ConfigError
from train.naming import short_labels

HEADLINE = ("fnc_score_pct", "macro_f1", "accuracy", "micro_f1", "dev_fnc_score_pct", "dev_macro_f1",
            "dev_accuracy", "dev_micro_f1")
_IGNORED_PARAMS = ("tracking.", "sweep.", "best.")
_TAG_PARAMS = ("tracking.tags.", "tracking.run_name")  # copies of the run's name and tags, shown elsewhere


def _client(tracking_uri: str | None) -> Any:
    from mlflow.tracking import MlflowClient

    from train import tracking

    uri = tracking.tracking_uri(tracking_uri)
    tracking.use_store(uri)
    return MlflowClient(uri)


def _first_line(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return message.strip().splitlines()[0] if message.strip() else type(exc).__name__


def _get_run(client: Any, run_id: str, what: str) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_run(run_id)
    except MlflowException:
        pass
    experiments = [e.experiment_id for e in client.search_experiments()]
    matches = [run for run in client.search_runs(experiments, max_results=50000) if run.info.run_id.startswith(run_id)]
    if len(matches) == 1 and len(run_id) >= 6:
        return matches[0]
    if len(matches) > 1:
        raise ConfigError(f"{what} {run_id}: {len(matches)} runs start with this prefix; give more characters")
    raise ConfigError(f"{what} {run_id}: no such run in the tracking store")


def _experiment_ids(client: Any, experiment: str | None, parent: Any | None) -> list[str]:
    if parent is not None:
        return [parent.info.experiment_id]
    if experiment is None:
        return [e.experiment_id for e in client.search_experiments()]
    found = client.get_experiment_by_name(experiment)
    if found is None:
        names = ", ".join(sorted(e.name for e in client.search_experiments())) or "none"
        raise ConfigError(f"--experiment {experiment}: no such experiment (experiments: {names})")
    return [found.experiment_id]


def _order(sort: str | None) -> list[str] | None:
    """`--sort dev_macro_f1` (largest first) or `--sort "fit_time_s asc"`; attributes such as start_time too."""
    if not sort:
        return None
    name, _, way = sort.strip().partition(" ")
    way = way.strip().upper() or "DESC"
    if way not in {"ASC", "DESC"}:
        raise ConfigError(f"--sort {sort}: expected METRIC, 'METRIC asc' or 'METRIC desc'")
    column = name if "." in name else (f"attributes.{name}" if name in {"start_time", "end_time"} else
                                       f"metrics.`{name}`")
    return [f"{column} {way}"]


def search(experiment: str | None = None, parent: str | None = None, sort: str | None = None,
           filter_: str | None = None, limit: int = 50, tracking_uri: str | None = None) -> list[Any]:
    """Runs of an experiment (or the children of a sweep's parent run), filtered and sorted in the store."""
    from mlflow.exceptions import MlflowException

    client = _client(tracking_uri)
    parent_run = _get_run(client, parent, "--parent") if parent else None
    clauses = [f"tags.`mlflow.parentRunId` = '{parent}'"] if parent else []
    if filter_:
        clauses.append(f"({filter_})" if " or " in filter_.lower() else filter_)
    ids = _experiment_ids(client, experiment, parent_run)
    if not ids:
        return []
    try:
        return list(client.search_runs(ids, " and ".join(clauses), max_results=limit,
                                       order_by=_order(sort) or ["attributes.start_time DESC"]))
    except MlflowException as exc:
        where = "--sort" if sort and "order_by" in _first_line(exc).lower() else "--filter"
        raise ConfigError(f"{where}: {_first_line(exc)}") from None


def varied_params(runs: list[Any], most: int = 8) -> list[str]:
    """Params taking more than one value among the runs that have them (what tells the runs apart), at most
    `most` of them, those set in the most runs first."""
    keys = sorted({k for run in runs for k in run.data.params if not k.startswith(_IGNORED_PARAMS)})
    varied = [k for k in keys if len({run.data.params[k] for run in runs if k in run.data.params}) > 1]
    return sorted(varied, key=lambda k: -sum(k in run.data.params for run in runs))[:most]


def runs_table(runs: list[Any], sort: str | None = None) -> pd.DataFrame:
    """One row per run: id, name, status, duration, headline metrics present, varied params."""
    metric_names = [m for m in HEADLINE if any(m in run.data.metrics for run in runs)]
    if sort and not sort.startswith(("attributes.", "start_time", "end_time")):
        name = sort.split(" ")[0].removeprefix("metrics.")
        if name not in metric_names:
            metric_names.insert(0, name)
    params = varied_params(runs)
    labels = short_labels(params)
    rows = []
    for run in runs:
        info = run.info
        end = info.end_time or info.start_time
        row = {"run_id": info.run_id, "name": info.run_name, "status": info.status,
               "duration": f"{(end - info.start_time) / 1000:.1f}s" if info.start_time else None}
        row.update({m: run.data.metrics.get(m) for m in metric_names})
        row.update({labels[p]: run.data.params.get(p) for p in params})
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class RunDiff:
    """Params and metrics that differ between two runs."""

    a: Any
    b: Any
    params: list[tuple[str, str | None, str | None]]
    metrics: list[tuple[str, float | None, float | None]]


def diff(run_a: str, run_b: str, tracking_uri: str | None = None) -> RunDiff:
    """Differing params (missing on one side included) and every metric of either run with both values."""
    client = _client(tracking_uri)
    a, b = _get_run(client, run_a, "run"), _get_run(client, run_b, "run")
    keys = sorted(set(a.data.params) | set(b.data.params))
    params = [(k, a.data.params.get(k), b.data.params.get(k)) for k in keys
              if a.data.params.get(k) != b.data.params.get(k) and not k.startswith(_TAG_PARAMS)]
    names = sorted(set(a.data.metrics) | set(b.data.metrics))
    metrics = [(k, a.data.metrics.get(k), b.data.metrics.get(k)) for k in names
               if a.data.metrics.get(k) != b.data.metrics.get(k)]
    return RunDiff(a, b, params, metrics)


def _f1_prefix(run: Any) -> str:
    return "f1_" if any(k.startswith("f1_") for k in run.data.metrics) else "dev_f1_"


def _confusion(run: Any, folder: Path) -> dict[str, Any] | None:
    """The run's logged confusion matrix ({labels, counts}), or None when it has none (multi-label, failed)."""
    import json

    import mlflow

    try:
        path = mlflow.artifacts.download_artifacts(run_id=run.info.run_id,
                                                   artifact_path="evaluation/confusion_matrix.json",
                                                   dst_path=str(folder))
    except Exception:  # noqa: BLE001 - a run without the artifact shows a note instead
        return None
    return json.loads(Path(path).read_text(encoding="utf-8"))


def draw_confusion(ax: Any, labels: list[str], counts: list[list[int]]) -> None:
    """Counts as a heat map, rows = truth, each cell labelled with its count."""
    ax.imshow(counts, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    peak = max((max(row) for row in counts), default=0)
    for i, row in enumerate(counts):
        for j, count in enumerate(row):
            ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                    color="white" if peak and count > peak / 2 else "black")


def diff_plot(result: RunDiff, out: Path) -> Path:
    """Both runs' confusion matrices and their per-class F1 side by side, saved as one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(21, 7), gridspec_kw={"width_ratios": [1, 1, 0.9]})
    with tempfile.TemporaryDirectory() as tmp:
        for ax, run, side in ((axes[0], result.a, "A"), (axes[1], result.b, "B")):
            confusion = _confusion(run, Path(tmp) / side)
            if confusion is not None:
                draw_confusion(ax, confusion["labels"], confusion["counts"])
            else:
                ax.text(0.5, 0.5, "no confusion matrix logged", ha="center", va="center")
                ax.axis("off")
            ax.set_title(f"{side}: {run.info.run_name} ({run.info.run_id[:8]})", fontsize=10)
    prefixes = (_f1_prefix(result.a), _f1_prefix(result.b))
    classes = sorted({k.removeprefix(p) for run, p in zip((result.a, result.b), prefixes, strict=True)
                      for k in run.data.metrics if k.startswith(p)})
    frame = pd.DataFrame({f"{side} {run.info.run_id[:8]} ({'dev' if p.startswith('dev_') else 'test'})":
                          [run.data.metrics.get(p + c) for c in classes]
                          for side, run, p in zip("AB", (result.a, result.b), prefixes, strict=True)}, index=classes)
    if classes:
        frame.plot.barh(ax=axes[2], xlim=(0, 1))
        axes[2].invert_yaxis()
    axes[2].set_title("per-class F1", fontsize=10)
    axes[2].set_xlabel("F1")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
