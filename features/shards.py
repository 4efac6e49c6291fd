"""Read JSONL/CSV/Parquet shards in chunks of rows, each chunk addressable on its own (file + byte offset or row
group), so chunks can be shuffled, read on any worker, and reported by file and line when they are broken."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.errors import DataError
from features.loading import file_format, resolve_files


class ShardError(DataError):
    """A shard that cannot be read as declared; the message starts with `file:line:` where a line is known."""


@dataclass(frozen=True)
class Columns:
    """Which source fields a chunk reader returns, under the model's column names."""

    text: tuple[str, ...]
    label: str
    id: str | None = None
    rename: tuple[tuple[str, str], ...] = ()  # (source name, model name)
    empty_text: str = "drop"

    def source(self, name: str) -> str:
        return next((src for src, dst in self.rename if dst == name), name)

    @property
    def wanted(self) -> tuple[str, ...]:
        return (*self.text, self.label, *((self.id,) if self.id else ()))


@dataclass(frozen=True)
class Chunk:
    """Rows `first_line`… of one shard: a byte range (JSONL, CSV) or a slice of a row group (Parquet)."""

    path: str
    fmt: str
    start: int
    stop: int
    first_line: int
    rows: int
    row_group: int = -1
    header: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        if self.fmt == "parquet":
            return f"{self.path} (row group {self.row_group})"
        return f"{self.path}:{self.first_line}"


@dataclass
class ShardScan:
    """What one pass over a shard found: its chunks, label counts, rows, a content digest, or the error."""

    path: str
    chunks: list[Chunk] = field(default_factory=list)
    labels: Counter = field(default_factory=Counter)
    held_out_labels: Counter = field(default_factory=Counter)
    rows: int = 0
    dropped_empty: int = 0
    digest: str = ""
    error: str | None = None


def shard_files(pattern: str, declared: str, key: str) -> tuple[list[str], str]:
    """The files a `data.train`/`data.test` pattern names and their common format (compressed shards refused)."""
    files = resolve_files(pattern, key)
    compressed = [f for f in files if f.endswith((".gz", ".bz2", ".xz", ".zst"))]
    if compressed:
        raise DataError(f"data.{key}: {compressed[0]} is compressed; streaming reads shards at byte offsets, "
                        "so decompress them or convert them to Parquet")
    fmt = file_format(files, declared, key)
    if fmt == "json":
        fmt = "jsonl"
    return files, fmt


# ---------------------------------------------------------------------------------------------------------------
# Chunk boundaries


def _line_chunks(path: str, fmt: str, chunk_rows: int, digest: Any) -> list[Chunk]:
    """JSONL: a chunk every `chunk_rows` non-blank lines, by byte offset."""
    chunks, start, offset, first, rows = [], 0, 0, 1, 0
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            digest.update(line)
            offset += len(line)
            if line.strip():
                rows += 1
            if rows == chunk_rows:
                chunks.append(Chunk(path, fmt, start, offset, first, rows))
                start, first, rows = offset, number + 1, 0
    if rows:
        chunks.append(Chunk(path, fmt, start, offset, first, rows))
    return chunks


def _csv_chunks(path: str, fmt: str, chunk_rows: int, digest: Any) -> list[Chunk]:
    """CSV/TSV: a chunk every `chunk_rows` records; records may span lines (quoted newlines)."""
    csv.field_size_limit(sys.maxsize)
    delimiter = "\t" if fmt == "tsv" else ","
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(iter(handle.readline, ""), delimiter=delimiter)
        try:
            header = tuple(next(reader))
        except StopIteration:
            return []
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ShardError(f"{path}:1: not readable as {fmt} ({exc})") from None
        chunks, start, first, rows = [], handle.tell(), reader.line_num + 1, 0
        while True:
            try:
                record = next(reader, None)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise ShardError(f"{path}:{reader.line_num + 1}: not readable as {fmt} ({exc})") from None
            if record is None:
                break
            if not record:
                continue
            if len(record) != len(header):
                raise ShardError(f"{path}:{reader.line_num}: expected {len(header)} fields like the header, "
                                 f"got {len(record)} (truncated or corrupt row?)")
            rows += 1
            if rows == chunk_rows:
                chunks.append(Chunk(path, fmt, start, handle.tell(), first, rows, header=header))
                start, first, rows = handle.tell(), reader.line_num + 1, 0
        if rows:
            chunks.append(Chunk(path, fmt, start, handle.tell(), first, rows, header=header))
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 24), b""):
            digest.update(block)
    return chunks


