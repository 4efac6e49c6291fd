"""Transfer check: does the default demo topic model carry over to real-world headlines it has never seen?

Trains a topic config (default `configs/topic/demo.yaml`) through the same code path as `secnews train`
(`train.runner.run_training`, against a throw-away MLflow sqlite store), loads the logged model like
`secnews predict` does, and scores `tests/data/transfer_headlines.csv` (id, text, topic). The headlines are
never used for training or tuning; this script only reads them to report figures.

Reported per run: transfer accuracy, mean top-1 probability, per-topic accuracy, the demo test-split metrics of
the same run, and the wall-clock time of `run_training`. Results are merged into `bench/results/transfer.json`
under `--label` (e.g. `before`, `after`), so one file holds both sides of a corpus change.

    python bench/transfer.py --label after
    python bench/transfer.py --label before --corpus-rev a1294e9   # demo corpus as of a git revision
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from features import loading  # noqa: E402
from train.config import load_config  # noqa: E402
from train.predict import load_model  # noqa: E402
from train.runner import run_training  # noqa: E402

HEADLINES = ROOT / "tests" / "data" / "transfer_headlines.csv"
RESULTS = ROOT / "bench" / "results" / "transfer.json"
TEST_METRICS = ("accuracy", "macro_f1", "micro_f1", "samples_f1", "subset_accuracy")


def demo_files_at(revision: str, folder: Path) -> Path:
    """Write data/demo/{articles,stance}.jsonl as of a git revision into `folder` (for a BEFORE measurement)."""
    for name in ("articles.jsonl", "stance.jsonl"):
        text = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:data/demo/{name}"],
                              check=True, capture_output=True, text=True).stdout
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def score_headlines(model: object, headlines: pd.DataFrame) -> dict[str, object]:
    """Accuracy and mean top-1 probability of a single-label topic model on the headline texts."""
    table = model.predict_table(headlines[["text"]])
    right = table["label"].astype(str).to_numpy() == headlines["topic"].to_numpy()
    per_topic = pd.Series(right).groupby(headlines["topic"].to_numpy()).mean()
    wrong = headlines.loc[~right, ["id", "topic"]].assign(predicted=table.loc[~right, "label"].to_numpy(),
                                                          probability=table.loc[~right, "probability"].round(3))
    return {
        "accuracy": round(float(right.mean()), 4),
        "mean_top1_probability": round(float(table["probability"].mean()), 4),
        "share_top1_at_least_0.5": round(float((table["probability"] >= 0.5).mean()), 4),
        "per_topic_accuracy": {k: round(float(v), 3) for k, v in per_topic.items()},
        "errors": wrong.to_dict(orient="records"),
    }


def measure(config_path: Path, headlines_path: Path, overrides: list[str]) -> dict[str, object]:
    """Train the config on the current demo corpus into a temporary store and score the headlines."""
    headlines = pd.read_csv(headlines_path, dtype=str)
    with tempfile.TemporaryDirectory() as tmp:
        uri = f"sqlite:///{Path(tmp) / 'mlflow.db'}"
        config = load_config(config_path, [*overrides, f"tracking.uri={uri}"])
        if config.data.multi_label:
            raise SystemExit(f"{config_path}: the transfer check scores single-label topic models only")
        start = time.perf_counter()
        result = run_training(config)
        seconds = time.perf_counter() - start
        model = load_model(result.model_uri, uri)
        scored = score_headlines(model, headlines)
    return {
        "config": str(config_path.relative_to(ROOT) if config_path.is_relative_to(ROOT) else config_path),
        "overrides": overrides,
        "headlines": len(headlines),
        **scored,
        "demo_test": {k: round(v, 4) for k, v in result.metrics.items() if k in TEST_METRICS},
        "demo_rows": {"train": int(result.metrics["train_rows"]), "test": int(result.metrics["test_rows"])},
        "run_training_seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "topic" / "demo.yaml")
    parser.add_argument("--headlines", type=Path, default=HEADLINES)
    parser.add_argument("--label", default="after", help="key under which results are stored (before/after)")
    parser.add_argument("--corpus-rev", help="git revision whose data/demo files to train on (default: working tree)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="config override, repeatable")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        if args.corpus_rev:
            loading.DEMO_DIR = demo_files_at(args.corpus_rev, Path(tmp))
        figures = measure(args.config.resolve(), args.headlines, args.overrides)
    figures["corpus"] = f"git {args.corpus_rev}" if args.corpus_rev else "working tree"
    figures["machine"] = f"{platform.machine()}, {platform.python_version()}, shared machine (timings noisy)"

    results = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    results[args.label] = figures
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{args.label}: transfer accuracy {figures['accuracy']:.3f}, mean top-1 probability "
          f"{figures['mean_top1_probability']:.3f} on {figures['headlines']} headlines; demo test "
          f"{figures['demo_test']}; run_training {figures['run_training_seconds']} s -> {args.out}")


if __name__ == "__main__":
    main()
