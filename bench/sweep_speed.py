"""Sweep speed on 20 Newsgroups ($SECNEWS_DATA): an 8-trial sweep with --jobs 2 vs --jobs 1, and a model-only
sweep with a warm feature cache vs without one. Each sweep runs as its own `secnews sweep --json` process against
a fresh MLflow store; a plain scikit-learn loop over the same trials (no MLflow, no validation, no reports) is the
reference. Writes bench/results/sweeps.json and bench/results/sweeps.md.

Targets (issue 10): jobs 2 vs 1 >= 1.6x; warm cache vs no cache >= 3x. Run it on a quiet machine:
    make bench-sweeps            (or: .venv/bin/python bench/sweep_speed.py [--rounds N] [--no-reference])

The speed of a shared virtual machine drifts by a fifth or more within an hour (the same sweep measured 90 s and
73 s), so each ratio is taken within a round, from runs made one after the other, and `--rounds N` repeats the
rounds: the summary is the median of the per-round ratios, and every round is reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
EIGHT = ROOT / "configs" / "sweeps" / "bench" / "20ng_8trials.yaml"
MODEL_ONLY = ROOT / "configs" / "sweeps" / "bench" / "20ng_model_only.yaml"
SECNEWS = Path(sys.executable).parent / "secnews"


def data_dir() -> Path:
    return Path(os.environ.get("SECNEWS_DATA", ROOT.parent / "shared" / "data")).resolve()


def fresh_store(folder: Path) -> str:
    """A migrated empty sqlite store (the ~2.5 s migration is not part of any measurement)."""
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{folder / 'mlflow.db'}"
    MlflowClient(uri).search_experiments()
    return uri


def run_sweep(sweep: Path, jobs: int, cache: Path | None, folder: Path) -> dict[str, Any]:
    """Time one `secnews sweep` process; returns wall seconds and the per-trial durations it reported."""
    uri = fresh_store(folder)
    command = [str(SECNEWS), "sweep", str(sweep), "--jobs", str(jobs), "--json"]
    command += ["--cache-dir", str(cache)] if cache else ["--no-cache"]
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "MLFLOW_DISABLE_TELEMETRY": "true", "SECNEWS_DATA": str(data_dir())}
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    if summary["trials"]["FAILED"]:
        raise RuntimeError(f"{sweep.name}: {summary['trials']['FAILED']} trials failed")
    return {"wall_s": round(wall, 1), "jobs": jobs, "cache": "off" if cache is None else "on",
            "trials": summary["trials"]["FINISHED"], "best": summary["best"]}


def reference(sweep_path: Path, jobs: int) -> dict[str, Any]:
    """Plain scikit-learn: the same trials' fits (TF-IDF + LinearSVC on train minus dev, scored on dev) with joblib,
    no MLflow and no reports. Data are read once, as a hand-written script would."""
    import pandas as pd
    from joblib import Parallel, delayed
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from train.sweep_spec import expand, load_sweep

    sweep = load_sweep(sweep_path)
    train = pd.read_csv(data_dir() / "20newsgroups" / "train.csv.gz")
    fit_part, dev = train_test_split(train, test_size=0.2, random_state=13, stratify=train["label"])

    def one(params: dict[str, Any]) -> float:
        ngram = tuple(params.get("features[0].ngram_range", [1, 2]))
        model = make_pipeline(TfidfVectorizer(ngram_range=ngram, min_df=2, max_df=0.5, sublinear_tf=True),
                              LinearSVC(C=params.get("model.params.C", 0.5), random_state=13))
        model.fit(fit_part["text"], fit_part["label"])
        return f1_score(dev["label"], model.predict(dev["text"]), average="macro")

    start = time.perf_counter()
    scores = Parallel(n_jobs=jobs)(delayed(one)(t.params) for t in expand(sweep))
    return {"wall_s": round(time.perf_counter() - start, 1), "jobs": jobs, "trials": len(scores),
            "best_dev_macro_f1": round(max(scores), 4)}


def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
            "load_average_at_start": [round(v, 2) for v in load] if load else None,
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


def markdown(result: dict[str, Any]) -> str:
    rounds = result["rounds"]
    names = list(rounds[0]["measurements"])
    lines = [
        "# Sweep speed (20 Newsgroups)", "",
        f"Measured {result['machine']['date']} on {result['machine']['cpus']} CPUs, load average at start "
        f"{result['machine']['load_average_at_start']}, {len(rounds)} round(s). Each sweep is one "
        "`secnews sweep --json` process against a fresh MLflow sqlite store; wall time includes process start, data "
        "loading and validation in every trial, MLflow logging and the reports. A ratio is computed within a round "
        "(runs made one after the other: the machine's speed drifts between rounds); the summary is the median of "
        "the rounds' ratios.", "",
        "| measurement | " + " | ".join(f"round {i + 1} wall (s)" for i in range(len(rounds))) + " | trials |",
        "|---|" + "---:|" * (len(rounds) + 1),
    ]
    for name in names:
        walls = " | ".join(str(r["measurements"].get(name, {}).get("wall_s", "-")) for r in rounds)
        lines.append(f"| {name} | {walls} | {rounds[0]['measurements'][name]['trials']} |")
    lines += ["", "| ratio | " + " | ".join(f"round {i + 1}" for i in range(len(rounds))) + " | median | target |",
              "|---|" + "---:|" * (len(rounds) + 2)]
    for name, row in result["ratios"].items():
        per_round = " | ".join(f"{v}x" for v in row["rounds"]) + " | -" * (len(rounds) - len(row["rounds"]))
        lines.append(f"| {name} | {per_round} | {row['value']}x | {row.get('target', '-')} |")
    lines += ["", "`8 trials jobs=*`: configs/sweeps/bench/20ng_8trials.yaml (feature cache off). "
              "`model-only *`: configs/sweeps/bench/20ng_model_only.yaml (4 values of C of a linear SVM on the "
              "recommended config's word + char_wb TF-IDF features, configs/topic/20ng_word_char_base.yaml): "
              "`no cache` re-vectorizes and re-transforms the dev split in every trial, `cold cache` starts from "
              "an empty cache folder (the first trial fills it), `warm cache` starts from the cache the cold run "
              "left (fitted features, training and dev matrices). `sklearn reference`: the same 8 fits in a plain "
              "joblib loop, data read once, no MLflow.", ""]
    return "\n".join(lines)


def save(result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sweeps.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "sweeps.md").write_text(markdown(result), encoding="utf-8")


def one_round(root: Path, reference_too: bool, m: dict[str, Any], measured: Callable[[], None]) -> None:
    """Every measurement once into `m`, one after the other (the ratios of a round compare neighbouring runs);
    `measured()` after each, so what is measured so far survives an interrupted run."""
    for index, (name, sweep, jobs, cache) in enumerate([
        ("8 trials jobs=1", EIGHT, 1, None),
        ("8 trials jobs=2", EIGHT, 2, None),
        ("model-only no cache", MODEL_ONLY, 1, None),
        ("model-only cold cache", MODEL_ONLY, 1, root / "cache"),
        ("model-only warm cache", MODEL_ONLY, 1, root / "cache"),
    ]):
        folder = root / f"store{index}"
        folder.mkdir()
        m[name] = run_sweep(sweep, jobs, cache, folder)
        print(f"{name:24s} {m[name]['wall_s']:8.1f} s", flush=True)
        measured()
    if reference_too:
        for jobs in (1, 2):
            m[f"sklearn reference jobs={jobs}"] = reference(EIGHT, jobs)
            print(f"sklearn reference jobs={jobs} {m[f'sklearn reference jobs={jobs}']['wall_s']:8.1f} s", flush=True)
            measured()


RATIOS = [  # name, numerator, denominator, target
    ("jobs 2 vs 1 (8 trials)", "8 trials jobs=1", "8 trials jobs=2", ">= 1.6x"),
    ("warm cache vs no cache (model-only)", "model-only no cache", "model-only warm cache", ">= 3x"),
    ("warm vs cold cache (model-only)", "model-only cold cache", "model-only warm cache", None),
    ("sklearn reference jobs 2 vs 1", "sklearn reference jobs=1", "sklearn reference jobs=2", None),
    ("secnews jobs=1 vs sklearn reference jobs=1 (overhead)", "8 trials jobs=1", "sklearn reference jobs=1", None),
]


def ratios(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Each ratio per round that has both of its measurements, and the median of those rounds."""
    out: dict[str, Any] = {}
    for name, top, bottom, target in RATIOS:
        values = [round(r["measurements"][top]["wall_s"] / r["measurements"][bottom]["wall_s"], 2)
                  for r in rounds if top in r["measurements"] and bottom in r["measurements"]]
        if not values:
            continue
        out[name] = {"value": round(statistics.median(values), 2), "rounds": values}
        if target:
            out[name]["target"] = target
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="repeat every measurement N times (median of ratios)")
    parser.add_argument("--no-reference", action="store_true", help="skip the plain scikit-learn reference")
    args = parser.parse_args()
    if not (data_dir() / "20newsgroups" / "train.csv.gz").is_file():
        sys.exit(f"20 Newsgroups not found under {data_dir()}: set SECNEWS_DATA")
    result: dict[str, Any] = {"machine": machine(), "rounds": [], "ratios": {}}
    for number in range(max(1, args.rounds)):
        print(f"round {number + 1}", flush=True)
        measurements: dict[str, Any] = {}
        result["rounds"].append({"measurements": measurements})

        def measured() -> None:
            result["ratios"] = ratios(result["rounds"])
            save(result)

        with tempfile.TemporaryDirectory(prefix="secnews-bench-sweeps-") as tmp:
            one_round(Path(tmp), not args.no_reference, measurements, measured)
    for name, row in result["ratios"].items():
        print(f"{name}: {row['value']}x per round {row['rounds']}"
              + (f" (target {row['target']})" if "target" in row else ""))


if __name__ == "__main__":
    main()
