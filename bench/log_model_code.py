"""What carrying our code in each logged model (MLflow code_paths) costs in `log_model` time and model size.

Fits the demo topic pipeline once, logs it REPEATS times with and without the code folder into a throw-away
store, and prints the median wall time of each and their difference. Run: .venv/bin/python bench/log_model_code.py
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from pathlib import Path

REPEATS = 7
ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    import mlflow

    import train.flavor
    from features.data import prepare, read_raw
    from train import tracking
    from train.config import load_config
    from train.predict import SecnewsModel
    from train.runner import SilentReporter, fit_pipeline

    config = load_config(ROOT / "configs/topic/demo.yaml")
    data = prepare(config.data, config.task_component, config.seed, read_raw(config.data, config.task_component))
    fitted = fit_pipeline(config, data, SilentReporter())
    example = data.X("test").head(3).reset_index(drop=True)
    model = SecnewsModel(fitted.pipeline, config.task_component, data.text_columns, fitted.classes)
    output = model.predict_table(example)
    meta = {"task": config.task, "input_columns": data.text_columns, "classes": fitted.classes}
    with_code = train.flavor.staged_code
    timings: dict[str, list[float]] = {"with code": [], "without code": []}
    with tempfile.TemporaryDirectory() as folder:
        tracking.use_store(f"sqlite:///{folder}/mlflow.db")
        tracking.ensure_experiment("log-model-cost")
        with mlflow.start_run():
            for _ in range(REPEATS):
                for label, staged in (("with code", with_code), ("without code", lambda: contextlib.nullcontext([]))):
                    train.flavor.staged_code = staged
                    start = time.perf_counter()
                    tracking.log_model(fitted.pipeline, example, output, meta, accept_text=True)
                    timings[label].append(time.perf_counter() - start)
        train.flavor.staged_code = with_code
        code_bytes = sum(p.stat().st_size for p in Path(folder).rglob("*") if "/code/" in str(p) and p.is_file())
    medians = {label: statistics.median(values) for label, values in timings.items()}
    for label, value in medians.items():
        print(f"log_model {label:<13} median {value:.3f} s over {REPEATS}")
    print(f"code_paths cost: {medians['with code'] - medians['without code']:+.3f} s per model, "
          f"{code_bytes / REPEATS / 1024:.0f} KiB of source per model")


if __name__ == "__main__":
    main()
