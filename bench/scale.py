"""Synthetic-scale benchmark: streaming training at N = 100k, 300k, 1M documents, against the in-memory path,
a plain scikit-learn reference and Vowpal Wabbit on the same shards.

Each measurement runs in its own process (the real `secnews train` CLI, or a small VW/scikit-learn script) while
this script samples the resident memory of that process and all its children (joblib workers) every 0.2 s.
Documents/s is end to end: N / wall time of the whole command (start-up, scan, fit, evaluation, logging).

    python bench/scale.py --sizes 100000 300000 1000000 --scratch /tmp/secnews-scale
    make bench-scale                      # the same, with the defaults below

Results: bench/results/scale.json and bench/results/scale.md (a BENCHMARKS.md section).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from scale_data import generate  # noqa: E402

CONFIG = ROOT / "configs" / "topic" / "streaming.yaml"
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
SECNEWS = str(Path(PYTHON).parent / "secnews")


def measure(command: list[str], env: dict[str, str] | None = None, timeout: float = 7200) -> dict[str, Any]:
    """Run a command; return its wall time, peak RSS of its process tree, exit code and last stdout line."""
    import psutil

    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})}, cwd=ROOT)
    watched, peak, cpu = psutil.Process(process.pid), 0, {}
    while process.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            for p in tree:  # the last reading of each process' CPU seconds (workers exit before the parent)
                times = p.cpu_times()
                cpu[p.pid] = times.user + times.system
        except psutil.Error:
            pass
        if time.perf_counter() - start > timeout:
            process.kill()
        time.sleep(0.2)
    out, err = process.communicate()
    lines = [line for line in out.splitlines() if line.strip()]
    return {"seconds": round(time.perf_counter() - start, 1), "peak_rss_gb": round(peak / 1e9, 3),
            "cpu_s": round(sum(cpu.values()), 1),
            "code": process.returncode, "last_line": lines[-1] if lines else "", "stderr_tail": err[-600:]}


def secnews_train(shards: Path, store: Path, overrides: list[str]) -> dict[str, Any]:
    """`secnews train configs/topic/streaming.yaml --json` on the shards, with overrides."""
    sets = [arg for override in overrides for arg in ("--set", override)]
    env = {"SECNEWS_SHARDS": str(shards), "MLFLOW_TRACKING_URI": f"sqlite:///{store}",
           "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_DATASETS_CACHE": str(store.parent / "hf-cache")}
    result = measure([SECNEWS, "train", str(CONFIG), "--json", *sets], env)
    if result["code"] != 0:
        return {**result, "error": result["stderr_tail"]}
    metrics = json.loads(result["last_line"])["metrics"]
    return {**result, "accuracy": round(metrics["accuracy"], 4), "macro_f1": round(metrics["macro_f1"], 4),
            "fit_time_s": round(metrics["fit_time_s"], 1)}


def reference_script(kind: str, shards: Path, out: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Run bench/scale_reference.py (plain scikit-learn or Vowpal Wabbit) in its own process."""
    command = [PYTHON, str(ROOT / "bench" / "scale_reference.py"), kind, str(shards), "--out", str(out),
               "--n-features-bits", str(args.bits)]
    result = measure(command)
    if result["code"] != 0:
        return {**result, "error": result["stderr_tail"]}
    return {**result, **json.loads(result["last_line"])}


def run_size(n: int, args: argparse.Namespace) -> list[dict[str, Any]]:
    shards = args.scratch / f"n{n}"
    manifest = generate(n, shards, seed=args.seed)
    store = args.scratch / "mlflow.db"
    base = [f"features[0].n_features={2 ** args.bits}", f"model.name={args.model}",
            f"training.epochs={args.epochs}", f"training.chunk_rows={args.chunk_rows}", "tracking.log_model=false"]
    rows = []

    def record(path: str, result: dict[str, Any]) -> None:
        row = {"n": n, "path": path, **result}
        row["docs_per_s"] = round(n / result["seconds"]) if result.get("code") == 0 else None
        row["docs_per_cpu_s"] = round(n / result["cpu_s"]) if result.get("code") == 0 and result["cpu_s"] else None
        row.pop("last_line", None)
        if not row.get("error"):
            row.pop("stderr_tail", None)
        rows.append(row)
        print(json.dumps(row), flush=True)

    record(f"streaming ({args.model}, {args.epochs} epoch(s), local joblib)", secnews_train(shards, store, base))
    if n <= args.in_memory_max:
        record(f"in memory, same features and model ({args.model})",
               secnews_train(shards, store, [*base, "training.streaming=false"]))
        record("plain scikit-learn: HashingVectorizer(1,2) + SGDClassifier.fit",
               reference_script("sklearn", shards, args.scratch / f"ref-{n}", args))
    if not args.no_vw:
        record("Vowpal Wabbit --oaa --ngram 2 (1 pass)", reference_script("vw", shards, args.scratch / f"vw-{n}", args))
    for row in rows:
        row["mean_doc_bytes"] = manifest["mean_doc_bytes"]
        row["test_docs"] = manifest["test_docs"]
    return rows


