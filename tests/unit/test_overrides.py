"""train.overrides: `--set key.path=value` with values read as YAML scalars or flow collections."""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from core.schema import format_path
from train.overrides import apply_overrides, parse_override, parse_path


def base() -> dict:
    return {"model": {"name": "logreg", "params": {"C": 1}}, "features": [{"name": "tfidf_word"}, {"name": "hashing"}]}


def test_an_integer_value_is_read_as_an_int():
    assert parse_override("model.params.C=2") == (["model", "params", "C"], 2)


def test_a_decimal_value_is_read_as_a_float():
    _, value = parse_override("model.params.C=0.5")
    assert value == 0.5 and isinstance(value, float)


def test_scientific_notation_with_a_dot_is_read_as_a_float():
    assert parse_override("model.params.tol=1.0e-3")[1] == pytest.approx(1e-3)


@pytest.mark.parametrize("text", ["1e-3", "1.5e2", "-2E+4"])
def test_exponent_notation_without_a_signed_exponent_is_read_as_a_float(text):
    _, value = parse_override(f"model.params.tol={text}")
    assert value == float(text) and isinstance(value, float)


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("false", False), ("null", None), ("logreg", "logreg")])
def test_yaml_scalars_keep_their_type(text, expected):
    assert parse_override(f"model.x={text}")[1] == expected


def test_a_flow_list_is_read_as_a_list():
    assert parse_override("features[0].ngram_range=[1,3]") == (["features", 0, "ngram_range"], [1, 3])


def test_a_flow_mapping_is_read_as_a_dict():
    assert parse_override("model.class_weight={a: 2}")[1] == {"a": 2}


def test_the_value_may_contain_equals_signs():
    assert parse_override("tracking.run_name=a=b")[1] == "a=b"


def test_an_empty_value_is_an_empty_string():
    assert parse_override("tracking.run_name=")[1] == ""


def test_a_value_that_is_not_valid_yaml_is_kept_as_text():
    assert parse_override("data.train=[oops")[1] == "[oops"


def test_a_missing_equals_sign_is_an_error_with_an_example():
    with pytest.raises(ConfigError) as caught:
        parse_override("model.params.C")
    assert str(caught.value) == "--set model.params.C: expected KEY=VALUE, e.g. model.params.C=2"


def test_parse_path_reads_keys_and_indexes():
    assert parse_path("features[0].clean.strip_patterns[2]") == ["features", 0, "clean", "strip_patterns", 2]


def test_parse_path_accepts_dashes_in_keys():
    assert parse_path("tracking.tags.team-name") == ["tracking", "tags", "team-name"]


def test_a_path_starting_with_an_index_is_rejected():
    with pytest.raises(ConfigError, match=r"^--set \[0\]\.x: a key path must start with a key name$"):
        parse_path("[0].x")


def test_an_unreadable_path_names_where_it_went_wrong():
    with pytest.raises(ConfigError) as caught:
        parse_path("model..C")
    assert str(caught.value) == "--set model..C: cannot read the key path at '.C'"


def test_format_path_writes_indexes_in_brackets():
    assert format_path(["features", 1, "ngram_range"]) == "features[1].ngram_range"


def test_apply_sets_a_nested_key():
    assert apply_overrides(base(), ["model.params.C=2"])["model"]["params"]["C"] == 2


def test_apply_sets_a_key_inside_a_list_item():
    assert apply_overrides(base(), ["features[0].max_df=0.5"])["features"][0] == {"name": "tfidf_word", "max_df": 0.5}


def test_apply_sets_a_list_value():
    assert apply_overrides(base(), ["features[1].ngram_range=[1,3]"])["features"][1]["ngram_range"] == [1, 3]


def test_apply_creates_missing_mappings():
    assert apply_overrides(base(), ["tracking.tags.team=red"])["tracking"] == {"tags": {"team": "red"}}


def test_apply_later_overrides_win():
    assert apply_overrides(base(), ["model.params.C=2", "model.params.C=3"])["model"]["params"]["C"] == 3


def test_apply_an_index_past_the_end_is_an_error_giving_the_list_size():
    with pytest.raises(ConfigError) as caught:
        apply_overrides(base(), ["features[2].max_df=0.5"])
    assert str(caught.value) == "--set features[2].max_df=0.5: features[2] does not exist (the list has 2 items)"


def test_apply_an_index_into_a_mapping_is_an_error():
    with pytest.raises(ConfigError, match=r"^--set model\[0\]=1: model\[0\] does not exist \(the list has 0 items\)$"):
        apply_overrides(base(), ["model[0]=1"])


def test_apply_a_key_below_a_scalar_is_an_error():
    with pytest.raises(ConfigError) as caught:
        apply_overrides(base(), ["model.name.x=1"])
    assert str(caught.value) == "--set model.name.x=1: model.name is not a mapping"
