"""Choose the default demo topic config by grouped cross-validation on the TRAIN split only.

Never reads the test split or tests/data/transfer_headlines.csv. Each candidate (a list of `--set` overrides on
configs/topic/demo.yaml) is fitted through the project's own builders on 3 of 4 storyline-grouped folds of the
train split and scored on the held-out fold twice: on full articles (title + body, macro-F1) and on titles alone
(accuracy and mean top-1 probability), the short-text proxy for real headlines the default model will meet.

    python data/demo/build/select_config.py            # prints one line per candidate
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from features.data import prepare  # noqa: E402
from features.union import build_features  # noqa: E402
from train.config import load_config  # noqa: E402
from train.estimators import build_model  # noqa: E402

WORD_ONLY = ("features=[{name: tfidf_word, ngram_range: [1, 2], min_df: 2, max_df: 0.9, sublinear_tf: true, "
             "stop_words: english, clean: {numbers: true, strip: [dateline, byline, signoff]}}]")
CANDIDATES: dict[str, list[str]] = {
    "v1 default (word 1-2 + char 3-5, C=10)": ["model.params.C=10"],
    "word 1-2 + char 3-5, C=30": ["model.params.C=30"],
    "word 1-2 + char 3-5, C=100 (the default)": ["model.params.C=100"],
    "word 1-2 + char 3-5, C=300": ["model.params.C=300"],
    "word 1-1 + char 3-5, C=100": ["features[0].ngram_range=[1, 1]", "model.params.C=100"],
    "word 1-2 + char 3-5 weight 1.0, C=100": ["features[1].weight=1.0", "model.params.C=100"],
    "word 1-2 only, C=10": [WORD_ONLY, "model.params.C=10"],
    "word 1-2 only, C=30": [WORD_ONLY, "model.params.C=30"],
    "word 1-2 only, C=100": [WORD_ONLY, "model.params.C=100"],
}


def evaluate(overrides: list[str], folds: int = 4) -> dict[str, float]:
    config = load_config(ROOT / "configs" / "topic" / "demo.yaml", overrides)
    data = prepare(config.data, config.task_component, config.seed)
    train = data.train.reset_index(drop=True)
    groups = train["storyline"] if "storyline" in train.columns else train["id"]
    f1s, title_acc, title_top1 = [], [], []
    for fit_idx, held_idx in GroupKFold(n_splits=folds).split(train, groups=groups):
        fit, held = train.iloc[fit_idx], train.iloc[held_idx]
        features = build_features(config.feature_specs, data.text_columns, config.seed)
        model = build_model(config.model, config.seed)
        model.fit(features.fit_transform(fit[data.text_columns], fit[data.label_column]), fit[data.label_column])
        f1s.append(f1_score(held[data.label_column], model.predict(features.transform(held[data.text_columns])),
                            average="macro"))
        titles = held[data.text_columns].assign(body="")
        proba = model.predict_proba(features.transform(titles))
        predicted = model.classes_[proba.argmax(axis=1)]
        title_acc.append(float((predicted == held[data.label_column].to_numpy()).mean()))
        title_top1.append(float(proba.max(axis=1).mean()))
    return {"cv_macro_f1": float(np.mean(f1s)), "title_accuracy": float(np.mean(title_acc)),
            "title_mean_top1": float(np.mean(title_top1))}


def main() -> None:
    names = sys.argv[1:] or list(CANDIDATES)
    for name in names:
        overrides = CANDIDATES[name]
        start = time.perf_counter()
        result = evaluate(overrides)
        print(f"{name:45s} " + "  ".join(f"{k} {v:.3f}" for k, v in result.items())
              + f"  ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
