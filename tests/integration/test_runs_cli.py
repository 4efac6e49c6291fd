"""Comparing runs from the terminal (`secnews runs`, `runs diff`), run names and descriptions, the cache command."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from train.sweep import SweepOptions, run_sweep


@pytest.fixture
def swept(mlflow_store, write_topic_csv, write_config, make_config, tmp_path):
    write_topic_csv(per_class=14)
    base = write_config(make_config(tracking={"log_model": False}))
    sweep = tmp_path / "sweep.yaml"
    spec = {"base": base.name, "final_test": False, "space": {"model.params.C": [0.05, 5]}}
    sweep.write_text(yaml.safe_dump(spec), "utf-8")
    return run_sweep(sweep, SweepOptions())


def test_runs_lists_a_sweeps_children_sorted_by_a_metric(swept, run_cli):
    result = run_cli("runs", "--parent", swept.parent_run_id, "--sort", "dev_macro_f1 asc")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"2 runs under {swept.parent_run_id}"
    header = lines[1]
    for column in ("run_id", "name", "status", "duration", "dev_macro_f1", "C"):
        assert column in header
    column = [c.strip() for c in header.split("┃")].index("dev_macro_f1")
    rows = [[c.strip() for c in line.split("│")] for line in lines[3:]]
    trials = [row for row in rows if row[1].startswith("experiment · C=")]
    assert sorted(row[0] for row in trials) == sorted(t.run_id[:12] for t in swept.trials)
    values = [float(row[column]) for row in trials]
    assert values == sorted(values)


def test_runs_filter_and_limit_go_to_the_store(swept, run_cli):
    best = swept.best.metrics["dev_macro_f1"]
    result = run_cli("runs", "--filter", f"metrics.dev_macro_f1 >= {best}", "--limit", "1")
    assert result.code == 0 and result.stdout.splitlines()[0] == "1 runs"


BAD_ARGUMENTS = [
    (["--filter", "metrics.x >> 1"], "error: --filter: Invalid comparator '>>' not one of "),
    (["--experiment", "nope"], "error: --experiment nope: no such experiment (experiments: Default, topic-experiment)"),
    (["--parent", "abc"], "error: --parent abc: no such run in the tracking store"),
    (["diff", "abcdef", "abcdeg"], "error: run abcdef: no such run in the tracking store"),
]


def test_bad_runs_arguments_are_one_line(swept, run_cli):
    for args, expected in BAD_ARGUMENTS:
        result = run_cli("runs", *args)
        assert result.code == 2 and result.stderr.startswith(expected), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_runs_diff_shows_what_differs_and_plots_both_runs(swept, run_cli, tmp_path: Path):
    a, b = (t.run_id for t in swept.trials)
    plot = tmp_path / "diff.png"
    result = run_cli("runs", "diff", a[:10], b, "--plot", plot)
    assert result.code == 0, result.stderr
    assert "params that differ" in result.stdout and "metrics that differ" in result.stdout
    assert [line.split() for line in result.stdout.splitlines() if line.startswith(" model.params.C")] == \
        [["model.params.C", "│", "0.05", "│", "5"]]
    assert "tracking.tags" not in result.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_trained_run_is_named_after_its_config_and_overrides_and_described(mlflow_store, run_cli, write_topic_csv,
                                                                          write_config, make_config):
    write_topic_csv()
    config = write_config(make_config(tracking={"log_model": False}))
    result = run_cli("train", config, "--set", "model.params.C=2", "--set", "features[0].ngram_range=[1,3]", "-q")
    assert result.code == 0, result.stderr
    (run,) = mlflow_store.runs()
    assert run.info.run_name == "experiment · ngram=1-3 · C=2"  # in config order
    assert run.data.tags["secnews.config_name"] == "experiment"
    note = run.data.tags["mlflow.note.content"]
    assert note.startswith("**experiment** — topic classifier")
    assert "- features: tfidf_word (1-3)" in note and "- model: logreg (C=2)" in note
    assert f"macro_f1 {run.data.metrics['macro_f1']:.4f}" in note


def test_cache_info_and_clear(run_cli, tmp_path: Path):
    folder = tmp_path / "cache"
    (folder / "x").mkdir(parents=True)
    (folder / "x" / "blob").write_bytes(b"0" * 2048)
    assert run_cli("cache", "info", "--cache-dir", folder).stdout.strip() == f"{folder}: 2.0 kB"
    assert run_cli("cache", "clear", "--cache-dir", folder).stdout.strip() == f"cleared {folder}: 2.0 kB freed"
    assert not folder.exists()
