"""The corridor's layering: core imports neither features nor train; features never imports train; only the
stance task's own modules mention stance."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FORBIDDEN = {"core": ("features", "train"), "features": ("train",)}
STANCE_MODULES = ("features/stance/", "train/tasks/stance/")


def imported_packages(path: Path) -> set[str]:
    """Top-level package names a module imports, wherever the import statement stands."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_never_imports_the_layers_above_it(layer):
    offenders = {str(path.relative_to(REPO)): sorted(imported_packages(path) & set(FORBIDDEN[layer]))
                 for path in (REPO / layer).rglob("*.py")}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_only_the_stance_modules_mention_stance():
    mentions = []
    for package in ("features", "train"):
        for path in (REPO / package).rglob("*.py"):
            relative = path.relative_to(REPO).as_posix()
            if relative.startswith(STANCE_MODULES):
                continue
            text = path.read_text(encoding="utf-8")
            mentions += [f"{relative}:{n}" for n, line in enumerate(text.splitlines(), 1)
                         if re.search(r"\bstance\b", line, re.IGNORECASE)]
    assert mentions == []
