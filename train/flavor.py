"""Our MLflow model format: the standard sklearn flavor (skops file) whose python_function entry points at
`train.serving`, so `mlflow.pyfunc` and `mlflow models serve` load through our allow-listed loader and answer
with labels and probabilities, while `mlflow.sklearn.load_model` still returns the plain pipeline.

The model carries our own packages as MLflow `code_paths` (the `code/` folder, put on sys.path when MLflow loads
the model), so `mlflow.pyfunc.load_model`, `mlflow models serve` and Spark UDFs work where secnews is not
installed, from the model's own requirements.txt.

Used through `mlflow.models.Model.log(flavor=train.flavor, ...)`, MLflow's hook for custom flavors.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata, util
from pathlib import Path
from typing import Any

LOADER_MODULE = "train.serving"
DISTRIBUTION = "secnews"
# Inside our packages but not code: the demo corpus and configs an installed wheel carries (features/bundled.py).
NOT_CODE = ("__pycache__", "*.pyc", "package_data")


def code_packages() -> list[str]:
    """Top-level packages of the installed secnews distribution (features, train, and any base layer)."""
    try:
        listed = metadata.distribution(DISTRIBUTION).read_text("top_level.txt") or ""
    except metadata.PackageNotFoundError:
        listed = ""
    if listed.split():
        return listed.split()
    from core.errors import SecnewsError
    from features.bundled import CHECKOUT, from_checkout

    if from_checkout():  # run from the source tree without installing it
        return sorted(folder.name for folder in CHECKOUT.iterdir() if (folder / "__init__.py").is_file())
    raise SecnewsError(f"cannot tell which packages make up {DISTRIBUTION}: install it with pip to log models")


@contextmanager
def staged_code() -> Iterator[list[str]]:
    """The model's code_paths: our package folders, each copied without its bundled data when it has some
    (an installed wheel); a checkout's folders hold only code and are passed as they are (MLflow skips
    __pycache__), which saves a copy per logged model."""
    with tempfile.TemporaryDirectory(prefix="secnews-code-") as folder:
        paths = []
        for name in dict.fromkeys(code_packages()):
            spec = util.find_spec(name)
            if spec is None or not spec.submodule_search_locations:
                continue
            source = Path(list(spec.submodule_search_locations)[0])
            if not (source / "package_data").exists():
                paths.append(str(source))
                continue
            target = Path(folder) / name
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(*NOT_CODE))
            paths.append(str(target))
        yield paths


def save_model(path: str, mlflow_model: Any, sk_model: Any, trusted_types: list[str], signature: Any,
               input_example: Any, pip_requirements: list[str], validate_serving_input: bool = True) -> None:
    """Save the sklearn flavor in skops format with our code, then route python_function through `train.serving`.

    `validate_serving_input` is read by `Model.log` itself (MLflow passes its keyword arguments on to us).
    """
    import mlflow.sklearn

    with staged_code() as code_paths:
        mlflow.sklearn.save_model(
            sk_model,
            path,
            mlflow_model=mlflow_model,
            serialization_format="skops",
            skops_trusted_types=trusted_types,
            signature=signature,
            input_example=input_example,
            pip_requirements=pip_requirements,
            code_paths=code_paths,
        )
    pyfunc = mlflow_model.flavors["python_function"]
    pyfunc["loader_module"] = LOADER_MODULE
    pyfunc.pop("predict_fn", None)
    mlflow_model.save(os.path.join(path, "MLmodel"))