def _parquet_chunks(path: str, chunk_rows: int, digest: Any) -> list[Chunk]:
    """Parquet: slices of at most `chunk_rows` rows inside each row group."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except (pa.ArrowException, OSError) as exc:
        raise ShardError(f"{path}: not readable as parquet ({exc})") from None
    chunks = []
    for group in range(meta.num_row_groups):
        total = meta.row_group(group).num_rows
        for start in range(0, total, chunk_rows):
            stop = min(start + chunk_rows, total)
            chunks.append(Chunk(path, "parquet", start, stop, start + 1, stop - start, row_group=group))
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 24), b""):
            digest.update(block)
    return chunks


def chunk_shard(path: str, fmt: str, chunk_rows: int, digest: Any) -> list[Chunk]:
    """Split one shard into independently readable chunks, feeding its bytes to `digest`."""
    if fmt == "parquet":
        return _parquet_chunks(path, chunk_rows, digest)
    if fmt in ("csv", "tsv"):
        return _csv_chunks(path, fmt, chunk_rows, digest)
    return _line_chunks(path, fmt, chunk_rows, digest)


# ---------------------------------------------------------------------------------------------------------------
# Reading a chunk


def _read_bytes(chunk: Chunk) -> bytes:
    with open(chunk.path, "rb") as handle:
        handle.seek(chunk.start)
        data = handle.read(chunk.stop - chunk.start)
    if len(data) != chunk.stop - chunk.start:
        raise ShardError(f"{chunk.where}: shard is shorter than when it was scanned (changed or truncated)")
    return data


def _json_records(chunk: Chunk, data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; the first bad line raises ShardError naming it."""
    records = []
    for number, line in enumerate(data.split(b"\n"), start=chunk.first_line):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "msg", None) or str(exc)
            raise ShardError(f"{chunk.path}:{number}: invalid JSON ({reason}; truncated or corrupt line?)") from None
        if not isinstance(value, dict):
            raise ShardError(f"{chunk.path}:{number}: expected a JSON object, got {type(value).__name__}")
        records.append((number, value))
    return records


def _as_string(values: list[Any]) -> pa.Array:
    return pa.array([None if v is None else v if isinstance(v, str) else json.dumps(v) if isinstance(v, (list, dict))
                     else str(v) for v in values], type=pa.large_string())


def _table_from_records(chunk: Chunk, columns: Columns, records: list[tuple[int, dict[str, Any]]]) -> pa.Table:
    lines = pa.array([n for n, _ in records], type=pa.int64())
    arrays = {name: _as_string([r.get(columns.source(name)) for _, r in records]) for name in columns.wanted}
    return pa.table({**arrays, "__line": lines})


def _read_jsonl(chunk: Chunk, columns: Columns) -> pa.Table:
    """Fast path: pyarrow's JSON reader; on any complaint, re-read in Python to name the exact line."""
    import pyarrow.json as pj

    data = _read_bytes(chunk)
    try:
        table = pj.read_json(io.BytesIO(data), read_options=pj.ReadOptions(block_size=max(len(data), 1 << 20)))
        if table.num_rows != chunk.rows:
            raise ValueError("row count differs")
        arrays = {}
        for name in columns.wanted:
            source = columns.source(name)
            if source not in table.column_names:
                arrays[name] = pa.nulls(table.num_rows, pa.large_string())
            elif pa.types.is_string(table[source].type) or pa.types.is_large_string(table[source].type):
                arrays[name] = table[source].combine_chunks().cast(pa.large_string())
            else:
                raise ValueError("not a string column")
    except (pa.ArrowException, ValueError):
        return _table_from_records(chunk, columns, _json_records(chunk, data))
    return pa.table({**arrays, "__line": _line_numbers(chunk, data)})


def _line_numbers(chunk: Chunk, data: bytes) -> pa.Array:
    """Line number of each record: consecutive unless the chunk has blank lines."""
    lines = data.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    if len(lines) == chunk.rows:
        return pa.array(np.arange(chunk.first_line, chunk.first_line + chunk.rows))
    return pa.array([n for n, line in enumerate(lines, start=chunk.first_line) if line.strip()], type=pa.int64())


def _read_csv(chunk: Chunk, columns: Columns) -> pa.Table:
    data = _read_bytes(chunk).decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(data, newline=""), delimiter="\t" if chunk.fmt == "tsv" else ",")
    records = []
    for record in reader:
        if not record:
            continue
        if len(record) != len(chunk.header):
            raise ShardError(f"{chunk.path}:{chunk.first_line + reader.line_num - 1}: expected {len(chunk.header)} "
                             f"fields like the header, got {len(record)} (truncated or corrupt row?)")
        records.append((chunk.first_line + reader.line_num - 1, dict(zip(chunk.header, record, strict=True))))
    if len(records) != chunk.rows:
        raise ShardError(f"{chunk.where}: shard changed since it was scanned ({len(records)} rows, not {chunk.rows})")
    return _table_from_records(chunk, columns, records)


def _read_parquet(chunk: Chunk, columns: Columns) -> pa.Table:
    import pyarrow.parquet as pq

    try:
        group = pq.ParquetFile(chunk.path).read_row_group(chunk.row_group).slice(chunk.start, chunk.rows)
    except (pa.ArrowException, OSError) as exc:
        raise ShardError(f"{chunk.where}: not readable as parquet ({exc})") from None
    arrays = {}
    for name in columns.wanted:
        source = columns.source(name)
        arrays[name] = (group[source].combine_chunks().cast(pa.large_string()) if source in group.column_names
                        else pa.nulls(group.num_rows, pa.large_string()))
    return pa.table({**arrays, "__line": pa.array(np.arange(chunk.start + 1, chunk.start + 1 + group.num_rows))})


