"""Load a saved secnews model (safely) and predict labels and probabilities from texts or DataFrames.

`load_model("models:/topic@champion")` accepts `models:/NAME@alias`, `models:/NAME/3`, `models:/m-<id>`,
`runs:/RUN_ID/model` or a local model folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from core.errors import ConfigError, DataError, SecnewsError
from core.tasks import Task
from train.safe_load import check_versions, load_skops
from train.tasks import get_task


@dataclass
class SecnewsModel:
    """A fitted pipeline plus what it was trained on: task, input columns, classes."""

    pipeline: Any
    task: Task
    input_columns: list[str]
    classes: list[str]
    source: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def multi_label(self) -> bool:
        return self.task.multi_label

    @classmethod
    def from_dir(cls, folder: str | Path, source: str | None = None) -> SecnewsModel:
        """Read a downloaded model folder: MLmodel metadata, then the skops file through the safe loader."""
        folder = Path(folder)
        mlmodel = folder / "MLmodel"
        if not mlmodel.is_file():
            raise SecnewsError(f"{source or folder}: not an MLflow model folder (no MLmodel file)")
        spec = yaml.safe_load(mlmodel.read_text(encoding="utf-8"))
        sklearn = spec.get("flavors", {}).get("sklearn")
        if not sklearn or sklearn.get("serialization_format") != "skops":
            raise SecnewsError(f"{source or folder}: not a secnews model (needs the sklearn flavor in skops format)")
        meta = (spec.get("metadata") or {}).get("secnews") or {}
        pipeline = load_skops(folder / sklearn["pickled_model"])
        columns = meta.get("input_columns") or _signature_columns(spec) or ["text"]
        classes = meta.get("classes") or [str(c) for c in getattr(pipeline, "classes_", [])]
        messages = check_versions(meta.get("versions", {}), source or str(folder))
        try:
            task = get_task(meta.get("task", "topic"))
        except ConfigError:
            raise SecnewsError(f"{source or folder}: trained for task '{meta.get('task')}', which this secnews "
                               "does not know") from None
        return cls(pipeline, task, columns, classes, source or str(folder), messages)

    def frame(self, data: Any) -> pd.DataFrame:
        """Shape any accepted input as the model's input DataFrame.

        Texts (a string or a list of strings) fill the last input column (`text`, or `body` of a title+body
        model, leaving the title empty); DataFrames and dicts carry the input columns by name, or a `text`
        column that stands for the last one.
        """
        if isinstance(data, str):
            data = [data]
        if isinstance(data, dict):
            data = pd.DataFrame(data)
        if isinstance(data, list) and data and isinstance(data[0], dict):
            data = pd.DataFrame(data)
        if isinstance(data, pd.Series):
            data = data.to_frame(self.input_columns[-1] if data.name not in self.input_columns else data.name)
        lone = self.task.lone_text_column(self.input_columns)
        if not isinstance(data, pd.DataFrame):
            texts = ["" if t is None else str(t) for t in np.asarray(data, dtype=object).ravel()]
            if lone is None:
                raise DataError(f"{self.task.name} models take rows with the columns "
                                f"{', '.join(self.input_columns)}, not single texts: give a file (--input) or a "
                                "DataFrame")
            data = pd.DataFrame({c: [""] * len(texts) for c in self.input_columns if c != lone} | {lone: texts})
        missing = [c for c in self.input_columns if c not in data.columns]
        if missing and "text" in data.columns and lone in missing:
            data = data.rename(columns={"text": lone})
            data = data.assign(**{c: "" for c in self.input_columns if c not in data.columns})
            missing = []
        if missing:
            raise DataError(f"input is missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                            f"the model expects {', '.join(self.input_columns)}")
        return data[self.input_columns].fillna("").astype(str)

    def _features(self, data: Any) -> Any:
        """The fitted feature union's output, computed once per call and shared by labels and probabilities."""
        return self.pipeline[:-1].transform(self.frame(data))

    def _labels(self, predicted: Any) -> np.ndarray:
        if self.multi_label:  # a 1-D array of lists (np.asarray would make a 2-D array of equal-length lists)
            out = np.empty(len(predicted), dtype=object)
            out[:] = [[self.classes[j] for j in np.flatnonzero(row)] for row in predicted]
            return out
        return np.asarray(predicted, dtype=object)

    def predict(self, data: Any) -> np.ndarray:
        """Predicted labels (for multi-label models: one list of labels per row)."""
        features = self._features(data)
        model = self.pipeline[-1]
        if self.multi_label and hasattr(model, "predict_from_proba"):
            return self._labels(model.predict_from_proba(model.predict_proba(features)))
        return self._labels(model.predict(features))

    @property
    def has_proba(self) -> bool:
        return hasattr(self.pipeline, "predict_proba")

    def _no_proba(self) -> SecnewsError:
        return SecnewsError(f"{self.source}: this model gives no probabilities "
                            "(train it with a probabilistic model or `model.calibrated: true`)")

    def predict_proba(self, data: Any) -> pd.DataFrame:
        """Class probabilities, one column per class (per label, not summing to 1, for multi-label models)."""
        if not self.has_proba:
            raise self._no_proba()
        proba = self.pipeline[-1].predict_proba(self._features(data))
        return pd.DataFrame(np.asarray(proba), columns=self.classes)

    def _labels_and_proba(self, data: Any) -> tuple[np.ndarray, np.ndarray | None]:
        """Labels and probabilities from one feature pass (and one probability pass for multi-label models)."""
        features = self._features(data)
        model = self.pipeline[-1]
        if not self.has_proba:
            return self._labels(model.predict(features)), None
        proba = np.asarray(model.predict_proba(features))
        if self.multi_label and hasattr(model, "predict_from_proba"):
            return self._labels(model.predict_from_proba(proba)), proba
        return self._labels(model.predict(features)), proba

    def predict_table(self, data: Any) -> pd.DataFrame:
        """`label`, `probability` (of that label; NaN without probabilities) and one column per class.

        Multi-label models give the label set joined by `|` and, as `probability`, the lowest probability in it.
        """
        labels, proba = self._labels_and_proba(data)
        table = pd.DataFrame({"label": ["|".join(x) for x in labels] if self.multi_label else labels})
        if proba is None:
            table["probability"] = np.nan
            return table
        index = {c: i for i, c in enumerate(self.classes)}
        if self.multi_label:
            table["probability"] = [proba[i, [index[x] for x in row]].min() if len(row) else np.nan
                                    for i, row in enumerate(labels)]
        else:
            table["probability"] = proba[np.arange(len(proba)), [index[str(x)] for x in labels]]
        return pd.concat([table, pd.DataFrame(proba, columns=self.classes)], axis=1)

    def predict_records(self, data: Any) -> tuple[np.ndarray, np.ndarray | None]:
        """Labels (lists for multi-label models) and the probability matrix (rows x classes, or None)."""
        return self._labels_and_proba(data)


