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
from rich.markup import escape
from rich.table import Table

app = typer.Typer(help="Train, compare and use security-news classifiers.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
config_app = typer.Typer(help="Inspect and check experiment configs.", no_args_is_help=True)
app.add_typer(config_app, name="config")

# Off a terminal Rich would wrap at 80 columns; pipes and logs get wide tables and unwrapped lines instead.
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 160)
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)


def print_error(line: str) -> None:
    """One user-facing error line on stderr, never wrapped or styled."""
    print(f"error: {line}", file=sys.stderr, flush=True)

MODEL_HELP = "models:/NAME@alias, models:/NAME/3, runs:/RUN_ID/model or a model folder"
STORE_HELP = ("MLflow store (default: $MLFLOW_TRACKING_URI, else mlflow.db at the project root of a checkout, "
              "or in the current folder for an installed secnews)")
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
        err.print(f"[yellow]warning:[/yellow] {escape(message)}")

    @contextmanager
    def progress(self, name: str, total: int) -> Iterator[Any]:
        """A progress bar over `total` documents with documents/s and an ETA; yields `advance(n)`."""
        if self.quiet:
            yield lambda n: None
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        start = time.perf_counter()
        columns = (TextColumn(f"{name:<10}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                   TextColumn("ETA"), TimeRemainingColumn())
        with Progress(*columns, console=err) as bar:
            task = bar.add_task(name, total=total, rate="")

            def advance(n: int) -> None:
                done = bar.tasks[0].completed + n
                bar.update(task, advance=n, rate=f"{done / max(time.perf_counter() - start, 1e-9):,.0f} docs/s")

            yield advance

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
            table.add_row(escape(label), str(train_counts.get(label, 0)), str(test_counts.get(label, 0)))
        table.add_row("[bold]rows[/bold]", str(rows["train"]), str(rows["test"]))
        err.print(table)
        length = summary["text_length"]["train"]
        err.print(f"text length (train, words): mean {length['words_mean']}, median {length['words_median']}, "
                  f"p95 {length['words_p95']}; dropped empty texts: {summary['dropped_empty_text']}")


def _metrics_table(metrics: dict[str, float], task_metrics: tuple[str, ...]) -> Table:
    """The task's headline metrics, their dev figures, the baselines and costs, then per-class F1."""
    table = Table(title="test metrics", show_edge=False, title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    keys = (*task_metrics, "baseline_accuracy", "baseline_macro_f1", *(f"dev_{k}" for k in task_metrics),
            "fit_time_s", "predict_rows_per_s", "model_size_bytes")
    headline = [k for k in keys if k in metrics]
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
    backend: Annotated[str | None, typer.Option(help="streaming: local or dask (sets training.backend)")] = None,
    scheduler: Annotated[str | None, typer.Option(help="streaming on dask: scheduler address, e.g. "
                                                  "tcp://10.0.0.5:8786 (default: a LocalCluster)")] = None,
) -> None:
    """Train and evaluate the model a config describes, and log the run to MLflow."""
    from train import tracking_process

    tracking_process.prestart()  # MLflow's imports start now, on another core, while we read the config and data
    from train.config import load_config
    from train.runner import run_training
    from train.tracking import default_store_note

    extra = [f"training.backend={backend}"] if backend else []
    extra += [f"training.scheduler={scheduler}"] if scheduler else []
    cfg = load_config(config, [*(set_ or []), *extra])
    note = default_store_note(cfg.tracking.uri)  # before the run: MLflow exports the URI it is given
    result = run_training(cfg, RichReporter(quiet or json_))
    if json_:
        print(result.as_json())
        return
    if not quiet:
        out.print(_metrics_table(result.metrics, cfg.task_component.headline_metrics))
    out.print(f"run id:    {result.run_id}  (experiment '{result.experiment}')")
    out.print(f"model uri: {result.model_uri}")
    if note:
        out.print(escape(note))
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

    print(yaml.safe_dump(resolved_dict(load_config(config, set_ or [])), sort_keys=False), end="")


@config_app.command("validate")
def config_validate(
    files: Annotated[list[Path], typer.Argument(help="config files to check")],
    set_: SetOption = None,
) -> None:
    """Check configs without training: schema, registered names, parameter values, environment variables."""
    from core.errors import ConfigError
    from train.config import validate_file

    failed = 0
    for path in files:
        try:
            validate_file(path, set_ or [])
            out.print(f"[green]ok[/green]    {path}")
        except ConfigError as exc:
            failed += 1
            for line in exc.lines:
                print_error(line)
    if failed:
        raise typer.Exit(2)


@config_app.command("new")
def config_new(
    task: Annotated[str, typer.Option("--task", help="a task with a starter (topic, …)")] = "topic",
) -> None:
    """Print a starter config for your own data (runs as-is on the bundled demo corpus)."""
    from train.starter import starter_config

    print(starter_config(task), end="")


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="project folder (created if missing)")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="overwrite existing starter files")] = False,
) -> None:
    """Start a project: a starter config per task (demo data, marked placeholders) and a README."""
    from train.starter import init_project

    for path in init_project(folder, force):
        out.print(f"wrote     {escape(str(path))}")
    config = folder / "configs" / "topic.yaml"
    out.print(f"next:     secnews train {escape(str(config))}   (see {escape(str(folder / 'README.md'))})")


