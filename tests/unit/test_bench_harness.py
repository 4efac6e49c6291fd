"""bench/: the harness measures whole processes and knows when a bench config is the recommended config."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from bench.common import run_measured
from bench.run import RECOMMENDED, recommended_variant

REPO = Path(__file__).resolve().parents[2]


def test_run_measured_reports_the_child_exit_code_output_and_its_own_peak_memory():
    grow = "import sys; block = bytearray(200 * 1024 * 1024); print('done'); sys.exit(3)"
    measured = run_measured([sys.executable, "-c", grow])
    assert measured.returncode == 3
    assert measured.stdout.strip() == "done"
    assert measured.peak_rss_mb > 200
    assert measured.wall_s > 0


def test_a_bench_config_with_the_recommended_model_needs_no_second_run(tmp_path):
    recommended = yaml.safe_load(RECOMMENDED.read_text(encoding="utf-8"))
    config = {**recommended, "data": {"train": "x.csv"}}
    path = tmp_path / "same.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    assert recommended_variant(path, tmp_path) is None


def test_a_different_bench_config_gets_the_recommended_model_on_its_own_data(tmp_path):
    config = {"task": "topic", "data": {"train": "x.csv", "label_column": "y"},
              "features": [{"name": "tfidf_word"}], "model": {"name": "logreg"}}
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    merged = yaml.safe_load(recommended_variant(path, tmp_path).read_text(encoding="utf-8"))
    recommended = yaml.safe_load(RECOMMENDED.read_text(encoding="utf-8"))
    assert merged["data"] == config["data"]
    assert merged["features"] == recommended["features"]
    assert merged["model"]["name"] == recommended["model"]["name"]


# Bench configs whose model was tuned for their dataset on its dev split (bench/results/dev/nbsvm.md); the harness
# also runs the recommended model on them. Every other topic bench config is the recommended config.
OWN_MODEL = {"20ng", "reuters"}


def test_every_topic_bench_config_is_the_recommended_model_or_is_run_beside_it(tmp_path):
    recommended = yaml.safe_load(RECOMMENDED.read_text(encoding="utf-8"))
    for path in sorted((REPO / "configs" / "bench").glob("*.yaml")):
        if path.stem.startswith("overhead_"):
            continue
        variant = recommended_variant(path, tmp_path)
        assert (variant is not None) == (path.stem in OWN_MODEL), path.name
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert raw["features"] == recommended["features"], path.name
