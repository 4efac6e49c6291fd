"""Choose features and model parameters on a DEV split carved from the training data; the test split is never read.

    python bench/tune.py configs/bench/20ng.yaml \
        --features "" --features "features[1].ngram_range=[3,5]" \
        --models "model.params.C=0.25" --models "model.params.C=0.5"

Each `--features` entry is a `;`-separated list of `--set` overrides that changes the features (vectorized once per
entry); each `--models` entry changes only the model (fit on the cached features). The dev split is
`features.data.dev_split`: `data.split.dev_size` (default 20%) of the training split, stratified by label (grouped
by `data.split.group_column` when there is one, plain random for multi-label), with the config's seed. Results are
appended to bench/results/dev/<config name>.jsonl so the choices behind each bench config stay on record.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.preprocessing import MultiLabelBinarizer  # noqa: E402

from features.data import dev_split, prepare, read_raw  # noqa: E402
from features.union import build_features  # noqa: E402
from train.config import load_config  # noqa: E402
from train.estimators import NEEDS_DENSE, build_model, scores  # noqa: E402
from train.runner import Fitted, score  # noqa: E402


def _overrides(entry: str) -> list[str]:
    return [part.strip() for part in entry.split(";") if part.strip()]


def _headline(metrics: dict[str, float]) -> dict[str, float]:
    keys = ("accuracy", "macro_f1", "micro_f1", "samples_f1", "fnc_score_pct", "fallback_rate")
    return {k: round(metrics[k], 4) for k in keys if k in metrics}


def reference_on_dev(config: Any, dev: Any) -> dict[str, Any]:
    """bench/reference.py's model (TF-IDF(1,2) + LinearSVC(C=1)) scored on the same dev split, for comparison."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    texts = {split: dev.X(split).agg("\n".join, axis=1) for split in ("train", "test")}
    binarizer = MultiLabelBinarizer() if dev.multi_label else None
    y_fit = binarizer.fit_transform(dev.y("train")) if binarizer else dev.y("train")
    svm = OneVsRestClassifier(LinearSVC(C=1.0)) if binarizer else LinearSVC(C=1.0)
    pipeline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_df=0.5), svm)
    start = time.perf_counter()
    pipeline.fit(texts["train"], y_fit)
    fit = time.perf_counter() - start
    classes = list(binarizer.classes_) if binarizer else [str(c) for c in pipeline.classes_]
    fitted = Fitted([pipeline], pipeline.predict(texts["test"]), None, classes, {}, binarizer)  # type: ignore[arg-type]
    metrics = score(config, dev, fitted)
    return {"config": "reference", "features": "TF-IDF(1,2)", "model": "LinearSVC(C=1)", "dev_rows": len(dev.test),
            "fit_s": round(fit, 1), **{f"dev_{k}": v for k, v in _headline(metrics).items()}}


def _record(row: dict[str, Any], config_path: str) -> None:
    """Print a result and append it to bench/results/dev/<config>.jsonl at once (a stopped search keeps its rows)."""
    print(json.dumps(row), flush=True)
    out = ROOT / "bench" / "results" / "dev" / f"{Path(config_path).stem}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")


def tune(config_path: str, feature_sets: list[str], model_sets: list[str], base: list[str],
         reference: bool = False) -> list[dict[str, Any]]:
    """Every (features, model) combination scored on the dev split; vectorizes once per feature set."""
    config = load_config(config_path, base)
    data = prepare(config.data, config.task_component, config.seed, read_raw(config.data, config.task_component))
    dev = dev_split(data, config.data.split.dev_size, config.seed, config.task_component)
    print(f"dev split: fit {len(dev.train)} rows, dev {len(dev.test)} rows (test split not read)", flush=True)
    rows = []
    if reference:
        rows.append(reference_on_dev(config, dev))
        _record(rows[-1], config_path)
    for feature_entry in feature_sets:
        fconfig = load_config(config_path, base + _overrides(feature_entry))
        features = build_features(fconfig.feature_specs, dev.text_columns, fconfig.seed,
                                  dense=fconfig.model.name in NEEDS_DENSE)
        binarizer = MultiLabelBinarizer() if dev.multi_label else None
        y_fit = binarizer.fit_transform(dev.y("train")) if binarizer else dev.y("train")
        start = time.perf_counter()
        X_fit = features.fit_transform(dev.X("train"), y_fit)
        X_dev = features.transform(dev.X("test"))
        vectorize = time.perf_counter() - start
        for model_entry in model_sets:
            mconfig = load_config(config_path, base + _overrides(feature_entry) + _overrides(model_entry))
            model = build_model(mconfig.model, mconfig.seed, dev.multi_label)
            start = time.perf_counter()
            model.fit(X_fit, y_fit)
            fit = time.perf_counter() - start
            try:
                class_scores = scores(model, X_dev)
            except AttributeError:
                class_scores = None
            classes = list(binarizer.classes_) if binarizer else [str(c) for c in model.classes_]
            fitted = Fitted([model], model.predict(X_dev), class_scores, classes, {}, binarizer)  # type: ignore[arg-type]
            metrics = score(mconfig, dev, fitted)
            row = {"config": config_path, "features": feature_entry, "model": model_entry, "base": base,
                   "dev_rows": len(dev.test), "vectorize_s": round(vectorize, 1), "fit_s": round(fit, 1),
                   "features_out": int(X_fit.shape[1]), **{f"dev_{k}": v for k, v in _headline(metrics).items()}}
            _record(row, config_path)
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config")
    parser.add_argument("--features", action="append", default=None, help="';'-separated overrides (repeat)")
    parser.add_argument("--models", action="append", default=None, help="';'-separated overrides (repeat)")
    parser.add_argument("--set", action="append", default=[], help="override applied to every combination")
    parser.add_argument("--reference", action="store_true", help="also score bench/reference.py's model on dev")
    parser.add_argument("--no-grid", action="store_true", help="only the reference")
    args = parser.parse_args()
    tune(args.config, [] if args.no_grid else args.features or [""], args.models or [""], args.set, args.reference)


if __name__ == "__main__":
    main()
