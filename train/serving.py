"""The python_function entry of secnews models: what `mlflow.pyfunc.load_model` and `mlflow models serve` call.

It answers a DataFrame with `label`, `probability` and one probability column per class.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from train.predict import SecnewsModel


class PyfuncModel:
    """Adapts a SecnewsModel to MLflow's pyfunc `predict(model_input, params)` contract."""

    def __init__(self, model: SecnewsModel) -> None:
        self.model = model

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> pd.DataFrame:
        return self.model.predict_table(model_input)


def _load_pyfunc(path: str) -> PyfuncModel:
    """MLflow calls this with the skops file's path (the flavor's `model_path`); its folder is the model."""
    folder = Path(path)
    return PyfuncModel(SecnewsModel.from_dir(folder if folder.is_dir() else folder.parent))