@app.command()
def predict(
    model: Annotated[str, typer.Option("-m", "--model", help=MODEL_HELP)],
    texts: Annotated[list[str] | None, typer.Argument(help="texts to classify (else --input, else stdin)")] = None,
    input_: Annotated[Path | None, typer.Option("--input", "-i", help="CSV, TSV, JSONL or Parquet file")] = None,
    input_format: Annotated[str | None, typer.Option(help="csv, tsv, jsonl or parquet (default: extension)")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write here instead of stdout")] = None,
    output_format: Annotated[str | None, typer.Option(help="jsonl or csv (default: from --output, else jsonl)")] = None,
    text_column: Annotated[str | None, typer.Option(help="file column holding the text (or the body)")] = None,
    title_column: Annotated[str | None, typer.Option(help="file column for the model's `title` input")] = None,
    body_column: Annotated[str | None, typer.Option(help="file column for the model's `body` input")] = None,
    headline_column: Annotated[str | None, typer.Option(help="file column for the `headline` input (a claim)")] = None,
    id_column: Annotated[str | None, typer.Option(help="file column copied to the output as `id`")] = None,
    top_k: Annotated[int, typer.Option("--top-k", min=0, help="also list the k most probable labels")] = 3,
    skip_empty: Annotated[bool, typer.Option(help="drop rows with no text instead of reporting an error row")] = False,
    batch_size: Annotated[int, typer.Option(min=1, help="rows per batch")] = 2000,
    tracking_uri: Annotated[str | None, typer.Option(help=STORE_HELP)] = None,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="no progress bar")] = False,
) -> None:
    """Predict labels (and top-k probabilities) with a saved model, in batches, as JSONL or CSV."""
    from train.predict import load_model
    from train.predict_io import Writer, write_texts
    from train.predict_io import input_format as detect_format

    fmt = output_format or ("csv" if output and output.suffix.lower() == ".csv" else "jsonl")
    if fmt not in {"jsonl", "csv"}:
        raise typer.BadParameter("expected jsonl or csv", param_hint="--output-format")
    loaded = load_model(model, tracking_uri)
    for message in loaded.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(message)}")
    mapping = {k: v for k, v in {"title": title_column, "body": body_column, "headline": headline_column}.items() if v}
    if text_column:
        mapping[loaded.input_columns[-1]] = text_column
    handle = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        writer = Writer(handle, fmt, top_k)
        if input_ is not None:
            fmt_in = detect_format(input_, input_format)
            _predict_with_progress(loaded, input_, fmt_in, writer, mapping, id_column, top_k, skip_empty,
                                   batch_size, quiet or output is None)
        else:
            lines, replaced = _decoded_texts(texts) if texts else _stdin_texts()
            if replaced:
                err.print(f"[yellow]warning:[/yellow] {replaced} input text{'s' if replaced > 1 else ''} "
                          "had bytes that are not UTF-8; they were replaced with U+FFFD")
            if not lines:
                raise typer.BadParameter("give texts, --input FILE, or lines on stdin", param_hint="TEXTS")
            write_texts(loaded, lines, writer, top_k, skip_empty)
    finally:
        if output:
            handle.close()


