"""References for bench/scale.py on the same shards, each run in its own process so its memory is its own:

- `sklearn`: every training row in memory, HashingVectorizer(word 1-2-grams) + TF-IDF + SGDClassifier.fit
  (the plain scikit-learn in-memory hashing model);
- `vw`: Vowpal Wabbit, one pass, `--oaa K --ngram 2 -b BITS`, on the same tokens (lowercased runs of 2+ word
  characters, written once to VW's text format; the conversion is timed apart from learning).

Prints one JSON object (accuracy, macro-F1, timings) as its last line.
"""

from __future__ import annotations

import argparse
import glob
import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score

TOKEN = re.compile(r"(?u)\b\w\w+\b")


def read(shards: Path, prefix: str) -> pd.DataFrame:
    files = sorted(glob.glob(str(shards / f"{prefix}-*.jsonl")))
    return pd.concat([pd.read_json(f, lines=True, dtype={"id": str, "label": str}) for f in files],
                     ignore_index=True)


def scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    return {"accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
            "macro_f1": round(float(f1_score(y_true, y_pred, average="macro")), 4)}


def run_sklearn(shards: Path, bits: int) -> dict[str, float]:
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import make_pipeline

    train, test = read(shards, "train"), read(shards, "test")
    model = make_pipeline(HashingVectorizer(ngram_range=(1, 2), n_features=2**bits, alternate_sign=False, norm=None),
                          TfidfTransformer(sublinear_tf=True), SGDClassifier(alpha=2e-6, random_state=13))
    start = time.perf_counter()
    model.fit(train["text"], train["label"])
    fit = time.perf_counter() - start
    return {**scores(test["label"].to_numpy(), model.predict(test["text"])), "fit_time_s": round(fit, 1)}


def vw_lines(frame: pd.DataFrame, index: dict[str, int]) -> list[str]:
    return [f"{index[label]} | {' '.join(TOKEN.findall(text.lower()))}\n"
            for text, label in zip(frame["text"], frame["label"], strict=True)]


def write_vw(shards: Path, prefix: str, path: Path, index: dict[str, int]) -> int:
    """Convert shards to VW's text format one shard at a time (1M documents do not fit in memory twice)."""
    rows = 0
    with path.open("w", encoding="utf-8") as handle:
        for file in sorted(glob.glob(str(shards / f"{prefix}-*.jsonl"))):
            frame = pd.read_json(file, lines=True, dtype={"id": str, "label": str})
            handle.writelines(vw_lines(frame, index))
            rows += len(frame)
    return rows


def run_vw(shards: Path, out: Path, bits: int) -> dict[str, float]:
    from vowpalwabbit import Workspace

    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    test = read(shards, "test")
    classes = sorted(test["label"].unique())  # every newsgroup has test posts; VW's --oaa needs K up front
    index = {label: i + 1 for i, label in enumerate(classes)}
    train_rows = write_vw(shards, "train", out / "train.vw", index)
    write_vw(shards, "test", out / "test.vw", index)
    prep = time.perf_counter() - start
    start = time.perf_counter()
    learner = Workspace(f"--oaa {len(classes)} --ngram 2 -b {bits} --quiet -d {out / 'train.vw'} "
                        f"-f {out / 'model.vw'}")
    learner.run_parser()
    learner.finish()
    learn = time.perf_counter() - start
    tester = Workspace(f"-t -i {out / 'model.vw'} -d {out / 'test.vw'} -p {out / 'predictions.txt'} --quiet")
    tester.run_parser()
    tester.finish()
    predicted = [classes[int(float(line.split()[0])) - 1] for line in (out / "predictions.txt").read_text().split("\n")
                 if line.strip()]
    for name in ("train.vw", "test.vw"):
        (out / name).unlink()
    return {**scores(test["label"].to_numpy(), np.asarray(predicted)), "prep_s": round(prep, 1),
            "learn_s": round(learn, 1), "learn_docs_per_s": round(train_rows / learn)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=["sklearn", "vw"])
    parser.add_argument("shards", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="scratch folder (VW files)")
    parser.add_argument("--n-features-bits", type=int, default=18)
    args = parser.parse_args()
    if args.kind == "sklearn":
        result = run_sklearn(args.shards, args.n_features_bits)
    else:
        result = run_vw(args.shards, args.out, args.n_features_bits)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
