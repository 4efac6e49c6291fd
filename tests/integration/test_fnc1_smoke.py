"""FNC-1 smoke test: the real stance config trains on a small FNC-1 subset within a minute.

The subset is written to the test's temporary folder (never into the repository); it skips with a reason when
the shared data folder is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from train.config import load_config
from train.runner import run_training
from train.tasks.stance.fnc import fnc_score

REPO = Path(__file__).resolve().parents[2]


def _subset(folder: Path, split: str, bodies: int, seed: int, out: Path) -> None:
    """All pairs of `bodies` randomly chosen bodies of one FNC-1 split (so bodies never straddle files)."""
    stances = pd.read_csv(folder / f"{split}_stances.csv")
    texts = pd.read_csv(folder / f"{split}_bodies.csv")
    chosen = texts["Body ID"].sample(n=bodies, random_state=seed)
    stances[stances["Body ID"].isin(chosen)].to_csv(out / f"{split}_stances.csv", index=False)
    texts[texts["Body ID"].isin(chosen)].to_csv(out / f"{split}_bodies.csv", index=False)


@pytest.mark.slow
def test_fnc1_config_trains_on_a_small_subset_in_under_a_minute(secnews_data: Path, tmp_path: Path,
                                                                 mlflow_store: Any) -> None:
    fnc = secnews_data / "fnc1"
    _subset(fnc, "train", 150, 0, tmp_path)
    _subset(fnc, "competition_test", 60, 0, tmp_path)
    config = yaml.safe_load((REPO / "configs" / "stance" / "fnc1.yaml").read_text())
    for key in ("train", "train_bodies", "test", "test_bodies"):
        config["data"][key] = str(tmp_path / Path(config["data"][key]).name)
    config["model"]["params"]["hgb_iter"] = 50
    path = tmp_path / "fnc1-small.yaml"
    path.write_text(yaml.safe_dump(config))

    result = run_training(load_config(path))

    metrics = result.metrics
    assert 0 < metrics["fnc_score"] <= metrics["fnc_max"]
    gold = pd.read_csv(tmp_path / "competition_test_stances.csv")["Stance"]
    null_score, _ = fnc_score(gold, ["unrelated"] * len(gold))
    assert metrics["fnc_score"] > null_score  # better than calling every pair unrelated
    assert {"dev_fnc_score_pct", "dev_macro_f1", "f1_disagree", "macro_f1"} <= set(metrics)
    assert {"stance_errors.json", "stance_errors.md"} <= set(result.artifacts)  # the stance error analysis
    assert mlflow_store.client.get_run(result.run_id).info.status == "FINISHED"
