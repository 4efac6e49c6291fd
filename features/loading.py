"""Read labelled rows through Hugging Face `datasets`: local files or globs, saved datasets, the Hub, the demo."""

from __future__ import annotations

import glob as globlib
import hashlib
import os
from pathlib import Path
from typing import Any

import pandas as pd

from core.errors import DataError
from features import parsing
from features.bundled import demo_dir

DEMO_DIR = demo_dir()  # data/demo of the checkout, or the copy inside an installed wheel
_FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".json": "json", ".parquet": "parquet"}


def _quiet_datasets() -> Any:
    """Import datasets with progress bars and logging off: its failures reach the user as our one-line errors."""
    import datasets

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity(datasets.logging.CRITICAL)
    return datasets


def resolve_files(pattern: str, key: str) -> list[str]:
    """Expand a file or glob; an empty match is an error naming the config key and the pattern."""
    is_glob = any(c in pattern for c in "*?[")
    if not is_glob and Path(pattern).is_dir():
        raise DataError(f"data.{key}: {pattern} is a directory; give a data file or a glob such as {pattern}/*.csv")
    files = sorted(globlib.glob(pattern)) if is_glob else [pattern]
    files = [f for f in files if Path(f).is_file()]
    if not files:
        raise DataError(f"data.{key}: no file matches {pattern}")
    return files


def file_format(files: list[str], declared: str, key: str) -> str:
    """The format to read `files` as: the declared one, or the one every file's extension names."""
    if declared != "auto":
        return declared
    suffixes = {"".join(Path(f).suffixes[-2:-1]) if f.endswith(".gz") else Path(f).suffix for f in files}
    formats = {_FORMATS.get(s.lower()) for s in suffixes}
    if len(formats) != 1 or None in formats:
        raise DataError(
            f"data.{key}: cannot tell the format of {files[0]} from its extension; "
            "set data.format to csv, tsv, jsonl or parquet"
        )
    return formats.pop()  # type: ignore[return-value]


def content_hash(files: list[str]) -> str:
    """sha256 over the files' names and bytes: what was read, whatever their modification times say."""
    digest = hashlib.sha256()
    for name in files:
        digest.update(Path(name).name.encode("utf-8", "surrogateescape") + b"\0")
        with open(name, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def _cache_dir(datasets: Any, key: str) -> str:
    """A `datasets` cache folder per file content: its own cache is keyed by path + mtime, which an in-place
    edit that restores the mtime fools into serving the old rows."""
    return str(Path(datasets.config.HF_DATASETS_CACHE) / "secnews-by-content" / key[:32])


def _snapshot(files: list[str]) -> list[tuple[int, int]]:
    return [(os.stat(f).st_size, os.stat(f).st_mtime_ns) for f in files]


def read_files(pattern: str, declared: str, key: str) -> pd.DataFrame:
    """Load CSV/TSV/JSONL/Parquet files with `datasets` and return one DataFrame of the bytes on disk now."""
    files = resolve_files(pattern, key)
    fmt = file_format(files, declared, key)
    datasets = _quiet_datasets()
    builder, kwargs = {
        "csv": ("csv", {}),
        "tsv": ("csv", {"delimiter": "\t"}),
        "jsonl": ("json", {}),
        "json": ("json", {}),
        "parquet": ("parquet", {}),
    }[fmt]
    before = _snapshot(files)
    hashed = content_hash(files)
    try:
        ds = datasets.load_dataset(builder, data_files=files, split="train", cache_dir=_cache_dir(datasets, hashed),
                                   **kwargs)
    except Exception as exc:  # datasets raises many types for unreadable input
        raise DataError(f"data.{key}: {parse_problem(files, fmt, exc)}") from None
    if _snapshot(files) != before:
        raise DataError(f"data.{key}: {files[0]} changed while it was being read; run again")
    if ds.num_rows == 0:
        raise DataError(f"data.{key}: {files[0]} is not readable as {fmt} (no data rows)")
    return ds.to_pandas()


def parse_problem(files: list[str], fmt: str, exc: BaseException) -> str:
    """Say in our words which file and row could not be read, from a check of our own after `datasets` failed."""
    for name in files:
        found = parsing.first_problem(name, fmt)
        if found:
            return f"{name} is not readable as {fmt} ({found})"
    reason = str(exc).strip().splitlines()[-1][:200] if str(exc).strip() else type(exc).__name__
    return f"{files[0]} is not readable as {fmt} ({reason})"


def read_saved(directory: str) -> dict[str, pd.DataFrame]:
    """Load a directory written by `save_to_disk`: a DatasetDict gives one frame per split."""
    if not Path(directory).is_dir():
        raise DataError(f"data.saved: {directory} is not a directory")
    datasets = _quiet_datasets()
    try:
        loaded = datasets.load_from_disk(directory)
    except Exception as exc:
        raise DataError(f"data.saved: {directory} is not a saved dataset ({str(exc)[:160]})") from None
    if isinstance(loaded, datasets.DatasetDict):
        return {name: split.to_pandas() for name, split in loaded.items()}
    return {"train": loaded.to_pandas()}


def read_hub(name: str, subset: str | None, revision: str | None, splits: list[str]) -> dict[str, pd.DataFrame]:
    """Load splits of a Hub dataset; being offline or unable to reach the Hub is a one-line DataError."""
    datasets = _quiet_datasets()
    frames = {}
    for split in splits:
        try:
            ds = datasets.load_dataset(name, subset, revision=revision, split=split)
        except Exception as exc:
            text = f"{type(exc).__name__}: {exc}"
            if "Offline" in text or "offline" in text or "Connection" in text or "resolve" in text.lower():
                raise DataError(
                    f"data.hub.name: cannot load '{name}' split '{split}' from the Hugging Face Hub "
                    "(offline or unreachable, and not in the local cache); run once with network access "
                    "to cache it, or point data.train at local files"
                ) from None
            raise DataError(f"data.hub: cannot load '{name}' split '{split}': {str(exc)[:200]}") from None
        frames[split] = ds.to_pandas()
    return frames


def join_bodies(pairs: pd.DataFrame, bodies: pd.DataFrame, on: str, key: str) -> pd.DataFrame:
    """Attach each pair's body by the shared id column (FNC-1 layout); unmatched ids are an error."""
    for frame, what in ((pairs, key), (bodies, f"{key}_bodies")):
        if on not in frame.columns:
            raise DataError(
                f"data.join_on: column '{on}' not found in data.{what}; available: {', '.join(map(str, frame.columns))}"
            )
    if bodies[on].duplicated().any():
        raise DataError(f"data.{key}_bodies: ids in '{on}' are not unique")
    joined = pairs.merge(bodies, on=on, how="left", suffixes=("", "_body"))
    body_columns = [c for c in bodies.columns if c != on]
    unmatched = joined[body_columns].isna().all(axis=1).sum() if body_columns else 0
    if unmatched:
        raise DataError(f"data.{key}: {unmatched} rows have a '{on}' that is not in data.{key}_bodies")
    return joined