def markdown(rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    """The BENCHMARKS.md section: a table per size and ratios to the streaming path."""
    lines = ["## Scale: streaming training on synthetic 20 Newsgroups shards", "",
             f"Measured {meta['date']} on {meta['machine']} ({meta['cores']} cores); `{meta['command']}`.",
             "Shards: 20 Newsgroups training posts resampled with replacement, sentences partly shuffled, 10% of "
             "words dropped (labels kept); test: every 20 Newsgroups test post once, perturbed the same way. "
             "Documents/s = N / wall time of the whole command; CPU s = user + system seconds of the process and its "
             "workers (steadier than wall time on a busy machine); peak RSS = the process and its workers, summed.",
             f"Load average at start/end: {meta['load_average_at_start']} / {meta.get('load_average_at_end')}.", ""]
    for n in sorted({r["n"] for r in rows}):
        group = [r for r in rows if r["n"] == n]
        stream = group[0]
        lines += [f"### N = {n:,} training documents (mean {stream['mean_doc_bytes']:,} bytes; "
                  f"test {stream['test_docs']:,})", "",
                  "| path | docs/s | wall s | CPU s | docs per CPU s | peak RSS GB | accuracy | macro-F1 | "
                  "docs/s vs streaming |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in group:
            if r.get("error"):
                lines.append(f"| {r['path']} | failed: {r['error'].strip().splitlines()[-1][:80]} | | | | | | | |")
                continue
            ratio = f"{r['docs_per_s'] / stream['docs_per_s']:.2f}×" if stream.get("docs_per_s") else "-"
            lines.append(f"| {r['path']} | {r['docs_per_s']:,} | {r['seconds']} | {r['cpu_s']} | "
                         f"{r['docs_per_cpu_s']:,} | {r['peak_rss_gb']} | {r.get('accuracy', '-')} | "
                         f"{r.get('macro_f1', '-')} | {ratio} |")
        lines.append("")
    return "\n".join(lines + target_section(rows) + featurizer_section())


def target_section(rows: list[dict[str, Any]]) -> list[str]:
    """Issue 12's targets, checked against the measured rows (a target without its measurement says so)."""
    def find(n: int, prefix: str) -> dict[str, Any] | None:
        return next((r for r in rows if r["n"] == n and r["path"].startswith(prefix) and not r.get("error")), None)

    lines = ["### Targets (issue 12)", ""]
    big = find(1_000_000, "streaming")
    if big:
        lines.append(f"- 1,000,000 documents by streaming: peak RSS {big['peak_rss_gb']} GB (target ≤ 3 GB: "
                     f"{'met' if big['peak_rss_gb'] <= 3 else 'missed'}), {big['docs_per_s']:,} docs/s end to end "
                     f"(target ≥ 5,000 on 2 cores: {'met' if big['docs_per_s'] >= 5000 else 'missed'} on this run).")
    else:
        lines.append("- 1,000,000 documents by streaming: not measured in this run.")
    for n in sorted({r["n"] for r in rows}):
        stream, vw, plain = find(n, "streaming"), find(n, "Vowpal"), find(n, "plain scikit-learn")
        if stream and vw:
            verdict = "met" if stream["accuracy"] >= vw["accuracy"] else "missed"
            lines.append(f"- N = {n:,}: accuracy {stream['accuracy']} vs Vowpal Wabbit {vw['accuracy']} "
                         f"(target ≥ VW: {verdict}).")
        if stream and plain:
            gap = round(100 * (plain["accuracy"] - stream["accuracy"]), 2)
            lines.append(f"- N = {n:,}: {gap} points below the in-memory scikit-learn hashing model "
                         f"({plain['accuracy']}; target within 2 points: {'met' if gap <= 2 else 'missed'}).")
    return [*lines, ""]


def featurizer_section() -> list[str]:
    """The featurizer candidates table, from bench/scale_featurizers.py's last results (when present)."""
    path = RESULTS / "scale_featurizers.json"
    if not path.is_file():
        return []
    data = json.loads(path.read_text())
    meta = data["meta"]
    lines = [f"### Featurizer candidates (word 1-2-grams, 2^18 columns, {meta['docs']:,} 20 Newsgroups posts of "
             f"{meta['mean_chars']:,} characters on average; load average {meta['load_average'][0]:.1f})", "",
             "| candidate | docs per CPU s (1 core) | docs per wall s | nnz/doc | identical to serial |",
             "|---|---:|---:|---:|---|"]
    for r in data["results"]:
        lines.append(f"| {r['candidate']} | {r.get('docs_per_cpu_s', '-')} | {r['docs_per_wall_s']} | "
                     f"{r.get('nnz_per_doc', '-')} | {r.get('identical_to_serial', '-')} |")
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--scratch", type=Path, default=Path(os.environ.get("SECNEWS_SCRATCH", "/tmp/secnews-scale")))
    parser.add_argument("--model", default="complement_nb", help="registered model with partial_fit")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--chunk-rows", type=int, default=10_000)
    parser.add_argument("--bits", type=int, default=18, help="hashed features = 2**bits (same for VW's -b)")
    parser.add_argument("--in-memory-max", type=int, default=100_000, help="largest N for the in-memory paths")
    parser.add_argument("--no-vw", action="store_true", help="skip Vowpal Wabbit")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--tag", default="", help="suffix of the result files (scale<tag>.json / .md)")
    args = parser.parse_args()
    if ROOT in args.scratch.resolve().parents or args.scratch.resolve() == ROOT:
        raise SystemExit("error: --scratch must be outside the repository (the shards are large)")
    meta = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": platform.platform(),
            "cores": len(os.sched_getaffinity(0)), "command": " ".join(["python bench/scale.py", *sys.argv[1:]]),
            "load_average_at_start": os.getloadavg()}
    rows = [row for n in args.sizes for row in run_size(n, args)]
    meta["load_average_at_end"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"scale{args.tag}.json").write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")
    (RESULTS / f"scale{args.tag}.md").write_text(markdown(rows, meta) + "\n")
    print(markdown(rows, meta))


if __name__ == "__main__":
    main()