def _decoded_texts(texts: list[str]) -> tuple[list[str], int]:
    """Arguments as text: bytes that are not UTF-8 (kept by Python as surrogates) become U+FFFD; counts those."""
    decoded = [t.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for t in texts]
    return decoded, sum(a != b for a, b in zip(texts, decoded, strict=True))


def _stdin_texts() -> tuple[list[str], int]:
    """Lines of stdin decoded as UTF-8 with replacement (none from a terminal); counts lines that needed it."""
    if sys.stdin is None or sys.stdin.isatty():
        return [], 0
    buffer = getattr(sys.stdin, "buffer", None)
    raw = buffer.read() if buffer is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
    lines = raw.splitlines()
    return [line.decode("utf-8", "replace") for line in lines], sum(not _is_utf8(line) for line in lines)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _predict_with_progress(model: Any, path: Path, fmt: str, writer: Any, mapping: dict[str, str],
                           id_column: str | None, k: int, skip_empty: bool, batch_size: int, quiet: bool) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from train.predict_io import count_rows, predict_file

    if quiet:
        predict_file(model, path, fmt, writer, mapping, id_column, k, skip_empty, batch_size)
        return
    total = count_rows(path, fmt)
    columns = (TextColumn("predict"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task("predict", total=total)
        rows = predict_file(model, path, fmt, writer, mapping, id_column, k, skip_empty, batch_size,
                            lambda n: progress.advance(task, n))
        progress.update(task, total=rows, completed=rows)


@app.command()
def models(
    name: Annotated[str | None, typer.Argument(help="registered model (default: list all names)")] = None,
    metric: Annotated[str, typer.Option(help="metric column to show")] = "macro_f1",
    tracking_uri: Annotated[str | None, typer.Option(help="MLflow store")] = None,
) -> None:
    """List registered models, or the versions of one with metric, aliases, run id and date."""
    from train import registration, tracking

    tracking.use_store(tracking.tracking_uri(tracking_uri))
    if name is None:
        for registered in registration.registered_names():
            out.print(registered)
        return
    table = Table(title=f"{name}", show_edge=False, title_justify="left")
    for column in ("version", metric, "aliases", "run status", "test digest", "run id", "created (UTC)"):
        table.add_column(column)
    for info in registration.versions(name):
        value = info.metric(metric)
        table.add_row(f"v{info.version}", "-" if value is None else f"{value:.4f}", ", ".join(info.aliases),
                      info.status.lower(), (info.test_digest or "-")[:12], info.run_id,
                      info.created.strftime("%Y-%m-%d %H:%M"))
    out.print(table)


@app.command()
def promote(
    name: Annotated[str, typer.Argument(help="registered model name")],
    metric: Annotated[str, typer.Option(help="metric to rank versions by")] = "macro_f1",
    alias: Annotated[str, typer.Option(help="alias to move")] = "champion",
    lower_is_better: Annotated[bool, typer.Option(help="for losses and error rates")] = False,
    digest: Annotated[str | None, typer.Option(help="compare on this test-data digest (default: holder's)")] = None,
    tracking_uri: Annotated[str | None, typer.Option(help="MLflow store")] = None,
) -> None:
    """Move an alias to the best finished version evaluated on the same test data, and say why."""
    from train import registration, tracking

    tracking.use_store(tracking.tracking_uri(tracking_uri))
    result = registration.promote(name, metric, alias, lower_is_better, digest)
    out.print(result.message)
    for line in result.skipped:
        out.print(f"  skipped {line}")


def _interruption(exc: BaseException) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt behind an exit (typer turns it into `Exit(130)`, losing the signal), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _exit_interrupted(exc: KeyboardInterrupt) -> None:
    """One line saying which signal stopped the command, and the shell's exit code for it (130, 143)."""
    from train.signals import Interrupted, exit_code

    print(exc.reason if isinstance(exc, Interrupted) else "interrupted", file=sys.stderr, flush=True)
    sys.exit(exit_code(exc))


# ---------------------------------------------------------------------------------------------------------------
# Sweeps, comparison, UI, feature cache

runs_app = typer.Typer(help="List and compare runs.", invoke_without_command=True)
app.add_typer(runs_app, name="runs")
cache_app = typer.Typer(help="The feature cache shared by sweep trials.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
CacheDirOption = Annotated[Path | None, typer.Option("--cache-dir", help="feature cache folder (default: "
                                                     "$SECNEWS_CACHE_DIR, else .cache/features at the project root)")]


def _trial_line(result: Any, metric: str) -> None:
    value = result.metrics.get(metric)
    shown = f"{metric} {value:.4f}" if value is not None else (result.error or "")
    state = "resumed" if result.resumed else result.status.lower()
    colour = "green" if result.status == "FINISHED" else "red"
    err.print(f"[{colour}]{state:<9}[/{colour}] trial {result.number:>3}  {escape(result.run_name or '')}  "
              f"{escape(shown)}  ({result.duration_s:.1f}s)")


@app.command()
def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="sweep YAML, e.g. configs/sweeps/demo_logreg.yaml")],
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="trials run at once (loky processes or Dask workers)")] = 1,
    backend: Annotated[str, typer.Option(help="loky (this machine) or dask")] = "loky",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address tcp://host:port "
                                                  "(default with --backend dask: a LocalCluster)")] = None,
    resume: Annotated[str | None, typer.Option(help="parent run id: skip trials already FINISHED under it")] = None,
    register_best: Annotated[str | None, typer.Option(help="register the best trial's model under this name")] = None,
    cache_dir: CacheDirOption = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="fit the features in every trial")] = False,
    json_: Annotated[bool, typer.Option("--json", help="print one JSON object as the last line")] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="no per-trial lines")] = False,
) -> None:
    """Run a sweep: one parent MLflow run, every trial a nested run, the best chosen on dev and scored on test once."""
    from train import cache
    from train.sweep import SweepOptions, run_sweep
    from train.sweep_spec import load_sweep

    folder = None if no_cache else str(cache_dir or cache.default_dir())
    metric = load_sweep(sweep_file).metric_key
    options = SweepOptions(jobs, backend, scheduler, resume, register_best, folder,
                           on_trial=(lambda r: None) if quiet or json_ else (lambda r: _trial_line(r, metric)))
    result = run_sweep(sweep_file, options)
    if json_:
        print(result.as_json())
        return
    out.print(f"parent run: {result.parent_run_id}  (experiment '{result.experiment}')")
    if result.best is None:
        out.print("no trial finished: see the FAILED trial runs' error tags")
        raise typer.Exit(1)
    out.print(f"best trial: {escape(result.best.run_name or '')}  {result.metric_key} "
              f"{result.best.metrics[result.metric_key]:.4f}  (run {result.best.run_id})")
    test = {k: result.final_metrics[k] for k in ("fnc_score_pct", "macro_f1", "accuracy") if k in result.final_metrics}
    if test:
        out.print("on test (read once): " + ", ".join(f"{k} {v:.4f}" for k, v in test.items())
                  + f"  (run {result.final_run_id})")
    if result.registered:
        out.print(f"registered: {result.registered}")
    if folder:
        out.print(f"feature cache: {folder} ({cache.human_size(cache.size_bytes(Path(folder)))})")
    out.print(f"compare:    secnews runs --parent {result.parent_run_id} --sort {result.metric_key}")