def read_chunk(chunk: Chunk, columns: Columns) -> pa.Table:
    """The chunk's rows as string columns (model names) plus `__line`; rows with no text dropped or refused,
    a row without a label refused, each error naming the file and line."""
    reader = {"parquet": _read_parquet, "csv": _read_csv, "tsv": _read_csv}.get(chunk.fmt, _read_jsonl)
    table = reader(chunk, columns)
    missing = [name for name in columns.wanted if table[name].null_count == table.num_rows and table.num_rows]
    if columns.label in missing or len([c for c in columns.text if c in missing]) == len(columns.text):
        name = columns.label if columns.label in missing else columns.text[0]
        raise ShardError(f"{chunk.where}: no field '{columns.source(name)}' in this part of the shard")
    label = table[columns.label]
    no_label = pc.equal(pc.utf8_trim_whitespace(label.fill_null("")), "")
    if pc.any(no_label).as_py():
        line = table["__line"].filter(no_label)[0].as_py()
        raise ShardError(f"{_line_ref(chunk, line)}: no label in '{columns.source(columns.label)}'")
    texts = [pc.utf8_trim_whitespace(table[c].fill_null("")) for c in columns.text]
    empty = pc.equal(texts[0], "")
    for text in texts[1:]:
        empty = pc.and_(empty, pc.equal(text, ""))
    if pc.any(empty).as_py():
        if columns.empty_text == "reject":
            line = table["__line"].filter(empty)[0].as_py()
            raise ShardError(f"{_line_ref(chunk, line)}: empty text in {', '.join(columns.text)}; "
                             "set data.empty_text: drop to skip such rows")
        table = table.filter(pc.invert(empty))
    return table.set_column(table.column_names.index(columns.label), columns.label,
                            pc.utf8_trim_whitespace(table[columns.label]))


def _line_ref(chunk: Chunk, line: int) -> str:
    return f"{chunk.path}:{line}" if chunk.fmt != "parquet" else f"{chunk.path} (row {line})"


# ---------------------------------------------------------------------------------------------------------------
# Hold-out by hash, and a whole-shard scan


def held_out(keys: pa.Array, fraction: float) -> np.ndarray:
    """Rows whose key (id, or text when there is no id) hashes into the first `fraction` of 10,000 buckets.

    Deterministic and order-free: a row lands on the same side in every run, on every worker, in every epoch.
    """
    from sklearn.utils import murmurhash3_32

    if fraction <= 0:
        return np.zeros(len(keys), dtype=bool)
    buckets = np.fromiter((murmurhash3_32(k or "", seed=1, positive=True) % 10_000 for k in keys.to_pylist()),
                          dtype=np.int64, count=len(keys))
    return buckets < round(fraction * 10_000)


def holdout_keys(table: pa.Table, columns: Columns) -> pa.Array:
    if columns.id:
        return table[columns.id].fill_null("").combine_chunks()
    return table[columns.text[-1]].fill_null("").combine_chunks()


def scan_shard(path: str, fmt: str, chunk_rows: int, columns: Columns, holdout: float,
               fail: bool = True) -> ShardScan:
    """One pass over a shard: chunk boundaries, content digest, label counts of its training (and held-out) rows.

    A broken shard raises ShardError when `fail`, else comes back with `error` set (and is left out).
    """
    scan = ShardScan(path)
    digest = hashlib.sha256()
    try:
        scan.chunks = chunk_shard(path, fmt, chunk_rows, digest)
        for chunk in scan.chunks:
            table = read_chunk(chunk, Columns(columns.text, columns.label, columns.id, columns.rename, "drop"))
            scan.dropped_empty += chunk.rows - table.num_rows
            if columns.empty_text == "reject" and chunk.rows != table.num_rows:
                read_chunk(chunk, columns)
            labels = table[columns.label].to_numpy(zero_copy_only=False)
            mask = held_out(holdout_keys(table, columns), holdout)
            scan.labels.update(labels[~mask].tolist())
            scan.held_out_labels.update(labels[mask].tolist())
            scan.rows += table.num_rows
    except DataError as exc:
        if fail:
            raise
        scan.error, scan.chunks = str(exc), []
    except OSError as exc:
        message = f"{path}: cannot read shard ({exc.strerror or exc})"
        if fail:
            raise ShardError(message) from None
        scan.error, scan.chunks = message, []
    scan.digest = digest.hexdigest()
    return scan


def shard_list_digest(scans: list[ShardScan]) -> str:
    """One digest for a list of shards: their names (relative order kept) and content digests."""
    joined = "\n".join(f"{Path(s.path).name}\t{s.digest}" for s in sorted(scans, key=lambda s: s.path))
    return hashlib.sha256(joined.encode()).hexdigest()[:32]