def _signature_columns(spec: dict[str, Any]) -> list[str]:
    inputs = (spec.get("signature") or {}).get("inputs")
    if not inputs:
        return []
    return [column["name"] for column in yaml.safe_load(inputs) if "name" in column]


def local_model_dir(uri: str, tracking_uri: str | None = None) -> Path:
    """Download (or locate) the model folder behind a URI; an unknown model or alias is a one-line error."""
    if Path(uri).is_dir():
        return Path(uri)
    if "://" not in uri and ":/" not in uri:
        raise SecnewsError(f"model {uri}: no such folder, and not a models:/ or runs:/ URI")
    import mlflow
    from mlflow.exceptions import MlflowException

    from train import tracking

    tracking.use_store(tracking.tracking_uri(tracking_uri))
    try:
        return Path(mlflow.artifacts.download_artifacts(artifact_uri=uri))
    except MlflowException as exc:
        reason = str(exc.message if hasattr(exc, "message") else exc).splitlines()[0][:200]
        raise SecnewsError(f"model {uri}: not found ({reason})") from None
    except OSError as exc:
        raise SecnewsError(f"model {uri}: cannot be read ({exc})") from None


def load_model(uri: str, tracking_uri: str | None = None) -> SecnewsModel:
    """Load a saved secnews model from a URI or folder through the allow-listed skops loader."""
    return SecnewsModel.from_dir(local_model_dir(uri, tracking_uri), source=uri)
