"""Our MLflow model format: the standard sklearn flavor (skops file) whose python_function entry points at
`train.serving`, so `mlflow.pyfunc` and `mlflow models serve` load through our allow-listed loader and answer
with labels and probabilities, while `mlflow.sklearn.load_model` still returns the plain pipeline.

Used through `mlflow.models.Model.log(flavor=train.flavor, ...)`, MLflow's hook for custom flavors.
"""

from __future__ import annotations

import os
from typing import Any

LOADER_MODULE = "train.serving"


def save_model(path: str, mlflow_model: Any, sk_model: Any, trusted_types: list[str], signature: Any,
               input_example: Any, pip_requirements: list[str], validate_serving_input: bool = True) -> None:
    """Save the sklearn flavor in skops format, then route python_function through `train.serving`.

    `validate_serving_input` is read by `Model.log` itself (MLflow passes its keyword arguments on to us).
    """
    import mlflow.sklearn

    mlflow.sklearn.save_model(
        sk_model,
        path,
        mlflow_model=mlflow_model,
        serialization_format="skops",
        skops_trusted_types=trusted_types,
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
    )
    pyfunc = mlflow_model.flavors["python_function"]
    pyfunc["loader_module"] = LOADER_MODULE
    pyfunc.pop("predict_fn", None)
    mlflow_model.save(os.path.join(path, "MLmodel"))
