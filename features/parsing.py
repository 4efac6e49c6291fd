"""Find the first unreadable spot of a data file, in our words (line and what was wrong).

`datasets` reports parse failures as `An error occurred while generating the dataset`; this re-reads a file
that failed with the standard library to say where and why.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

SNIFF_BYTES = 8192


def _not_text(raw: bytes) -> str | None:
    """A line naming the first byte that is not UTF-8 text (NUL bytes count: they mark binary files)."""
    nul = raw.find(b"\0", 0, SNIFF_BYTES)
    if nul >= 0:
        return f"a binary file, not UTF-8 text: NUL byte at offset {nul}"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        return f"line {line} is not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}; save the file as UTF-8"
    return None


def _csv_problem(text: str, delimiter: str) -> str | None:
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if not header:
            return "empty: expected a header line and data rows"
        rows = 0
        for row in reader:
            if not row:
                continue
            rows += 1
            if len(row) > len(header):
                return (f"line {reader.line_num} has {len(row)} fields but the header has {len(header)}: "
                        "an unquoted delimiter in a text?")
    except csv.Error as exc:
        return f"line {reader.line_num}: {exc}"
    if rows == 0:
        return "a header but no data rows"
    return None


def _jsonl_problem(text: str) -> str | None:
    rows = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            return f"line {number} is not valid JSON: {exc.msg} at column {exc.colno}"
        if not isinstance(value, dict):
            return f"line {number} is a JSON {type(value).__name__}, expected one object per line"
        rows += 1
    return None if rows else "no data rows"


def first_problem(path: str, fmt: str) -> str | None:
    """What is wrong with a CSV/TSV/JSONL file, in a few words (None when this check finds nothing, e.g. Parquet)."""
    if fmt not in {"csv", "tsv", "jsonl"}:
        return None
    raw = Path(path).read_bytes()
    if not raw.strip():
        return "the file is empty"
    found = _not_text(raw)
    if found:
        return found
    text = raw.decode("utf-8").removeprefix("\ufeff")
    return _jsonl_problem(text) if fmt == "jsonl" else _csv_problem(text, "\t" if fmt == "tsv" else ",")
