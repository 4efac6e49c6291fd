"""Shard reading for streaming: chunk boundaries, exact file:line errors, hold-out by hash, empty texts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from core.errors import DataError
from features.shards import Columns, ShardError, chunk_shard, held_out, read_chunk, scan_shard, shard_files

COLUMNS = Columns(("text",), "label", "id")


def write_jsonl(path: Path, rows: int, start: int = 0) -> Path:
    lines = [json.dumps({"id": f"d{i}", "text": f"document number {i} about topic {i % 3}", "label": f"t{i % 3}"})
             for i in range(start, start + rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_chunks_hold_chunk_rows_lines_each_and_know_their_first_line(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", 25)
    chunks = chunk_shard(str(path), "jsonl", 10, hashlib.sha256())
    assert [(c.first_line, c.rows) for c in chunks] == [(1, 10), (11, 10), (21, 5)]
    table = read_chunk(chunks[1], COLUMNS)
    assert table["id"].to_pylist() == [f"d{i}" for i in range(10, 20)]
    assert table["__line"].to_pylist() == list(range(11, 21))


def test_a_truncated_jsonl_shard_is_reported_with_its_file_and_last_line(tmp_path):
    path = write_jsonl(tmp_path / "cut.jsonl", 12)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ShardError) as caught:
        scan_shard(str(path), "jsonl", 5, COLUMNS, 0.0)
    assert str(caught.value) == (f"{path}:12: invalid JSON (Unterminated string starting at; "
                                 "truncated or corrupt line?)")


def test_a_corrupt_line_inside_a_shard_is_reported_by_its_line_number(tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", 30)
    lines = path.read_text().splitlines()
    lines[16] = lines[16].replace('"text":', '"text"')
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ShardError, match=rf"^{path}:17: invalid JSON \(Expecting ':' delimiter"):
        scan_shard(str(path), "jsonl", 10, COLUMNS, 0.0)


def test_skipping_a_bad_shard_returns_its_error_instead_of_raising(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine", "label": "a"}\nnot json\n')
    scan = scan_shard(str(path), "jsonl", 10, COLUMNS, 0.0, fail=False)
    assert scan.error.startswith(f"{path}:2: invalid JSON") and scan.chunks == []


def test_a_row_without_a_label_names_its_line(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", 6)
    lines = path.read_text().splitlines()
    lines[3] = json.dumps({"id": "x", "text": "no label here"})
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ShardError, match=rf"^{path}:4: no label in 'label'$"):
        scan_shard(str(path), "jsonl", 10, COLUMNS, 0.0)


def test_blank_lines_do_not_shift_reported_line_numbers(tmp_path):
    path = tmp_path / "gaps.jsonl"
    path.write_text('{"text": "a b", "label": "x"}\n\n{"text": "c d", "label": "y"}\n')
    chunks = chunk_shard(str(path), "jsonl", 10, hashlib.sha256())
    assert read_chunk(chunks[0], COLUMNS)["__line"].to_pylist() == [1, 3]


def test_csv_records_may_span_lines_and_a_short_row_is_reported(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('id,text,label\n1,"two\nlines",a\n2,plain,b\n3,also plain,a\n', encoding="utf-8")
    chunks = chunk_shard(str(path), "csv", 2, hashlib.sha256())
    assert [(c.first_line, c.rows) for c in chunks] == [(2, 2), (5, 1)]
    assert read_chunk(chunks[0], COLUMNS)["text"].to_pylist() == ["two\nlines", "plain"]
    path.write_text("id,text,label\n1,fine,a\n2,cut off\n", encoding="utf-8")
    with pytest.raises(ShardError, match=rf"^{path}:3: expected 3 fields like the header, got 2"):
        chunk_shard(str(path), "csv", 2, hashlib.sha256())


def test_parquet_chunks_are_slices_of_row_groups(tmp_path):
    path = tmp_path / "a.parquet"
    pd.DataFrame({"id": [f"d{i}" for i in range(7)], "text": ["x y"] * 7, "label": ["a", "b"] * 3 + ["a"]}) \
        .to_parquet(path, row_group_size=4)
    chunks = chunk_shard(str(path), "parquet", 3, hashlib.sha256())
    assert [(c.row_group, c.start, c.rows) for c in chunks] == [(0, 0, 3), (0, 3, 1), (1, 0, 3)]
    assert read_chunk(chunks[3 - 1], COLUMNS)["id"].to_pylist() == ["d4", "d5", "d6"]


def test_a_file_that_is_not_parquet_is_reported_by_name(tmp_path):
    path = tmp_path / "fake.parquet"
    path.write_text("not parquet")
    with pytest.raises(ShardError, match=rf"^{path}: not readable as parquet"):
        chunk_shard(str(path), "parquet", 3, hashlib.sha256())


def test_empty_texts_are_dropped_or_refused_with_their_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "words", "label": "a"}\n{"text": "  ", "label": "b"}\n')
    chunk = chunk_shard(str(path), "jsonl", 10, hashlib.sha256())[0]
    assert read_chunk(chunk, COLUMNS).num_rows == 1
    with pytest.raises(ShardError, match=rf"^{path}:2: empty text in text; set data.empty_text: drop"):
        read_chunk(chunk, Columns(("text",), "label", None, (), "reject"))


def test_holding_out_by_hash_is_deterministic_and_close_to_the_share():
    import pyarrow as pa

    keys = pa.array([f"doc-{i}" for i in range(20_000)])
    first, second = held_out(keys, 0.1), held_out(keys, 0.1)
    assert (first == second).all()
    assert 0.09 < first.mean() < 0.11


def test_compressed_shards_are_refused_with_advice(tmp_path):
    (tmp_path / "a.jsonl.gz").write_bytes(b"")
    with pytest.raises(DataError, match="is compressed; streaming reads shards at byte offsets"):
        shard_files(str(tmp_path / "*.jsonl.gz"), "auto", "train")
