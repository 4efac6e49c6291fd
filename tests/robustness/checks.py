"""Helpers shared by the robustness tests: one error line, a clean store, the tiny corpus on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.conftest import _tiny_config, _topic_frame


def one_error_line(result: Any, code: int = 2) -> str:
    """The single line a user error prints on stderr, after checking the exit code and that no traceback shows."""
    assert result.code == code, (result.code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def assert_store_clean(store: Any, allow_failed: bool = False) -> None:
    """No run left RUNNING, none FINISHED, no model version: what a failed command must leave behind."""
    statuses = [run.info.status for run in store.runs()]
    assert "RUNNING" not in statuses, statuses
    assert "FINISHED" not in statuses, statuses
    if not allow_failed:
        assert statuses == [], statuses
    assert store.client.search_model_versions() == []


def write_tiny(folder: Path, per_class: int = 12, name: str = "articles.csv", **sections: Any) -> Path:
    """The tiny three-class corpus as CSV plus a config over it (sections replace the config's); returns the config."""
    _topic_frame(per_class=per_class).to_csv(folder / name, index=False)
    path = folder / "experiment.yaml"
    path.write_text(yaml.safe_dump(_tiny_config(train=name, **sections), sort_keys=False), encoding="utf-8")
    return path
