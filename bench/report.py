"""Write BENCHMARKS.md from bench/results/*.json (written by `make bench`); every figure in it comes from there."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, ROOT  # noqa: E402
from bench.run import DATASETS, reads_so_far  # noqa: E402

METRIC_NAMES = {"accuracy": "accuracy", "macro_f1": "macro-F1", "micro_f1": "micro-F1", "samples_f1": "samples-F1",
                "subset_accuracy": "subset accuracy", "hamming_loss": "Hamming loss", "fnc_score_pct": "FNC score %"}

HOW = """\
## How these figures were made

- `make bench` runs `bench/run.py all` (then `bench/overhead.py`, then this report). Each model is a whole process:
  `secnews train <config> --json` — the CLI, with validation, tracking into an MLflow sqlite store, evaluation
  artifacts and model logging — and `bench/reference.py`, plain scikit-learn (TF-IDF(1,2), sublinear tf,
  min_df 2, max_df 0.5, + LinearSVC(C=1), one-vs-rest for multi-label), no secnews code, trained and tested on
  exactly the rows secnews uses (the harness prepares the split with secnews' data code and hands it over as
  Parquet). Fit time is vectorizing + fitting; predict throughput is test rows per second for vectorizing +
  predicting, measured inside each process; wall time and peak RSS are those of the whole process.
- Configs: `configs/bench/*.yaml` (data sections read `${SECNEWS_DATA:-../shared/data}`), `configs/stance/fnc1.yaml`
  for FNC-1, and `configs/topic/recommended.yaml` (the config users copy). When a bench config has the recommended
  features and model (`recommended: same`), one run stands for both.
