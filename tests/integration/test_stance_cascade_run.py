"""The cascaded stance model through the real runner: the demo stance config with `stance_cascade` and the
cross-fitted `sentence_stance` block, its inner folds kept whole by the split's group column, logged and loaded
back as a secnews model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from train.config import load_config
from train.predict import load_model
from train.runner import run_training

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # ~60 s on the shared machine: demo features plus four cascade fits and a logged model
def test_the_cascade_trains_through_the_runner_and_predicts_the_argmax_of_its_probabilities(
        tmp_path: Path, mlflow_store: Any) -> None:
    config = yaml.safe_load((REPO / "configs" / "stance" / "demo.yaml").read_text())
    config["model"] = {"name": "stance_cascade", "params": {"stage1_features": ["pair_relatedness"], "hgb_iter": 15,
                                                            "decision_folds": 3}}
    config["features"].append({"name": "sentence_stance"})  # labels reach a builder's fit through the runner
    config["eval"] = {"dev_split": False}
    path = tmp_path / "cascade.yaml"
    path.write_text(yaml.safe_dump(config))

    result = run_training(load_config(path))

    assert {"fnc_score_pct", "macro_f1", "f1_disagree"} <= set(result.metrics)
    model = load_model(result.model_uri)
    cascade = model.pipeline[-1]
    assert type(cascade).__name__ == "CascadeStanceClassifier" and cascade.oof_proba_.shape[1] == 4
    unseen = pd.DataFrame({"headline": ["Ransomware crew denies port attack", "Troops cross the border"],
                           "body": ["Officials said the port systems were never encrypted; the claim was a hoax.",
                                    "Witnesses reported armoured columns crossing the border at dawn."]})
    proba = model.pipeline.predict_proba(unseen)
    assert list(model.pipeline.predict(unseen)) == list(cascade.classes_[np.argmax(proba, axis=1)])
