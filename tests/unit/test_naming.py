"""Run names and descriptions: what differs from the config file, in a few readable words."""

from __future__ import annotations

from train.naming import describe_changes, differences, format_value, params, short_labels


def test_values_are_rendered_compactly():
    assert [format_value(v) for v in ([1, 2], 0.5, 1e-05, True, "balanced", 10)] == \
        ["1-2", "0.5", "1e-05", "true", "balanced", "10"]


def test_keys_get_short_labels_unless_two_would_collide():
    assert short_labels(["model.params.C", "features.0.ngram_range", "model.name"]) == \
        {"model.params.C": "C", "features.0.ngram_range": "ngram", "model.name": "model"}
    assert short_labels(["features.0.ngram_range", "features.1.ngram_range"]) == \
        {"features.0.ngram_range": "features.0.ngram_range", "features.1.ngram_range": "features.1.ngram_range"}


def test_a_name_lists_the_changes_in_order():
    assert describe_changes({"model.params.C": 2, "features[0].ngram_range": [1, 2]}) == "C=2 · ngram=1-2"
    assert describe_changes({}) == ""


def test_differences_ignore_tracking_settings():
    base = {"model": {"params": {"C": 1}}, "features": [{"name": "tfidf_word", "ngram_range": [1, 1]}],
            "tracking": {"run_name": None}}
    changed = {"model": {"params": {"C": 2}}, "features": [{"name": "tfidf_word", "ngram_range": [1, 2]}],
               "tracking": {"run_name": "x"}}
    assert differences(base, changed) == {"features.0.ngram_range": [1, 2], "model.params.C": 2}


def test_params_leave_out_the_runs_own_name_and_tags():
    resolved = {"model": {"name": "logreg"}, "tracking": {"run_name": "x", "tags": {"team": "red"}, "log_model": True}}
    assert params(resolved) == {"model.name": "logreg", "tracking.log_model": "True"}


def test_a_run_is_named_after_its_overrides_even_when_the_file_needs_them(tmp_path):
    from train.config import load_config
    from train.naming import run_name

    path = tmp_path / "partial.yaml"
    path.write_text("features:\n  - name: tfidf_word\n", encoding="utf-8")  # no data section: --set supplies it
    assert run_name(load_config(path, ["data.demo=topic"])) == "partial"
    full = tmp_path / "full.yaml"
    full.write_text("data: {demo: topic}\nfeatures:\n  - name: tfidf_word\n", encoding="utf-8")
    assert run_name(load_config(full, ["model.params.C=2"])) == "full · C=2"
    assert run_name(load_config(full)) == "full"
