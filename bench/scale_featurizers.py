"""Featurizer candidates for streaming, on 20 Newsgroups training posts: documents/s of hashed word 1-2-grams.

Each candidate turns the same texts into a CSR matrix of 2**18 hashed columns. Serial candidates report the
best of three runs in CPU time (steady under load) and in wall time; the joblib row vectorizes chunks on all
cores, reports wall time, and checks that its output equals the serial output exactly.

    python bench/scale_featurizers.py [--docs 8000]      → bench/results/scale_featurizers.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from features.fast_hashing import ArrowHashingVectorizer  # noqa: E402
from features.union import build_features, parse_specs  # noqa: E402

BITS = 18
TOKEN = re.compile(r"(?u)\b\w\w+\b").findall


def posts(n: int) -> pd.DataFrame:
    folder = Path(os.environ.get("SECNEWS_DATA", ROOT.parent / "shared" / "data")) / "20newsgroups"
    return pd.read_csv(folder / "train.csv.gz").sample(n, random_state=0)[["text"]].reset_index(drop=True)


def unigrams_and_bigrams(doc: str) -> list[str]:
    words = TOKEN(doc.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def candidates() -> dict[str, tuple[str, object]]:
    from sklearn.feature_extraction.text import HashingVectorizer

    hv = {"n_features": 2**BITS, "alternate_sign": False}
    return {
        "sklearn HashingVectorizer(ngram_range=(1, 2))": (
            "text column", HashingVectorizer(ngram_range=(1, 2), **hv)),
        "sklearn HashingVectorizer + precompiled regex analyzer": (
            "text column", HashingVectorizer(analyzer=unigrams_and_bigrams, **hv)),
        "secnews `hashing` builder (TextCleaner + HashingVectorizer, tfidf off)": (
            "frame", build_features(parse_specs([{"name": "hashing", "n_features": 2**BITS, "tfidf": False}]),
                                    ["text"], 0)),
        "secnews `fast_hashing` (pyarrow RE2 clean/split + murmurhash3 of distinct tokens + numpy n-grams)": (
            "frame", ArrowHashingVectorizer(n_features=2**BITS)),
    }


def time_serial(name: str, kind: str, transformer: object, frame: pd.DataFrame) -> dict[str, object]:
    data = frame["text"] if kind == "text column" else frame
    transformer.fit(data.iloc[:5])
    transformer.transform(data.iloc[:200])  # warm-up (first calls initialise kernels and caches)
    timings = []
    for _ in range(3):
        cpu, wall = time.process_time(), time.perf_counter()
        matrix = transformer.transform(data)
        timings.append((time.process_time() - cpu, time.perf_counter() - wall))
    cpu, wall = min(t[0] for t in timings), min(t[1] for t in timings)
    return {"candidate": name, "docs_per_cpu_s": round(len(frame) / cpu), "docs_per_wall_s": round(len(frame) / wall),
            "nnz_per_doc": round(matrix.nnz / len(frame), 1)}


def time_parallel(frame: pd.DataFrame, chunk_rows: int) -> dict[str, object]:
    """fast_hashing over chunks on all cores (joblib loky), compared with the serial output."""
    import scipy.sparse as sp
    from joblib import Parallel, delayed

    vectorizer = ArrowHashingVectorizer(n_features=2**BITS).fit(frame.iloc[:5])
    parts = [frame.iloc[i: i + chunk_rows] for i in range(0, len(frame), chunk_rows)]
    serial = vectorizer.transform(frame)
    with Parallel(n_jobs=-1, backend="loky") as parallel:
        parallel(delayed(len)(p) for p in parts[:2])  # start the workers before timing (~2-5 s once)
        wall = time.perf_counter()
        blocks = parallel(delayed(vectorizer.transform)(p) for p in parts)
        wall = time.perf_counter() - wall
    combined = sp.vstack(blocks).tocsr()
    identical = combined.shape == serial.shape and (combined != serial).nnz == 0
    return {"candidate": f"fast_hashing on all cores (joblib, {len(parts)} chunks of {chunk_rows})",
            "docs_per_wall_s": round(len(frame) / wall), "identical_to_serial": bool(identical),
            "cores": len(os.sched_getaffinity(0))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=8000)
    args = parser.parse_args()
    frame = posts(args.docs)
    rows = [time_serial(name, kind, transformer, frame) for name, (kind, transformer) in candidates().items()]
    rows.append(time_parallel(frame, max(500, args.docs // 8)))
    meta = {"docs": args.docs, "mean_chars": round(float(frame["text"].str.len().mean())),
            "load_average": os.getloadavg(), "n_features": 2**BITS}
    out = ROOT / "bench" / "results" / "scale_featurizers.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")
    for row in rows:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
