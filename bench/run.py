"""Benchmark secnews against plain scikit-learn on public datasets, each side as its own whole process.

    python bench/run.py 20ng reuters        # or `all`; `make bench` runs all, then writes BENCHMARKS.md

For each dataset: `secnews train <configs/bench/...> --json` (the CLI, so the same code path as a user's run,
with tracking, evaluation artifacts and model logging), the recommended config (configs/topic/recommended.yaml
with the dataset's data section) when the bench config differs from it, and bench/reference.py (TF-IDF(1,2) +
LinearSVC, no secnews code) trained and tested on exactly the rows secnews uses (the harness prepares the split
with secnews' own data code and hands it over as Parquet). Each model reads the test split once; the count is
recorded. Results go to bench/results/<dataset>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    BIN,
    RESULTS,
    ROOT,
    git_commit,
    init_store,
    machine,
    now,
    offline_env,
    run_measured,
    versions,
    write_json,
)

DATASETS: dict[str, dict[str, Any]] = {
    "20ng": {"config": "configs/bench/20ng.yaml", "title": "20 Newsgroups (bydate)", "main": "accuracy"},
    "reuters": {"config": "configs/bench/reuters.yaml", "title": "Reuters-21578 ModApte, 90 categories",
                "main": "micro_f1"},
    "acled": {"config": "configs/bench/acled.yaml", "title": "ACLED Asia 2015, event type from notes",
              "main": "macro_f1"},
    "india_police": {"config": "configs/bench/india_police.yaml", "title": "IndiaPoliceEvents, sentences",
                     "main": "micro_f1"},
    "fnc1": {"config": "configs/stance/fnc1.yaml", "title": "FNC-1 stance (competition test)",
             "main": "fnc_score_pct"},
}
# Not part of `all`: the recommended config on the embedded demo corpus, a one-minute check of the harness itself.
SMOKE = {"demo": {"config": "configs/topic/recommended.yaml", "title": "demo corpus (harness check)",
                  "main": "macro_f1"}}
RECOMMENDED = ROOT / "configs" / "topic" / "recommended.yaml"
TOPIC_TASKS = ("topic", "multilabel_topic")
MODEL_KEYS = ("name", "params", "class_weight", "calibrated", "calibration_ensemble")
LEDGER = RESULTS / "test_reads.jsonl"
HEADLINE = ("accuracy", "macro_f1", "micro_f1", "samples_f1", "subset_accuracy", "hamming_loss", "fnc_score_pct")


def _model_part(raw: dict[str, Any]) -> dict[str, Any]:
    """What makes two configs the same model: features and the model's name, parameters and class weights."""
    model = raw.get("model") or {}
    return {"features": raw.get("features"), "model": {k: model.get(k) for k in MODEL_KEYS}}


def recommended_variant(config_path: Path, folder: Path) -> Path | None:
    """The recommended config with this dataset's data section, or None when the bench config already is it."""
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    if raw.get("task", "topic") != "topic":
        return None
    recommended = yaml.safe_load(RECOMMENDED.read_text(encoding="utf-8"))
    if _model_part(raw) == _model_part(recommended):
        return None
    merged = {**recommended, "data": raw["data"], "seed": raw.get("seed", recommended.get("seed")),
              "experiment": f"{raw.get('experiment', config_path.stem)}-recommended"}
    merged.setdefault("model", {})["multi_label"] = (raw.get("model") or {}).get("multi_label", {})
    path = folder / f"{config_path.stem}-recommended.yaml"
    path.write_text(yaml.safe_dump(merged, sort_keys=False), encoding="utf-8")
    return path


def write_split(config_path: Path, folder: Path, env: dict[str, str]) -> dict[str, Any]:
    """Prepare the split exactly as `secnews train` does and write it as Parquet for the reference."""
    import os

    os.environ.update({k: v for k, v in env.items() if k.startswith(("HF_", "SECNEWS_"))})
    from features.data import prepare, read_raw
    from train.config import load_config

    config = load_config(config_path)
    data = prepare(config.data, config.task_component, config.seed, read_raw(config.data, config.task_component))
    columns = [*data.text_columns, data.label_column]
    for split in ("train", "test"):
        getattr(data, split)[columns].to_parquet(folder / f"{split}.parquet", index=False)
    return {"text_columns": data.text_columns, "label_column": data.label_column, "multi_label": data.multi_label,
            "task": config.task, "rows": {"train": len(data.train), "test": len(data.test)},
            "test_digest": data.digests["test"]}


def _secnews(config: Path, env: dict[str, str]) -> dict[str, Any]:
    measured = run_measured([str(BIN / "secnews"), "train", str(config), "--json"], env)
    result = measured.last_json()
    metrics = result["metrics"]
    return {"config": str(config.relative_to(ROOT)) if config.is_relative_to(ROOT) else config.name,
            "metrics": {k: metrics[k] for k in HEADLINE if k in metrics},
            "dev_metrics": {k: v for k, v in metrics.items() if k.startswith("dev_") and k.endswith(("f1", "pct"))},
            "fit_time_s": metrics.get("fit_time_s"), "predict_rows_per_s": metrics.get("predict_rows_per_s"),
            "model_size_mb": round(metrics.get("model_size_bytes", 0) / 1e6, 1), "wall_s": round(measured.wall_s, 1),
            "peak_rss_mb": round(measured.peak_rss_mb), "run_id": result["run_id"]}