- **Tuning used dev splits only.** `bench/tune.py` scores feature/model choices on a dev split carved from the
  *training* split by `features.data.dev_split`: 20% of the training rows (stratified by label; grouped by
  `doc_id` for IndiaPoliceEvents; random for Reuters' multi-label rows), seed 13. Its records are in
  `bench/results/dev/*.jsonl`; the comparison behind `nb_svm` (20 Newsgroups and Reuters bench configs) and the
  unweighted per-label SVMs is in `bench/results/dev/nbsvm.md`, which also used a 20 Newsgroups dev split by date
  (the last 20% of each group's article numbers). Multi-label thresholds are tuned inside the model on 3-fold
  out-of-fold scores of the training rows it is fit on. Nothing is fit on test text.
- **Test reads**: each model predicts each test split once per reported figure; the counts are in the table
  (`this run`) and in each JSON file. `bench/results/test_reads.jsonl` is the ledger of every evaluation on a test
  split ever made by `bench/run.py` (`ever`), including runs whose figures were replaced by a later run.
- Datasets (see each README under `$SECNEWS_DATA`): 20 Newsgroups bydate as given (headers kept); Reuters-21578
  ModApte restricted to the 90 categories with a training and a test document (`data.label_set`); ACLED Asia 2015
  with the case variant merged, the `Battle-*` types folded into `Battles`, the 2-row type dropped, a stratified
  20% test split, and the event-type names (and the word "battle") masked in the notes as they are read
  (`data.text_mask`) so no note quotes its label; IndiaPoliceEvents sentences, multi-label from the 0/1 columns
  (`data.label_columns`), sentences with no action kept (`data.unlabelled: keep`), 20% of the documents held out
  (grouped by `doc_id`); FNC-1 official train / competition test.
"""


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return str(value)


def dataset_section(result: dict[str, Any]) -> list[str]:
    ours, reference, recommended = result["secnews"], result["reference"], result.get("recommended")
    same = isinstance(recommended, dict) and "same_as" in recommended
    lines = [f"### {result['title']}", "",
             f"train {result['rows']['train']:,} / test {result['rows']['test']:,} rows; secnews config "
             f"`{ours['config']}`; test reads: "
             + ", ".join(f"{k} {v}" for k, v in result["test_reads"].items())
             + (" (same features and model as the recommended config; multi-label data keep their own "
                "`model.multi_label` section)" if same else "")
             + f". Measured {result['date']} in {result['duration_s'] / 60:.1f} min, commit {result.get('commit')}, "
             f"load average {result['machine']['load_average_1m_at_start']} at start (2 cores).", ""]
    header = "| | secnews | " + ("recommended | " if recommended and not same else "") + "plain reference | ratio |"
    lines += [header, "|---|" + "---:|" * (header.count("|") - 2)]
    for key, value in ours["metrics"].items():
        row = f"| {METRIC_NAMES.get(key, key)} | {_fmt(value)} | "
        if recommended and not same:
            row += f"{_fmt(recommended['metrics'].get(key))} | "
        row += f"{_fmt(reference['metrics'].get(key))} | {_fmt(result['ratios'].get(key), 3)} |"
        lines.append(row)
    for key, label in (("fit_time_s", "fit time (s)"), ("predict_rows_per_s", "predict (rows/s)"),
                       ("wall_s", "whole process wall (s)"), ("peak_rss_mb", "peak RSS (MB)")):
        row = f"| {label} | {_fmt(float(ours[key]), 1)} | "
        if recommended and not same:
            row += f"{_fmt(float(recommended[key]), 1)} | "
        row += f"{_fmt(float(reference[key]), 1)} | {_fmt(result['ratios'].get(key), 2)} |"
        lines.append(row)
    lines.append(f"| model file (MB) | {ours['model_size_mb']} | " + ("| " if recommended and not same else "")
                 + "– | |")
    if ours.get("dev_metrics"):
        lines += ["", "dev split (inside the same run): "
                  + ", ".join(f"{k.removeprefix('dev_')} {_fmt(v)}" for k, v in ours["dev_metrics"].items())]
    return [*lines, ""]


def overhead_section(data: dict[str, Any]) -> list[str]:
    large, small, predict = data["train_20ng"], data["train_small_acled"], data["predict_10k"]
    targets = data["targets"]

    def mark(key: str) -> str:
        return "not measured" if targets[key] is None else "met" if targets[key] else "**not met**"

    lines = [
        "## No tracking tax (bench/overhead.py)", "",
        f"Same model, same data, whole processes, median of {data['repeat']} runs each, on an existing MLflow store "
        f"(creating a new store took {data['store_creation_s']} s once). Measured {data['date']}, load average "
        f"{data['machine']['load_average_1m_at_start']} at start.", "",
        "| | secnews | plain script | ratio / difference | target |", "|---|---:|---:|---:|---|"]
    if large:
        lines += [
            f"| 20 Newsgroups train wall (s) | {large['secnews']['wall_s']} | {large['plain']['wall_s']} | "
            f"{large['wall_ratio']}x | <= 1.25x: {mark('train_20ng_wall_ratio<=1.25')} |",
            f"| in-run predict, 20 Newsgroups (rows/s) | {_fmt(large['secnews']['predict_rows_per_s'])} | "
            f"{_fmt(large['plain']['predict_rows_per_s'])} | {large['predict_throughput_ratio']}x | >= 0.9x |"]
    lines += [
        f"| ACLED (8.2k train) train wall (s) | {small['secnews']['wall_s']} | {small['plain']['wall_s']} | "
        f"+{small['fixed_cost_s']} s | <= +1.5 s: {mark('small_fixed_cost_s<=1.5')} |",
        *([f"| ACLED train wall vs the plain script with one BLAS thread (s) | {small['secnews']['wall_s']} | "
           f"{small['plain_one_blas_thread_wall_s']} | +{small['fixed_cost_vs_plain_one_blas_thread_s']} s | "
           "(what tracking, validation and artifacts cost: secnews fits sparse-input models with one BLAS "
           "thread) |"] if "plain_one_blas_thread_wall_s" in small else []),
        *([f"| ACLED train CPU, user + system (s) | {small['cpu_s']['secnews']} | {small['cpu_s']['plain']} | "
           f"+{round(small['cpu_s']['secnews'] - small['cpu_s']['plain'], 2)} s | (less sensitive to a busy machine) |"]
          if "cpu_s" in small else []),
        f"| in-run predict, ACLED (rows/s) | {_fmt(small['secnews']['predict_rows_per_s'])} | "
        f"{_fmt(small['plain']['predict_rows_per_s'])} | {small['predict_throughput_ratio']}x | >= 0.9x (both "
        f"datasets): {mark('in_run_predict_throughput_ratio>=0.9')} |",
        f"| `secnews predict`, {predict['rows']:,} rows (s) | {predict['secnews_wall_s']} | "
        f"{predict['plain_wall_s']} | {predict['wall_ratio']}x | <= 1.25x: {mark('predict_10k_wall_ratio<=1.25')} |",
        f"| `secnews predict -m models:/…`, same rows (s) | {predict['secnews_models_uri_wall_s']} | "
        f"{predict['plain_wall_s']} | {round(predict['secnews_models_uri_wall_s'] / predict['plain_wall_s'], 3)}x "
        "| (model read from the store) |", ""]
    same = [f"ACLED {_fmt(small['secnews']['accuracy'])} vs {_fmt(small['plain']['accuracy'])}"]
    if large:
        same.insert(0, f"20 Newsgroups {_fmt(large['secnews']['accuracy'])} vs {_fmt(large['plain']['accuracy'])}")
    lines += [f"Same accuracy both ways ({'; '.join(same)}); `secnews predict` and the script give the same labels: "
              f"{predict['same_labels']}.", ""]
    return lines


def render() -> str:
    results = [json.loads((RESULTS / f"{name}.json").read_text()) for name in DATASETS
               if (RESULTS / f"{name}.json").is_file()]
    suite = json.loads((RESULTS / "suite.json").read_text()) if (RESULTS / "suite.json").is_file() else None
    lines = ["# Benchmarks", "",
             "Generated by `bench/report.py` from `bench/results/*.json`, which `make bench` (or "
             "`make bench-<dataset>`, `make bench-overhead`) writes; do not edit by hand. Each section says when, "
             "at which commit and under which machine load it was measured.", ""]
    if results:
        machine = results[0]["machine"]
        lines += [f"Machine: {machine['cpu'] or machine['platform']}, {machine['cpus']} CPUs, "
                  f"{machine['memory_gb']} GB RAM, Python {machine['python']}; "
                  + ", ".join(f"{k} {v}" for k, v in results[0]["versions"].items())
                  + f". Commit {results[0].get('commit')}."]
        if suite:
            lines += [f"Suite: {suite['date']}, {suite['duration_s'] / 60:.1f} min for "
                      f"{len(suite['datasets'])} datasets (load average {suite['machine']['load_average_1m_at_start']}"
                      " at start)."]
        lines += ["", "| dataset | metric | secnews | recommended | plain reference | test reads (this run / ever) |",
                  "|---|---|---:|---:|---:|---:|"]
        for result in results:
            key = result["main_metric"]
            recommended = result.get("recommended") or {}
            rec = ("same" if "same_as" in recommended else _fmt(recommended.get("metrics", {}).get(key))
                   if recommended else "–")
            lines.append(f"| {result['title']} | {METRIC_NAMES[key]} | **{_fmt(result['secnews']['metrics'][key])}** "
                         f"| {rec} | {_fmt(result['reference']['metrics'][key])} | "
                         f"{sum(result['test_reads'].values())} / {reads_so_far(result['dataset'])} |")
        lines += ["", "## Per dataset", ""]
        for result in results:
            lines += dataset_section(result)
    missing = [spec["title"] for name, spec in DATASETS.items() if not (RESULTS / f"{name}.json").is_file()]
    if missing:
        lines += ["## Not measured yet", "", "No result file for: " + "; ".join(missing)
                  + ". Run `make bench` (or `make bench-<dataset>`) to measure them.", ""]
    overhead = RESULTS / "overhead.json"
    if overhead.is_file():
        lines += overhead_section(json.loads(overhead.read_text()))
    lines += [HOW]
    return "\n".join(lines)


def main() -> None:
    (ROOT / "BENCHMARKS.md").write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
