"""Smoke test for notebooks/*.ipynb: run every code cell, in order, in a fresh Python, against a throw-away store.

No Jupyter needed: code cells are read from the .ipynb JSON with the stdlib, IPython magics and shell escapes are
blanked, `display` is a print shim, and each cell is compiled as `<cell N>` so a failure names its cell.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
_MAGIC = re.compile(r"^(\s*)(%|!)")

# Runs inside the subprocess: argv[1] is a JSON list of cell sources; executes them in one namespace.
DRIVER = r"""
import ast, json, sys, traceback

def display(*objects, **kwargs):
    for obj in objects:
        print(obj.to_string() if hasattr(obj, "to_string") else obj)

def run_cell(source, index, namespace):
    # Like Jupyter: a trailing expression is evaluated and displayed.
    tree = ast.parse(source, f"<cell {index}>")
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, f"<cell {index}>", "exec"), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), f"<cell {index}>", "eval"), namespace)
        if value is not None:
            display(value)

with open(sys.argv[1], encoding="utf-8") as handle:
    cells = json.load(handle)
namespace = {"__name__": "__main__", "display": display}
for index, source in enumerate(cells):
    print(f"--- cell {index}", flush=True)
    try:
        run_cell(source, index, namespace)
    except BaseException:
        print(f"CELL {index} FAILED", file=sys.stderr)
        traceback.print_exc()
        sys.stderr.flush()
        sys.exit(3)
"""


def code_cells(notebook: Path) -> list[str]:
    """Sources of the notebook's code cells, in order, with magics (`%`, `%%`, `!`) turned into `pass`."""
    doc = json.loads(notebook.read_text(encoding="utf-8"))
    cells = []
    for cell in doc["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        cells.append("\n".join(_MAGIC.sub(r"\1pass  # ", line) for line in source.splitlines()))
    return cells


def test_notebooks_are_clean_nbformat_4() -> None:
    assert NOTEBOOKS, "no notebooks found in notebooks/"
    for notebook in NOTEBOOKS:
        doc = json.loads(notebook.read_text(encoding="utf-8"))
        assert doc["nbformat"] == 4 and doc["nbformat_minor"] >= 5, notebook.name
        ids = [cell["id"] for cell in doc["cells"]]
        assert len(ids) == len(set(ids)), f"{notebook.name}: duplicate cell ids"
        for cell in doc["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, \
                    f"{notebook.name}: cell {cell['id']} has stored outputs"


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_runs(notebook: Path, mlflow_store: Any, tmp_path: Path) -> None:
    cells = code_cells(notebook)
    cells_file = tmp_path / f"{notebook.stem}.cells.json"
    cells_file.write_text(json.dumps(cells), encoding="utf-8")
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": mlflow_store.uri,
        "MPLBACKEND": "Agg",
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run([sys.executable, "-c", DRIVER, str(cells_file)], cwd=notebook.parent, env=env,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        failed = re.search(r"CELL (\d+) FAILED", done.stderr)
        where = f"code cell {failed.group(1)}" if failed else f"exit code {done.returncode}"
        pytest.fail(f"{notebook.name}: {where} failed\n--- stderr ---\n{done.stderr[-6000:]}"
                    f"\n--- stdout (tail) ---\n{done.stdout[-2000:]}", pytrace=False)
    assert done.stdout.count("--- cell ") == len(cells)