def _reference(folder: Path, split: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    command = [str(BIN / "python"), str(ROOT / "bench" / "reference.py"), str(folder / "train.parquet"),
               str(folder / "test.parquet"), "--label", split["label_column"]]
    for column in split["text_columns"]:
        command += ["--text", column]
    command += ["--multi-label"] if split["multi_label"] else []
    command += ["--fnc"] if split["task"] == "stance" else []
    measured = run_measured(command, env)
    result = measured.last_json()
    return {"model": "TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_df=0.5) + LinearSVC(C=1)"
                     + (" one-vs-rest" if split["multi_label"] else ""),
            "metrics": result["metrics"], "fit_time_s": result["fit_time_s"],
            "predict_rows_per_s": result["predict_rows_per_s"], "wall_s": round(measured.wall_s, 1),
            "peak_rss_mb": round(measured.peak_rss_mb)}


def _ratios(ours: dict[str, Any], reference: dict[str, Any]) -> dict[str, float]:
    out = {f"{k}": round(v / reference["metrics"][k], 4) for k, v in ours["metrics"].items()
           if reference["metrics"].get(k)}
    for key in ("fit_time_s", "predict_rows_per_s", "wall_s", "peak_rss_mb"):
        if ours.get(key) and reference.get(key):
            out[key] = round(ours[key] / reference[key], 3)
    return out


def bench_dataset(name: str, store: Path) -> dict[str, Any]:
    """Run secnews, the recommended config (when different) and the reference on one dataset."""
    spec = {**DATASETS, **SMOKE}[name]
    config = ROOT / spec["config"]
    env = offline_env(store)
    started, start = now(), time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"secnews-bench-{name}-") as tmp:
        folder = Path(tmp)
        split = write_split(config, folder, env)
        print(f"[{name}] train {split['rows']['train']} / test {split['rows']['test']} rows", flush=True)
        ours = _secnews(config, env)
        print(f"[{name}] secnews   {ours['metrics']}  wall {ours['wall_s']} s", flush=True)
        test_reads = {"secnews": 1}
        variant = recommended_variant(config, folder)
        recommended = None
        if variant is not None:
            recommended = _secnews(variant, env)
            recommended["config"] = "configs/topic/recommended.yaml (+ this dataset's data section)"
            test_reads["recommended"] = 1
            print(f"[{name}] recommended {recommended['metrics']}", flush=True)
        reference = _reference(folder, split, env)
        test_reads["reference"] = 1
        print(f"[{name}] reference {reference['metrics']}  wall {reference['wall_s']} s", flush=True)
    result = {
        "dataset": name, "title": spec["title"], "main_metric": spec["main"], "date": started,
        "duration_s": round(time.perf_counter() - start, 1), "machine": machine(), "versions": versions(),
        "commit": git_commit(), "rows": split["rows"], "test_digest": split["test_digest"],
        "test_reads": test_reads, "secnews": ours,
        # multi-label topic configs are topic configs too (their task reads "multilabel_topic")
        "recommended": (recommended or {"same_as": ours["config"]}) if split["task"] in TOPIC_TASKS else None,
        "reference": reference, "ratios": _ratios(ours, reference),
    }
    if recommended:
        result["recommended_ratios"] = _ratios(recommended, reference)
    write_json(RESULTS / f"{name}.json", result)
    record_reads(name, started, test_reads, result["commit"])
    return result


def record_reads(name: str, date: str, reads: dict[str, int], commit: str | None) -> None:
    """Append to the ledger of test-split reads: every evaluation on a test split, whether reported or not."""
    LEDGER.parent.mkdir(parents=True, exist_ok=True)
    with LEDGER.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"dataset": name, "date": date, "reads": reads, "commit": commit}) + "\n")


def reads_so_far(name: str) -> int:
    """How many times any model was evaluated on this dataset's test split, according to the ledger."""
    if not LEDGER.is_file():
        return 0
    rows = [json.loads(line) for line in LEDGER.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sum(sum(row["reads"].values()) for row in rows if row["dataset"] == name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("datasets", nargs="+", help=f"all, or some of: {', '.join([*DATASETS, *SMOKE])}")
    args = parser.parse_args()
    names = list(DATASETS) if args.datasets == ["all"] else args.datasets
    unknown = [n for n in names if n not in DATASETS and n not in SMOKE]
    if unknown:
        parser.error(f"unknown dataset {', '.join(unknown)}; valid: all, {', '.join(DATASETS)}")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="secnews-bench-store-") as tmp:
        store = Path(tmp) / "mlflow.db"
        store_s = init_store(store)
        durations = {name: bench_dataset(name, store)["duration_s"] for name in names}
    if args.datasets == ["all"]:
        write_json(RESULTS / "suite.json", {"date": now(), "duration_s": round(time.perf_counter() - start, 1),
                                            "datasets": durations, "store_creation_s": round(store_s, 2),
                                            "machine": machine(), "commit": git_commit()})


if __name__ == "__main__":
    main()
