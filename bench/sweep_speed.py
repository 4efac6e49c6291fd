"""Sweep speed on 20 Newsgroups ($SECNEWS_DATA): an 8-trial sweep with --jobs 2 vs --jobs 1, and a model-only
sweep with a warm feature cache vs without one. Each sweep runs as its own `secnews sweep --json` process against
a fresh MLflow store; a plain scikit-learn loop over the same trials (no MLflow, no validation, no reports) is the
reference. Writes bench/results/sweeps.json and bench/results/sweeps.md.

Targets (issue 10): jobs 2 vs 1 >= 1.6x; warm cache vs no cache >= 3x. Run it on a quiet machine:
    make bench-sweeps            (or: .venv/bin/python bench/sweep_speed.py [--no-reference])
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
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
    m = result["measurements"]
    lines = [
        "# Sweep speed (20 Newsgroups)", "",
        f"Measured {result['machine']['date']} on {result['machine']['cpus']} CPUs, load average at start "
        f"{result['machine']['load_average_at_start']}. Each sweep is one `secnews sweep --json` process against a "
        "fresh MLflow sqlite store; wall time includes process start, data loading and validation in every trial, "
        "MLflow logging and the reports.", "",
        "| measurement | wall (s) | trials |", "|---|---:|---:|",
    ]
    for name, row in m.items():
        lines.append(f"| {name} | {row['wall_s']} | {row['trials']} |")
    lines += ["", "| ratio | value | target |", "|---|---:|---:|"]
    for name, row in result["ratios"].items():
        lines.append(f"| {name} | {row['value']}x | {row.get('target', '-')} |")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-reference", action="store_true", help="skip the plain scikit-learn reference")
    args = parser.parse_args()
    if not (data_dir() / "20newsgroups" / "train.csv.gz").is_file():
        sys.exit(f"20 Newsgroups not found under {data_dir()}: set SECNEWS_DATA")
    result: dict[str, Any] = {"machine": machine(), "measurements": {}, "ratios": {}}
    m = result["measurements"]
    with tempfile.TemporaryDirectory(prefix="secnews-bench-sweeps-") as tmp:
        root = Path(tmp)
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
            save(result)  # what is measured so far survives an interrupted run
    if not args.no_reference:
        for jobs in (1, 2):
            m[f"sklearn reference jobs={jobs}"] = reference(EIGHT, jobs)
            print(f"sklearn reference jobs={jobs} {m[f'sklearn reference jobs={jobs}']['wall_s']:8.1f} s", flush=True)
    ratios = result["ratios"]
    ratios["jobs 2 vs 1 (8 trials)"] = {
        "value": round(m["8 trials jobs=1"]["wall_s"] / m["8 trials jobs=2"]["wall_s"], 2), "target": ">= 1.6x"}
    ratios["warm cache vs no cache (model-only)"] = {
        "value": round(m["model-only no cache"]["wall_s"] / m["model-only warm cache"]["wall_s"], 2), "target": ">= 3x"}
    ratios["warm vs cold cache (model-only)"] = {
        "value": round(m["model-only cold cache"]["wall_s"] / m["model-only warm cache"]["wall_s"], 2)}
    if not args.no_reference:
        ref1, ref2 = m["sklearn reference jobs=1"]["wall_s"], m["sklearn reference jobs=2"]["wall_s"]
        ratios["sklearn reference jobs 2 vs 1"] = {"value": round(ref1 / ref2, 2)}
        ratios["secnews jobs=1 vs sklearn reference jobs=1 (overhead)"] = {
            "value": round(m["8 trials jobs=1"]["wall_s"] / ref1, 2)}
    save(result)
    for name, row in ratios.items():
        print(f"{name}: {row['value']}x" + (f" (target {row['target']})" if "target" in row else ""))


if __name__ == "__main__":
    main()
