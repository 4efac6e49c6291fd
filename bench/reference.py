"""The plain scikit-learn reference: TF-IDF(1,2) + LinearSVC, no secnews code. Run by bench/run.py on the very
rows secnews trains and tests on (written as Parquet by the harness), in its own process.

    python bench/reference.py TRAIN.parquet TEST.parquet --text title --text body --label topics [--multi-label]

Prints one JSON object: task metrics, fit time, predict throughput (rows/s).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score, hamming_loss
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

FNC_RELATED = {"agree", "disagree", "discuss"}


def fnc_score_pct(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The FNC-1 score as % of the maximum (scorer.py of the competition, restated)."""
    true_related = np.isin(y_true, list(FNC_RELATED))
    pred_related = np.isin(y_pred, list(FNC_RELATED))
    score = 0.25 * ((true_related == pred_related).sum()) + 0.75 * (true_related & (y_true == y_pred)).sum()
    best = 0.25 * (~true_related).sum() + true_related.sum()
    return float(100 * score / best)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("train")
    parser.add_argument("test")
    parser.add_argument("--text", action="append", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--multi-label", action="store_true")
    parser.add_argument("--fnc", action="store_true", help="also report the FNC-1 score")
    args = parser.parse_args()
    train, test = pd.read_parquet(args.train), pd.read_parquet(args.test)
    X_train = train[args.text].fillna("").agg("\n".join, axis=1)
    X_test = test[args.text].fillna("").agg("\n".join, axis=1)

    # The reference: a dozen lines of scikit-learn.
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_df=0.5)
    if args.multi_label:
        binarizer = MultiLabelBinarizer()
        y_train = binarizer.fit_transform(train[args.label].map(list))
        y_test = binarizer.transform(test[args.label].map(list))
        pipeline = make_pipeline(vectorizer, OneVsRestClassifier(LinearSVC(C=1.0)))
    else:
        y_train, y_test = train[args.label].to_numpy(), test[args.label].to_numpy()
        pipeline = make_pipeline(vectorizer, LinearSVC(C=1.0))
    start = time.perf_counter()
    pipeline.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    y_pred = pipeline.predict(X_test)
    predict_s = time.perf_counter() - start

    if args.multi_label:
        metrics = {"micro_f1": f1_score(y_test, y_pred, average="micro", zero_division=0),
                   "macro_f1": f1_score(y_test, y_pred, average="macro", zero_division=0),
                   "samples_f1": f1_score(y_test, y_pred, average="samples", zero_division=1.0),
                   "subset_accuracy": accuracy_score(y_test, y_pred), "hamming_loss": hamming_loss(y_test, y_pred)}
    else:
        labels = sorted(set(y_train))
        metrics = {"accuracy": accuracy_score(y_test, y_pred),
                   "macro_f1": f1_score(y_test, y_pred, labels=labels, average="macro", zero_division=0)}
        if args.fnc:
            metrics["fnc_score_pct"] = fnc_score_pct(y_test, y_pred)
    print(json.dumps({"metrics": {k: float(v) for k, v in metrics.items()}, "fit_time_s": fit_s,
                      "predict_rows_per_s": len(X_test) / predict_s, "train_rows": len(train),
                      "test_rows": len(test)}))


if __name__ == "__main__":
    main()
