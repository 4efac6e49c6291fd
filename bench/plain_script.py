"""What a user would write without secnews, for bench/overhead.py: plain pandas + scikit-learn, no secnews code.

    python bench/plain_script.py train 20ng|acled DATA_DIR      fit, predict the test split, print metrics as JSON
    python bench/plain_script.py predict MODEL.skops INPUT.csv OUTPUT.jsonl TEXT_COLUMN
"""

from __future__ import annotations

import json
import sys
import time

START = time.perf_counter()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def load_20ng(data: str) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    train = pd.read_csv(f"{data}/20newsgroups/train.csv.gz", keep_default_na=False)
    test = pd.read_csv(f"{data}/20newsgroups/test.csv", keep_default_na=False)
    return train["text"], train["label"], test["text"], test["label"]


def load_acled(data: str) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    from sklearn.model_selection import train_test_split

    frame = pd.read_csv(f"{data}/acled_asia_2015/acled_asia_2015.csv")
    labels = frame["EVENT_TYPE"].str.strip().replace({"Violence Against Civilians": "Violence against civilians"})
    labels = labels.where(~labels.str.startswith("Battle-"), "Battles")
    keep = labels.isin(["Riots/Protests", "Battles", "Violence against civilians", "Remote violence",
                        "Strategic development"])
    texts, labels = frame.loc[keep, "NOTES"].reset_index(drop=True), labels[keep].reset_index(drop=True)
    kept, held = train_test_split(np.arange(len(texts)), test_size=0.2, random_state=13, stratify=labels)
    return texts[kept], labels[kept], texts[held], labels[held]


def train(dataset: str, data: str) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    X_train, y_train, X_test, y_test = (load_20ng if dataset == "20ng" else load_acled)(data)
    model = LinearSVC(C=1.0) if dataset == "20ng" else LogisticRegression(C=10, max_iter=1000, random_state=13)
    pipeline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_df=0.5), model)
    start = time.perf_counter()
    pipeline.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    y_pred = pipeline.predict(X_test)
    predict_s = time.perf_counter() - start
    print(json.dumps({"accuracy": accuracy_score(y_test, y_pred),
                      "macro_f1": f1_score(y_test, y_pred, average="macro"), "fit_time_s": fit_s,
                      "predict_rows_per_s": len(X_test) / predict_s, "train_rows": len(X_train),
                      "in_script_s": time.perf_counter() - START}))


def predict(model_path: str, input_path: str, output_path: str, column: str) -> None:
    import skops.io as sio

    pipeline = sio.load(model_path, trusted=sio.get_untrusted_types(file=model_path))
    frame = pd.read_csv(input_path, dtype=str, keep_default_na=False)
    proba = pipeline.predict_proba(frame[[column]].rename(columns={column: "NOTES"}))
    classes = [str(c) for c in pipeline.classes_]
    best = proba.argmax(axis=1)
    out = pd.DataFrame({"label": np.asarray(classes)[best], "probability": proba.max(axis=1)})
    out.to_json(output_path, orient="records", lines=True)
    print(json.dumps({"rows": len(frame), "in_script_s": time.perf_counter() - START}))


if __name__ == "__main__":
    if sys.argv[1] == "train":
        train(sys.argv[2], sys.argv[3])
    else:
        predict(*sys.argv[2:6])
