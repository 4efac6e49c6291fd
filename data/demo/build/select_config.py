"""Choose the default demo topic config on the TRAIN split and our own dev headlines, never on test data.

Never reads the test split or tests/data/transfer_headlines.csv. Each candidate (a list of `--set` overrides on
configs/topic/demo.yaml) is scored three ways, all through the project's own data layer, builders and models:

- storyline-grouped 4-fold CV on the train split: macro-F1 on full held-out articles, and accuracy / mean top-1
  probability on their titles alone (a short-text proxy). Short copies (`data.short_copies`) are made of the
  fitting folds only, by `Prepared.X("train")`, so no held-out title is trained on;
- dev headlines: the model fitted on the whole train split scores data/demo/dev_headlines.csv (A: 200 real-world
  style headlines, 25 per topic), dev_headlines_b.csv (B: 80) and dev_headlines_c.csv (C: 80, written after the
  last corpus article; only its aggregate is ever printed), each headline given as a lone text exactly as
  `secnews predict "..."` gives it (empty title, text in the body column). See DATASHEET.md for how each was used.

    python data/demo/build/select_config.py                 # every candidate, one line each
    python data/demo/build/select_config.py "the default"   # named candidates only
    python data/demo/build/select_config.py --errors "the default"   # also list dev-set A mistakes
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from features.data import Prepared, digest, prepare  # noqa: E402
from features.union import build_features  # noqa: E402
from train.config import load_config  # noqa: E402
from train.estimators import build_model  # noqa: E402

DEV_SETS = {name: ROOT / "data" / "demo" / f"{file}.csv"
            for name, file in (("dev", "dev_headlines"), ("devb", "dev_headlines_b"), ("devc", "dev_headlines_c"))}
PLAIN = ["data.text_mask=[]", "data.short_copies=[]"]  # the v2 default: no name masking, no short copies
NO_COPIES = ["data.short_copies=[]"]
# Every candidate pins C, so that the table in DATASHEET.md reproduces whatever the default config says.
CANDIDATES: dict[str, list[str]] = {
    "v2 default (C=100, no mask, no copies)": [*PLAIN, "model.params.C=100"],
    "v2 default, C=30": [*PLAIN, "model.params.C=30"],
    "mask world names": [*NO_COPIES, "model.params.C=100"],
    "mask, C=30": [*NO_COPIES, "model.params.C=30"],
    "mask, C=300": [*NO_COPIES, "model.params.C=300"],
    "mask, word 1-1": [*NO_COPIES, "model.params.C=100", "features[0].ngram_range=[1, 1]"],
    "title copies": ["data.text_mask=[]", "model.params.C=100"],
    "mask + title copies": ["model.params.C=100"],
    "mask + title copies, C=30": ["model.params.C=30"],
    "the default (mask + title copies, C=300)": ["model.params.C=300"],
    "mask + lead copies": ["data.short_copies=[lead]", "model.params.C=100"],
    "mask + title + lead copies": ["data.short_copies=[title, lead]", "model.params.C=100"],
    "mask + title copies, word 1-1": ["model.params.C=100", "features[0].ngram_range=[1, 1]"],
    "mask + title copies, char weight 1.0": ["model.params.C=100", "features[1].weight=1.0"],
}


def fit(config: object, data: Prepared) -> tuple[object, object]:
    """Features and model fitted on `data`'s training rows (with their short copies)."""
    features = build_features(config.feature_specs, data.text_columns, config.seed)
    model = build_model(config.model, config.seed)
    y = data.y("train")
    model.fit(features.fit_transform(data.X("train"), y), y)
    return features, model


def lone_texts(texts: pd.Series, columns: list[str]) -> pd.DataFrame:
    """Texts as `secnews predict` frames a lone text: the last input column, the others empty."""
    return pd.DataFrame({c: "" for c in columns[:-1]} | {columns[-1]: texts.to_numpy()})


def score_headlines(features: object, model: object, headlines: pd.DataFrame, columns: list[str]) -> dict:
    proba = model.predict_proba(features.transform(lone_texts(headlines["text"], columns)))
    predicted = model.classes_[proba.argmax(axis=1)]
    return {"accuracy": float((predicted == headlines["topic"].to_numpy()).mean()),
            "top1": float(proba.max(axis=1).mean()), "predicted": predicted, "probability": proba.max(axis=1)}


def evaluate(overrides: list[str], folds: int = 4, show_errors: bool = False) -> dict[str, float]:
    config = load_config(ROOT / "configs" / "topic" / "demo.yaml", overrides)
    data = prepare(config.data, config.task_component, config.seed)
    train = data.train.reset_index(drop=True)
    columns = [*data.text_columns, data.label_column]
    f1s, title_acc, title_top1 = [], [], []
    for fit_idx, held_idx in GroupKFold(n_splits=folds).split(train, groups=train["storyline"]):
        part, held = train.iloc[fit_idx].reset_index(drop=True), train.iloc[held_idx]
        features, model = fit(config, replace(data, train=part, digests={"train": digest(part, columns)}))
        f1s.append(f1_score(held[data.label_column], model.predict(features.transform(held[data.text_columns])),
                            average="macro"))
        titles = score_headlines(features, model, held.rename(columns={"title": "text", "topic": "topic"}),
                                 data.text_columns)
        title_acc.append(titles["accuracy"])
        title_top1.append(titles["top1"])
    result = {"cv_macro_f1": float(np.mean(f1s)), "title_accuracy": float(np.mean(title_acc)),
              "title_mean_top1": float(np.mean(title_top1))}
    features, model = fit(config, data)
    for name, path in DEV_SETS.items():
        headlines = pd.read_csv(path, dtype=str)
        scored = score_headlines(features, model, headlines, data.text_columns)
        result[f"{name}_accuracy"], result[f"{name}_mean_top1"] = scored["accuracy"], scored["top1"]
        if show_errors and name == "dev":
            wrong = scored["predicted"] != headlines["topic"].to_numpy()
            for row, label, p in zip(headlines[wrong].itertuples(), scored["predicted"][wrong],
                                     scored["probability"][wrong], strict=True):
                print(f"    {row.topic:22s} -> {label:22s} {p:.2f}  {row.text}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"candidates to score (default: all): {list(CANDIDATES)}")
    parser.add_argument("--errors", action="store_true", help="list the mistakes on dev set A (never set B)")
    args = parser.parse_args()
    for name in args.names or list(CANDIDATES):
        start = time.perf_counter()
        result = evaluate(CANDIDATES[name], show_errors=args.errors)
        print(f"{name:42s} " + "  ".join(f"{k} {v:.3f}" for k, v in result.items())
              + f"  ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
