"""Write a synthetic corpus of N documents as JSONL shards by resampling and perturbing 20 Newsgroups posts.

Training documents are drawn (with replacement) from the 20 Newsgroups *training* posts; the test shard holds
every *test* post once. Each document gets its sentences partly shuffled and ~10% of its words dropped, and
keeps its newsgroup label, so the task stays learnable and test posts are never seen while fitting.
Output goes to a scratch folder (never into the repository), with a manifest so an existing corpus is reused.

    python bench/scale_data.py --docs 100000 --out /tmp/secnews-scale/n100000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

SENTENCE = re.compile(r"(?<=[.!?])\s+|\t+")
GENERATOR_VERSION = 1


def source_folder() -> Path:
    root = Path(__file__).resolve().parent.parent
    folder = Path(os.environ.get("SECNEWS_DATA", root.parent / "shared" / "data")) / "20newsgroups"
    if not (folder / "train.csv.gz").is_file():
        raise SystemExit(f"error: {folder}/train.csv.gz not found: set SECNEWS_DATA to the shared data folder")
    return folder


def perturb(text: str, rng: np.random.Generator, dropout: float = 0.1, shuffle_share: float = 0.5) -> str:
    """Shuffle the sentence order of about half the posts, then drop each word with probability `dropout`."""
    sentences = [s for s in SENTENCE.split(text) if s.strip()]
    if len(sentences) > 2 and rng.random() < shuffle_share:
        head, body = sentences[:2], sentences[2:]  # keep the header lines (From:, Subject:) in front
        sentences = head + [body[i] for i in rng.permutation(len(body))]
    words = " ".join(sentences).split()
    keep = rng.random(len(words)) >= dropout
    return " ".join(w for w, k in zip(words, keep, strict=True) if k) or text


def write_shards(frame: pd.DataFrame, picks: np.ndarray, out: Path, prefix: str, shard_rows: int,
                 rng: np.random.Generator) -> tuple[int, int]:
    """Write the picked rows, perturbed, as `prefix-00000.jsonl` shards; returns (documents, bytes)."""
    texts, labels = frame["text"].tolist(), frame["label"].tolist()
    written = size = 0
    for shard, start in enumerate(range(0, len(picks), shard_rows)):
        lines = []
        for offset, row in enumerate(picks[start: start + shard_rows]):
            doc = {"id": f"{prefix}-{start + offset}", "text": perturb(texts[row], rng), "label": labels[row]}
            lines.append(json.dumps(doc, ensure_ascii=False))
        data = ("\n".join(lines) + "\n").encode("utf-8")
        (out / f"{prefix}-{shard:05d}.jsonl").write_bytes(data)
        written, size = written + len(lines), size + len(data)
    return written, size


def generate(docs: int, out: Path, seed: int = 13, shard_rows: int = 50_000) -> dict:
    """Write (or reuse) the corpus in `out`; returns its manifest."""
    manifest_path = out / "manifest.json"
    wanted = {"docs": docs, "seed": seed, "shard_rows": shard_rows, "version": GENERATOR_VERSION}
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        if {k: manifest.get(k) for k in wanted} == wanted:
            return manifest
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.jsonl"):
        old.unlink()
    folder = source_folder()
    train = pd.read_csv(folder / "train.csv.gz")
    test = pd.read_csv(folder / "test.csv")
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    n_train, train_bytes = write_shards(train, rng.integers(0, len(train), docs), out, "train", shard_rows, rng)
    n_test, test_bytes = write_shards(test, np.arange(len(test)), out, "test", shard_rows, rng)
    manifest = {**wanted, "train_docs": n_train, "test_docs": n_test, "train_bytes": train_bytes,
                "test_bytes": test_bytes, "mean_doc_bytes": round(train_bytes / max(n_train, 1)),
                "classes": int(train["label"].nunique()), "seconds": round(time.perf_counter() - start, 1)}
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, required=True, help="training documents to write")
    parser.add_argument("--out", type=Path, required=True, help="scratch folder for the shards (not the repo)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--shard-rows", type=int, default=50_000)
    args = parser.parse_args()
    print(json.dumps(generate(args.docs, args.out, args.seed, args.shard_rows)))


if __name__ == "__main__":
    main()
