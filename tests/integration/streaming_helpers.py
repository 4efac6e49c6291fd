"""Helpers shared by the streaming and Dask tests: write JSONL shards and a small streaming config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import yaml


def write_shards(folder: Path, frame: Any, prefix: str, shards: int) -> list[Path]:
    """Write a frame's rows as `shards` JSONL files named prefix-00000.jsonl …"""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, part in enumerate(np.array_split(np.arange(len(frame)), shards)):
        path = folder / f"{prefix}-{i:05d}.jsonl"
        rows = frame.iloc[part].to_dict("records")
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        paths.append(path)
    return paths


def stream_config(**training: Any) -> dict[str, Any]:
    return {
        "task": "topic",
        "seed": 7,
        "data": {"train": "shards/train-*.jsonl", "test": "shards/test-*.jsonl", "text_columns": ["title", "body"],
                 "label_column": "label", "id_column": "id"},
        "features": [{"name": "fast_hashing", "n_features": 4096}],
        "model": {"name": "multinomial_nb"},
        "training": {"streaming": True, "chunk_rows": 7, "n_jobs": 1, **training},
        "eval": {"top_features": 0},
    }


def config_file(folder: Path, config: dict[str, Any], name: str = "stream.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def write_corpus(folder: Path, make_topic_frame: Any) -> Path:
    """Four training shards and one test shard of the tiny three-class corpus under folder/shards."""
    write_shards(folder / "shards", make_topic_frame(per_class=30, seed=1), "train", 4)
    test = make_topic_frame(per_class=10, seed=2)
    test["id"] = "test-" + test["id"]
    write_shards(folder / "shards", test, "test", 1)
    return folder
