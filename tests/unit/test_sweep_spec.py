"""Sweep files: schema errors by path, search-space checks against the base config, grid/random expansion."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.errors import ConfigError
from train.sweep_spec import RangeSpec, config_hash, expand, load_sweep, random_trials, trial_config


@pytest.fixture
def base(write_topic_csv, write_config, make_config) -> Path:
    write_topic_csv()
    return write_config(make_config())


@pytest.fixture
def write_sweep(tmp_path, base):
    def write(**fields) -> Path:
        path = tmp_path / "sweep.yaml"
        path.write_text(yaml.safe_dump({"base": base.name, **fields}, sort_keys=False), encoding="utf-8")
        return path

    return write


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_sweep(path)
    return str(caught.value)


def test_grid_runs_every_combination_in_file_order(write_sweep):
    sweep = load_sweep(write_sweep(space={"model.params.C": [1, 10], "features[0].ngram_range": [[1, 1], [1, 2]]}))
    trials = expand(sweep)
    assert [t.number for t in trials] == [0, 1, 2, 3]
    assert [t.params for t in trials] == [
        {"model.params.C": 1, "features[0].ngram_range": [1, 1]},
        {"model.params.C": 1, "features[0].ngram_range": [1, 2]},
        {"model.params.C": 10, "features[0].ngram_range": [1, 1]},
        {"model.params.C": 10, "features[0].ngram_range": [1, 2]},
    ]


def test_random_draws_are_reproducible_for_a_seed_and_change_with_it():
    space = {"C": RangeSpec(low=0.01, high=100, log=True), "k": RangeSpec(low=1, high=5, type="int"), "m": ["a", "b"]}
    first, again, other = (random_trials(space, 6, seed) for seed in (3, 3, 4))
    assert [t.params for t in first] == [t.params for t in again]
    assert [t.params for t in first] != [t.params for t in other]
    for trial in first:
        assert 0.01 <= trial.params["C"] <= 100 and isinstance(trial.params["C"], float)
        assert trial.params["k"] in {1, 2, 3, 4, 5} and isinstance(trial.params["k"], int)
        assert trial.params["m"] in {"a", "b"}


def test_random_draws_are_distinct_and_stop_when_a_finite_space_runs_out():
    trials = random_trials({"a": [1, 2], "b": ["x", "y"]}, 10, seed=0)
    assert len(trials) == 4
    assert len({(t.params["a"], t.params["b"]) for t in trials}) == 4


def test_a_trial_config_is_the_base_with_the_trial_values(write_sweep):
    sweep = load_sweep(write_sweep(space={"model.params.C": [2]}, fixed={"model.class_weight": "balanced"}))
    config = trial_config(sweep, expand(sweep)[0])
    assert config.model.params == {"C": 2}
    assert config.model.class_weight == "balanced"
    assert config.data.train == str((sweep.base_path.parent / "articles.csv").resolve())
    assert config_hash(config) != config_hash(sweep.base)


def test_the_config_hash_ignores_tracking_settings(write_sweep):
    sweep = load_sweep(write_sweep(space={"model.params.C": [2]}))
    trial = expand(sweep)[0]
    renamed = trial_config(sweep, trial, {"tracking.run_name": "other", "tracking.log_model": False})
    assert config_hash(renamed) == config_hash(trial_config(sweep, trial))


def test_the_metric_defaults_to_the_dev_split(write_sweep):
    sweep = load_sweep(write_sweep(space={"model.params.C": [2]}))
    assert (sweep.metric_key, sweep.evaluate_on) == ("dev_macro_f1", "dev")
    on_test = load_sweep(write_sweep(space={"model.params.C": [2]}, select_on="test", metric="accuracy"))
    assert on_test.metric_key == "accuracy"


@pytest.mark.parametrize(("space", "expected"), [
    ({"model.paramz": [1]}, "space.model.paramz: unknown key; did you mean 'params'?"),
    ({"features[0].ngram_rnge": [[1, 1]]}, "space.features[0].ngram_rnge: unknown key; did you mean 'ngram_range'?"),
    ({"features[3].min_df": [1]},
     "space.features[3].min_df: features[3] does not exist in the base config (the list has 1 items)"),
    ({"model.params.Cx": [1]}, "space.model.params.Cx: unknown parameter of logreg; did you mean 'C'?"),
    ({"features[0].ngram_range": [[1, 2], [2, 1]]},
     "space.features[0].ngram_range: [2, 1]: expected two integers with 1 <= low <= high, got [2, 1]"),
    ({"model.params.C": []}, "space.model.params.C: expected at least one value"),
    ({"model.params.C": {"low": 1, "high": 0.5}}, "space.model.params.C: expected low < high, got low=1, high=0.5"),
    ({"model.params.C": {"low": 0.1, "high": 1}},
     "space.model.params.C: a grid needs a list of values, not a range (use strategy: random or tpe)"),
    ({"model[": [1]},
     "space.model[: cannot read the key path (expected e.g. model.params.C or features[0].ngram_range)"),
])
def test_a_bad_search_space_is_one_path_addressed_line(write_sweep, space, expected):
    path = write_sweep(space=space)
    assert error_of(path) == f"{path}: {expected}"


def test_a_combination_the_base_schema_rejects_names_the_trial(write_sweep):
    path = write_sweep(space={"model.name": ["logreg", "complement_nb"]})
    assert error_of(path) == (f"{path}: space.model.name: 'complement_nb': model.params.C: unknown parameter of "
                              "complement_nb; valid: alpha, class_prior, fit_prior, force_alpha, norm")


def test_sweep_schema_errors_name_the_key(write_sweep, tmp_path):
    assert error_of(write_sweep(space={"model.params.C": [1]}, bogus=1)).startswith(
        f"{tmp_path / 'sweep.yaml'}: bogus: unknown key; valid keys: base, direction, final_test, fixed")
    assert error_of(write_sweep(strategy="random", space={"model.params.C": [1]})) == \
        f"{tmp_path / 'sweep.yaml'}: n_trials: strategy random needs n_trials"
    assert error_of(write_sweep(strategy="grid", n_trials=3, space={"model.params.C": [1]})) == \
        f"{tmp_path / 'sweep.yaml'}: n_trials: a grid runs every combination; remove n_trials or use strategy: random"


def test_a_missing_base_config_is_named(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text("base: nowhere.yaml\nspace: {model.params.C: [1]}\n", encoding="utf-8")
    assert error_of(path) == f"{path}: base: config file nowhere.yaml not found (looked at {tmp_path / 'nowhere.yaml'})"


def test_every_sweep_file_in_the_repo_validates():
    sweeps = sorted((Path(__file__).resolve().parents[2] / "configs" / "sweeps").rglob("*.yaml"))
    assert sweeps
    for path in sweeps:
        load_sweep(path)
