"""The `secnews` command line: thin typer commands over plain functions; user errors → one line, exit 2."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Train, compare and use security-news classifiers.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
config_app = typer.Typer(help="Inspect and check experiment configs.", no_args_is_help=True)
app.add_typer(config_app, name="config")

err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)

SetOption = Annotated[list[str] | None, typer.Option("--set", help="override a key: --set model.params.C=2")]


class RichReporter:
    """One progress line per stage on stderr, with its duration; silent when quiet."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self.quiet:
            yield
            return
        start = time.perf_counter()
        with err.status(f"[bold]{name}[/bold] …", spinner="dots"):
            yield
        err.print(f"[green]✓[/green] {name:<10} {time.perf_counter() - start:6.1f}s")

    def warn(self, message: str) -> None:
        err.print(f"[yellow]warning:[/yellow] {message}")

    def summary(self, summary: dict[str, Any]) -> None:
        if self.quiet:
            return
        rows = summary["rows"]
        table = Table(title="data", show_edge=False, title_justify="left")
        table.add_column("class")
        table.add_column("train", justify="right")
        table.add_column("test", justify="right")
        train_counts, test_counts = summary["classes"]["train"], summary["classes"]["test"]
        for label in sorted(set(train_counts) | set(test_counts)):
            table.add_row(label, str(train_counts.get(label, 0)), str(test_counts.get(label, 0)))
        table.add_row("[bold]rows[/bold]", str(rows["train"]), str(rows["test"]))
        err.print(table)
        length = summary["text_length"]["train"]
        err.print(f"text length (train, words): mean {length['words_mean']}, median {length['words_median']}, "
                  f"p95 {length['words_p95']}; dropped empty texts: {summary['dropped_empty_text']}")


def _metrics_table(metrics: dict[str, float]) -> Table:
    table = Table(title="test metrics", show_edge=False, title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    headline = [k for k in ("fnc_score_pct", "accuracy", "macro_f1", "weighted_f1", "micro_f1", "samples_f1",
                            "baseline_accuracy", "baseline_macro_f1", "fit_time_s", "predict_rows_per_s",
                            "model_size_bytes") if k in metrics]
    per_class = sorted(k for k in metrics if k.startswith("f1_"))
    for key in headline + per_class:
        value = metrics[key]
        table.add_row(key, f"{value:,.0f}" if value >= 100 else f"{value:.4f}")
    return table


@app.command()
def train(
    config: Annotated[Path, typer.Argument(help="experiment YAML, e.g. configs/topic/demo.yaml")],
    set_: SetOption = None,
    json_: Annotated[bool, typer.Option("--json", help="print one JSON object as the last line")] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="no progress output")] = False,
) -> None:
    """Train and evaluate the model a config describes, and log the run to MLflow."""
    from train.config import load_config
    from train.runner import run_training

    cfg = load_config(config, set_ or [])
    result = run_training(cfg, RichReporter(quiet or json_))
    if json_:
        print(result.as_json())
        return
    if not quiet:
        out.print(_metrics_table(result.metrics))
    out.print(f"run id:    {result.run_id}  (experiment '{result.experiment}')")
    out.print(f"model uri: {result.model_uri}")
    if result.tracking_uri.startswith("sqlite:"):
        out.print(f"see it:    mlflow ui --backend-store-uri {result.tracking_uri}")
    else:
        out.print(f"tracking:  {result.tracking_uri}")


@config_app.command("show")
def config_show(
    config: Annotated[Path, typer.Argument(help="experiment YAML")],
    set_: SetOption = None,
) -> None:
    """Print the resolved config (defaults filled in, overrides and ${ENV} applied) as YAML."""
    import yaml

    from train.config import load_config, resolved_dict

    out.print(yaml.safe_dump(resolved_dict(load_config(config, set_ or [])), sort_keys=False), end="")


@config_app.command("validate")
def config_validate(
    files: Annotated[list[Path], typer.Argument(help="config files to check")],
    set_: SetOption = None,
) -> None:
    """Check configs without training: schema, registered names, parameter values, environment variables."""
    from features.errors import ConfigError
    from train.config import validate_file

    failed = 0
    for path in files:
        try:
            validate_file(path, set_ or [])
            out.print(f"[green]ok[/green]    {path}")
        except ConfigError as exc:
            failed += 1
            for line in exc.lines:
                err.print(f"error: {line}", markup=False)
    if failed:
        raise typer.Exit(2)


def main() -> None:
    """Console-script entry point: user errors become one line each on stderr and exit code 2."""
    from features.errors import SecnewsError

    try:
        app()
    except SecnewsError as exc:
        for line in exc.lines:
            err.print(f"error: {line}", markup=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("SECNEWS_DEBUG"):
            raise
        err.print(f"error: unexpected {type(exc).__name__}: {exc} (set SECNEWS_DEBUG=1 for the traceback)",
                  markup=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
