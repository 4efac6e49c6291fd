"""Batch prediction over files: read inputs in chunks, predict, and stream JSONL or CSV out in constant memory."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from core.errors import DataError
from train.predict import SecnewsModel

INPUT_FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet"}


def input_format(path: Path, declared: str | None) -> str:
    """The declared format, else the one the extension names."""
    fmt = declared or INPUT_FORMATS.get(path.suffix.lower())
    if fmt not in {"csv", "tsv", "jsonl", "parquet"}:
        raise DataError(f"--input {path}: cannot tell the format from the extension; pass --input-format "
                        "csv, tsv, jsonl or parquet")
    return fmt


def count_rows(path: Path, fmt: str) -> int | None:
    """Row count for the progress bar (exact for Parquet, line-based for text formats)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return max(lines - (1 if fmt in {"csv", "tsv"} else 0), 0)


def read_chunks(path: Path, fmt: str, batch_size: int) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of at most `batch_size` rows; unreadable input is a one-line DataError."""
    if not path.is_file():
        raise DataError(f"--input {path}: no such file")
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size):
                yield batch.to_pandas()
            return
        if fmt == "jsonl":
            yield from pd.read_json(path, lines=True, chunksize=batch_size, dtype=False)
            return
        sep = "\t" if fmt == "tsv" else ","
        yield from pd.read_csv(path, sep=sep, chunksize=batch_size, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, OSError) as exc:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise DataError(f"--input {path}: not readable as {fmt} ({reason})") from None
    except Exception as exc:  # pyarrow raises its own error types for non-Parquet bytes
        raise DataError(f"--input {path}: not readable as {fmt} ({type(exc).__name__})") from None


def map_columns(chunk: pd.DataFrame, model: SecnewsModel, mapping: dict[str, str], where: str) -> pd.DataFrame:
    """Build the model's input columns from the file's columns (`mapping`: model column → file column)."""
    out = {}
    lone = model.task.lone_text_column(model.input_columns)
    for column in model.input_columns:
        source = mapping.get(column, column)
        if source in chunk.columns:
            out[column] = chunk[source]
        elif lone is not None and column != lone and lone in mapping:
            out[column] = pd.Series([""] * len(chunk), index=chunk.index)
        else:
            wanted = ", ".join(f"{c} (from '{mapping.get(c, c)}')" for c in model.input_columns)
            raise DataError(f"{where}: column '{source}' not found; the model needs {wanted}; "
                            f"available: {', '.join(map(str, chunk.columns))}")
    return pd.DataFrame(out).fillna("").astype(str)


def _plain(value: Any) -> Any:
    """numpy scalars → Python values, so JSON output keeps numbers as numbers."""
    return value.item() if isinstance(value, np.generic) else value


def _top_k(proba: np.ndarray, classes: list[str], k: int) -> list[list[dict[str, Any]]]:
    """The k most probable labels of every row, best first."""
    k = min(k, proba.shape[1])
    order = np.argsort(-proba, axis=1, kind="stable")[:, :k]
    values = np.round(np.take_along_axis(proba, order, axis=1), 6).tolist()
    return [[{"label": classes[j], "probability": p} for j, p in zip(row, vals, strict=True)]
            for row, vals in zip(order.tolist(), values, strict=True)]


def _prediction_fields(model: SecnewsModel, inputs: pd.DataFrame, k: int) -> list[dict[str, Any]]:
    """One dict per row: `label` + `probability`, or for multi-label models `labels` + per-label `probabilities`."""
    labels, proba = model.predict_records(inputs)
    index = {c: i for i, c in enumerate(model.classes)}
    fields: list[dict[str, Any]] = []
    for i, label in enumerate(labels):
        if model.multi_label:
            chosen = list(label)
            probabilities = ({x: round(float(proba[i, index[x]]), 6) for x in chosen} if proba is not None
                             else dict.fromkeys(chosen))
            fields.append({"labels": chosen, "probabilities": probabilities})
        else:
            p = None if proba is None else round(float(proba[i, index[str(label)]]), 6)
            fields.append({"label": _plain(label), "probability": p})
    if k and proba is not None:
        for record, best in zip(fields, _top_k(proba, model.classes, k), strict=True):
            record["top_k"] = best
    return fields


def predict_chunk(model: SecnewsModel, inputs: pd.DataFrame, ids: pd.Series, k: int,
                  skip_empty: bool) -> list[dict[str, Any]]:
    """Predict one chunk; rows with no text get an `error` instead of a prediction (or are skipped)."""
    empty = inputs.apply(lambda col: col.str.strip().eq("")).all(axis=1).to_numpy()
    fields = iter(_prediction_fields(model, inputs[~empty], k) if (~empty).any() else [])
    blank = {"labels": [], "probabilities": {}} if model.multi_label else {"label": None, "probability": None}
    records: list[dict[str, Any]] = []
    for i, row_id in enumerate(ids.tolist()):
        if empty[i]:
            if not skip_empty:
                records.append({"id": _plain(row_id), **blank, "error": "empty text"})
            continue
        records.append({"id": _plain(row_id), **next(fields)})
    return records


class Writer:
    """Streams prediction records to JSONL or CSV (top-k flattened to label_i/probability_i columns)."""

    def __init__(self, handle: IO[str], fmt: str, k: int) -> None:
        self.handle, self.fmt, self.k = handle, fmt, k
        self.wrote_header = False

    def write(self, records: list[dict[str, Any]]) -> None:
        if self.fmt == "jsonl":
            for record in records:
                self.handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            return
        rows = []
        for record in records:
            if "labels" in record:  # multi-label: the set and its probabilities, each joined by '|'
                flat = {"id": record.get("id"), "labels": "|".join(record["labels"]),
                        "probabilities": "|".join(f"{p}" for p in record["probabilities"].values())}
            else:
                flat = {key: record.get(key) for key in ("id", "label", "probability")}
            for i in range(self.k):
                entry = (record.get("top_k") or [])[i] if i < len(record.get("top_k") or []) else {}
                flat[f"label_{i + 1}"] = entry.get("label")
                flat[f"probability_{i + 1}"] = entry.get("probability")
            flat["error"] = record.get("error", "")
            rows.append(flat)
        pd.DataFrame(rows).to_csv(self.handle, header=not self.wrote_header, index=False)
        self.wrote_header = True


def predict_file(model: SecnewsModel, path: Path, fmt: str, writer: Writer, mapping: dict[str, str],
                 id_column: str | None, k: int, skip_empty: bool, batch_size: int,
                 advance: Callable[[int], None] = lambda n: None) -> int:
    """Predict every row of `path` in batches; returns the number of rows read."""
    seen = 0
    for chunk in read_chunks(path, fmt, batch_size):
        inputs = map_columns(chunk, model, mapping, f"--input {path}")
        if id_column and id_column not in chunk.columns:
            raise DataError(f"--id-column: column '{id_column}' not found in {path}")
        ids = chunk[id_column] if id_column else pd.Series(range(seen, seen + len(chunk)))
        writer.write(predict_chunk(model, inputs, ids.reset_index(drop=True), k, skip_empty))
        seen += len(chunk)
        advance(len(chunk))
    return seen


def write_texts(model: SecnewsModel, texts: list[str], writer: Writer, k: int, skip_empty: bool) -> None:
    """Predict texts given on the command line or stdin (ids are their positions)."""
    frame = model.frame(texts)
    writer.write(predict_chunk(model, frame, pd.Series(range(len(texts))), k, skip_empty))