def _print_frame(frame: Any, title: str) -> None:
    table = Table(title=title, show_edge=False, title_justify="left")
    for column in frame.columns:
        table.add_column(str(column), justify="right" if frame[column].dtype.kind in "fi" else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(escape(_cell(v)) for v in row))
    out.print(table)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 100 else f"{value:,.1f}"
    return str(value)


@runs_app.callback()
def runs(
    ctx: typer.Context,
    experiment: Annotated[str | None, typer.Option(help="experiment name (default: all)")] = None,
    parent: Annotated[str | None, typer.Option(help="only the children of this (sweep) run")] = None,
    sort: Annotated[str | None, typer.Option(help="metric to sort by, largest first ('METRIC asc': smallest)")] = None,
    filter_: Annotated[str | None, typer.Option("--filter", help="MLflow filter: \"metrics.macro_f1 > 0.8\"")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many runs")] = 50,
    tracking_uri: Annotated[str | None, typer.Option(help=STORE_HELP)] = None,
) -> None:
    """Table of runs: headline metrics, the params that differ between them, status and duration."""
    if ctx.invoked_subcommand is not None:
        return
    from train.runs import runs_table, search

    found = search(experiment, parent, sort, filter_, limit, tracking_uri)
    if not found:
        out.print("no runs")
        return
    frame = runs_table(found, sort)
    frame["run_id"] = frame["run_id"].str.slice(0, 12)
    _print_frame(frame, f"{len(found)} runs" + (f" under {parent}" if parent else ""))


@runs_app.command("diff")
def runs_diff(
    run_a: Annotated[str, typer.Argument(help="first run id")],
    run_b: Annotated[str, typer.Argument(help="second run id")],
    plot: Annotated[Path | None, typer.Option(help="write both confusion matrices + per-class F1 to this PNG")] = None,
    tracking_uri: Annotated[str | None, typer.Option(help=STORE_HELP)] = None,
) -> None:
    """Params and metrics that differ between two runs; --plot puts their confusion matrices side by side."""
    import pandas as pd

    from train.runs import diff, diff_plot

    result = diff(run_a, run_b, tracking_uri)
    for side, run in (("A", result.a), ("B", result.b)):
        out.print(f"{side}: {escape(run.info.run_name or '')} ({run.info.run_id})")
    if result.params:
        _print_frame(pd.DataFrame(result.params, columns=["param", "A", "B"]), "params that differ")
    else:
        out.print("params: identical")
    metrics = pd.DataFrame(result.metrics, columns=["metric", "A", "B"])
    metrics["B - A"] = metrics["B"] - metrics["A"]
    _print_frame(metrics, "metrics that differ")
    if plot:
        out.print(f"plot: {diff_plot(result, plot)}")


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 5000,
    tracking_uri: Annotated[str | None, typer.Option(help=STORE_HELP)] = None,
) -> None:
    """Start `mlflow ui` on 127.0.0.1 against the project's store (Ctrl-C stops it)."""
    import subprocess

    from train import tracking

    uri = tracking.tracking_uri(tracking_uri)
    if not uri.startswith("sqlite:"):
        out.print(f"the tracking store is a server ({uri}): open it in a browser")
        return
    command = [str(Path(sys.executable).parent / "mlflow"), "ui", "--backend-store-uri", uri,
               "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    err.print(f"MLflow UI on http://127.0.0.1:{port} for {uri} (Ctrl-C stops it)")
    process = subprocess.Popen(command)
    try:
        process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait(timeout=20)


@cache_app.command("info")
def cache_info(cache_dir: CacheDirOption = None) -> None:
    """Show where the feature cache is and how much space it takes."""
    from train import cache

    folder = cache_dir or cache.default_dir()
    out.print(f"{folder}: {cache.human_size(cache.size_bytes(folder))}")


@cache_app.command("clear")
def cache_clear(cache_dir: CacheDirOption = None) -> None:
    """Delete the feature cache."""
    from train import cache

    folder = cache_dir or cache.default_dir()
    out.print(f"cleared {folder}: {cache.human_size(cache.clear(folder))} freed")


def entry() -> None:
    """The `secnews` console script: `main()` in a process that ends with it (rare garbage collection, none of the
    final passes at exit; see `train.short_lived`). Tests call `main()` in their own long-lived process."""
    from train.short_lived import short_lived

    with short_lived():
        main()


def main() -> None:
    """Run the CLI: user errors become one line each on stderr and exit code 2."""
    from core.errors import SecnewsError

    try:
        app()
    except SecnewsError as exc:
        for line in exc.lines:
            print_error(line)
        sys.exit(2)
    except KeyboardInterrupt as exc:
        _exit_interrupted(exc)
    except SystemExit as exc:
        interrupted = _interruption(exc)
        if interrupted is None:
            raise
        _exit_interrupted(interrupted)
    except Exception as exc:
        if os.environ.get("SECNEWS_DEBUG"):
            raise
        print_error(f"unexpected {type(exc).__name__}: {exc} (set SECNEWS_DEBUG=1 for the traceback)")
        sys.exit(1)


if __name__ == "__main__":
    entry()
