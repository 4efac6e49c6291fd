"""The rows trained on and the logged digest describe the bytes on disk now, never a cached copy of older bytes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from features.loading import content_hash, read_files
from tests.robustness.checks import write_tiny


def _edit_keeping_mtime(path: Path, old: str, new: str) -> None:
    """Rewrite the file in place with the same length and restore its modification time (what the cache keys on)."""
    assert len(old) == len(new)
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_mtime_ns == stat.st_mtime_ns and path.stat().st_size == stat.st_size


def test_an_in_place_edit_with_the_mtime_restored_is_read_anew(tmp_path):
    path = tmp_path / "a.csv"
    pd.DataFrame({"text": ["alpha one", "beta two"], "label": ["x", "y"]}).to_csv(path, index=False)
    before = content_hash([str(path)])
    assert read_files(str(path), "auto", "train")["text"].tolist() == ["alpha one", "beta two"]
    _edit_keeping_mtime(path, "alpha one", "gamma six")
    assert read_files(str(path), "auto", "train")["text"].tolist() == ["gamma six", "beta two"]
    assert content_hash([str(path)]) != before


def _logged(store, run_id: str) -> tuple[dict[str, str], dict]:
    run = store.client.get_run(run_id)
    digests = {d.tags[0].value: d.dataset.digest for d in run.inputs.dataset_inputs}
    summary = json.loads(Path(store.client.download_artifacts(run_id, "data/summary.json")).read_text())
    return digests, summary


def test_a_rerun_after_an_in_place_edit_logs_the_new_rows_and_digest(tmp_path, mlflow_store, run_cli):
    config = write_tiny(tmp_path, data={"train": "articles.csv", "text_columns": ["title", "body"],
                                        "label_column": "label", "split": {"method": "random"}})
    first = run_cli("train", config, "--json")
    assert first.code == 0, first.stderr
    # relabel the last phishing row in place, same length, same modification time
    _edit_keeping_mtime(tmp_path / "articles.csv", ",phishing\n", ",PHISHING\n")
    second = run_cli("train", config, "--json")
    assert second.code == 0, second.stderr
    old_digests, old_summary = _logged(mlflow_store, json.loads(first.stdout.splitlines()[-1])["run_id"])
    new_digests, new_summary = _logged(mlflow_store, json.loads(second.stdout.splitlines()[-1])["run_id"])
    assert "PHISHING" not in old_summary["classes"]["train"] | old_summary["classes"]["test"]
    new_counts = new_summary["classes"]["train"] | new_summary["classes"]["test"]
    assert "PHISHING" in new_counts
    assert new_digests != old_digests
