"""features.data.prepare: column mapping, checks before any fit, splits, multi-label labels and digests."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from core.data_spec import DataSpec
from core.errors import DataError
from features.data import digest, prepare
from features.text import TextCleaner
from train.tasks import get_task

TOPIC = get_task("topic")


def prepare_frame(frame: pd.DataFrame, tmp_path, task: str = "topic", seed: int = 1, **fields):
    """Write `frame` as CSV (or JSONL when it holds lists) and prepare it with the given data fields."""
    lists = any(frame[c].map(lambda v: isinstance(v, list)).any() for c in frame.columns)
    path = tmp_path / ("data.jsonl" if lists else "data.csv")
    if lists:
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_csv(path, index=False)
    return prepare(DataSpec(**{"train": str(path), **fields}), get_task(task), seed)


def texts(n_per_class: int = 10, classes: str = "abc") -> pd.DataFrame:
    return pd.DataFrame({
        "text": [f"document {c} number {i}" for c in classes for i in range(n_per_class)],
        "label": [c for c in classes for _ in range(n_per_class)],
    })


# --- columns ----------------------------------------------------------------------------------------------------


def test_text_columns_are_kept_side_by_side_and_joined_by_the_cleaner(make_topic_frame, tmp_path):
    prepared = prepare_frame(make_topic_frame(), tmp_path, text_columns=["title", "body"])
    X = prepared.X("train")
    assert list(X.columns) == ["title", "body"]
    joined = TextCleaner().fit(X).transform(X.head(1))[0]
    assert joined == f"{X['title'][0]}\n{X['body'][0]}".lower()


def test_a_missing_value_in_one_text_column_becomes_an_empty_string(tmp_path):
    frame = texts().assign(title="t")
    frame.loc[0, "title"] = None
    prepared = prepare_frame(frame, tmp_path, text_columns=["title", "text"], split={"method": "random"})
    assert "" in set(pd.concat([prepared.train, prepared.test])["title"])


def test_rename_maps_source_columns_to_model_columns(tmp_path):
    frame = texts().rename(columns={"text": "NOTES", "label": "EVENT_TYPE"})
    prepared = prepare_frame(frame, tmp_path, rename={"NOTES": "text", "EVENT_TYPE": "label"})
    assert prepared.classes == ["a", "b", "c"]


def test_missing_columns_are_named_with_the_available_ones(tmp_path):
    with pytest.raises(DataError) as caught:
        prepare_frame(texts(), tmp_path, text_columns=["title", "body"])
    message = str(caught.value)
    assert re.fullmatch(r"data\.train \(.*data\.csv\): columns 'title', 'body' not found; available: text, label",
                        message)


def test_a_missing_label_column_is_named(tmp_path):
    with pytest.raises(DataError, match=r"column 'topic' not found; available: text, label$"):
        prepare_frame(texts(), tmp_path, label_column="topic")


# --- empty texts and labels -------------------------------------------------------------------------------------


def with_empty_texts() -> pd.DataFrame:
    frame = texts()
    frame.loc[[2, 4, 6], "text"] = ["", "   ", None]
    return frame


def test_empty_texts_are_dropped_and_counted(tmp_path):
    prepared = prepare_frame(with_empty_texts(), tmp_path)
    assert prepared.summary["dropped_empty_text"] == 3
    assert len(prepared.train) + len(prepared.test) == 27


def test_empty_texts_are_rejected_when_asked_with_count_and_file_rows(tmp_path):
    with pytest.raises(DataError) as caught:
        prepare_frame(with_empty_texts(), tmp_path, empty_text="reject")
    assert re.fullmatch(
        r"data\.train \(.*\): 3 rows have empty text in text \(e\.g\. rows 4, 6, 8\); "
        r"set data\.empty_text: drop to skip them",
        str(caught.value),
    )


def test_a_row_is_empty_only_when_every_text_column_is_empty(tmp_path):
    frame = texts().assign(title="")
    frame.loc[0, "text"] = ""
    prepared = prepare_frame(frame, tmp_path, text_columns=["title", "text"])
    assert prepared.summary["dropped_empty_text"] == 1


def test_missing_labels_are_an_error_with_count_and_rows(tmp_path):
    frame = texts()
    frame.loc[[1, 5], "label"] = [None, " "]
    with pytest.raises(DataError) as caught:
        prepare_frame(frame, tmp_path)
    assert re.fullmatch(r"data\.train \(.*\): column 'label' has 2 rows with no label \(e\.g\. rows 3, 7\)",
                        str(caught.value))


def test_missing_label_rows_are_numbered_as_in_the_file_even_after_empty_texts_were_dropped(tmp_path):
    frame = texts()
    frame.loc[0, "text"] = ""
    frame.loc[5, "label"] = None
    with pytest.raises(DataError, match=r"has 1 rows with no label \(e\.g\. rows 7\)$"):
        prepare_frame(frame, tmp_path)


def test_labels_are_stripped_of_surrounding_spaces(tmp_path):
    frame = texts()
    frame["label"] = frame["label"].map(lambda v: f" {v} ")
    assert prepare_frame(frame, tmp_path).classes == ["a", "b", "c"]


def test_classes_under_the_minimum_are_an_error_listing_them(tmp_path):
    frame = pd.concat([texts(), texts(n_per_class=3, classes="r")], ignore_index=True)
    frame["split"] = "train"
    frame.loc[[0, 10, 20], "split"] = "test"
    with pytest.raises(DataError) as caught:
        prepare_frame(frame, tmp_path, min_examples_per_class=5, split={"split_column": "split"})
    assert str(caught.value) == ("data.min_examples_per_class: column 'label' has classes with fewer than 5 "
                                 "training examples: r (3)")


def test_a_class_too_rare_to_stratify_is_an_error_saying_what_to_do(tmp_path):
    frame = pd.concat([texts(), texts(n_per_class=1, classes="r")], ignore_index=True)
    with pytest.raises(DataError, match=r"^data\.split: cannot make a stratified split \(.*\); lower data\.split"):
        prepare_frame(frame, tmp_path)


# --- leakage ----------------------------------------------------------------------------------------------------


def test_identical_train_and_test_texts_warn_with_the_count(tmp_path):
    train, test = texts(), texts().iloc[[0, 11, 12]]
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    prepared = prepare(DataSpec(train=str(tmp_path / "train.csv"), test=str(tmp_path / "test.csv")), TOPIC, 1)
    assert prepared.warnings == ["leakage: 3 test rows have a text identical to a training row"]
    assert prepared.summary["identical_train_test_texts"] == 3


def test_identical_texts_differing_only_in_case_and_spaces_also_warn(tmp_path):
    train, test = texts(), texts().iloc[[0]].assign(text="  DOCUMENT a NUMBER 0 ")
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    prepared = prepare(DataSpec(train=str(tmp_path / "train.csv"), test=str(tmp_path / "test.csv")), TOPIC, 1)
    assert prepared.summary["identical_train_test_texts"] == 1


def test_a_clean_split_has_no_warnings(tmp_path):
    assert prepare_frame(texts(), tmp_path).warnings == []


def test_a_group_on_both_sides_of_a_given_split_warns(tmp_path):
    frame = texts().assign(doc=[i // 2 for i in range(30)], split=["train", "test"] * 15)
    prepared = prepare_frame(frame, tmp_path, split={"method": "given", "group_column": "doc"})
    assert "leakage: 15 values of 'doc' appear in both train and test" in prepared.warnings


def test_test_labels_never_seen_in_training_warn(tmp_path):
    train, test = texts(), texts(n_per_class=2, classes="az")
    train.to_csv(tmp_path / "train.csv", index=False)
    test.assign(text=lambda f: f["text"] + " unseen").to_csv(tmp_path / "test.csv", index=False)
    prepared = prepare(DataSpec(train=str(tmp_path / "train.csv"), test=str(tmp_path / "test.csv")), TOPIC, 1)
    assert prepared.warnings == ["test labels never seen in training: z"]


# --- splits -----------------------------------------------------------------------------------------------------


def test_a_split_column_gives_the_split(tmp_path):
    frame = texts().assign(split=["train", "train", "test"] * 10)
    prepared = prepare_frame(frame, tmp_path, split={"split_column": "split"})
    assert (len(prepared.train), len(prepared.test)) == (20, 10)
    assert set(prepared.test["split"]) == {"test"}


def test_dev_rows_of_a_split_column_count_as_training(tmp_path):
    frame = texts().assign(split=["train", "dev", "test"] * 10)
    prepared = prepare_frame(frame, tmp_path, split={"split_column": "split"})
    assert set(prepared.train["split"]) == {"train", "dev"}


def test_a_split_column_with_other_values_is_an_error(tmp_path):
    frame = texts().assign(split=["train", "validation", "test"] * 10)
    with pytest.raises(DataError) as caught:
        prepare_frame(frame, tmp_path, split={"split_column": "split"})
    assert str(caught.value) == "data.split.split_column: column 'split' must hold train/test values, got validation"


def test_a_split_column_without_test_rows_is_an_error(tmp_path):
    with pytest.raises(DataError, match=r"^data\.split\.split_column: column 'split' has no 'test' rows$"):
        prepare_frame(texts().assign(split="train"), tmp_path, split={"split_column": "split"})


def test_a_missing_split_column_is_named(tmp_path):
    with pytest.raises(DataError, match=r"^data\.split\.split_column: column 'part' not found"):
        prepare_frame(texts(), tmp_path, split={"split_column": "part"})


def test_a_stratified_split_keeps_class_proportions(tmp_path):
    frame = pd.concat([texts(n_per_class=40, classes="a"), texts(n_per_class=20, classes="b"),
                       texts(n_per_class=10, classes="c")], ignore_index=True)
    prepared = prepare_frame(frame, tmp_path, split={"method": "stratified", "test_size": 0.2})
    assert prepared.summary["classes"]["test"] == {"a": 8, "b": 4, "c": 2}
    assert prepared.summary["classes"]["train"] == {"a": 32, "b": 16, "c": 8}


def test_a_stratified_split_is_the_same_for_the_same_seed(tmp_path):
    first = prepare_frame(texts(), tmp_path, seed=5)
    second = prepare_frame(texts(), tmp_path, seed=5)
    assert first.test["text"].tolist() == second.test["text"].tolist()


def test_a_stratified_split_changes_with_the_seed(tmp_path):
    first = prepare_frame(texts(), tmp_path, seed=5)
    second = prepare_frame(texts(), tmp_path, seed=6)
    assert set(first.test["text"]) != set(second.test["text"])


def test_a_grouped_split_never_puts_a_group_on_both_sides(tmp_path):
    frame = texts(n_per_class=20).assign(doc=[i // 3 for i in range(60)])
    prepared = prepare_frame(frame, tmp_path, split={"method": "grouped", "group_column": "doc"},
                             min_examples_per_class=1)
    assert not set(prepared.train["doc"]) & set(prepared.test["doc"])
    assert len(prepared.test) > 0


def test_auto_split_is_grouped_when_a_group_column_is_set(tmp_path):
    frame = texts(n_per_class=20).assign(doc=[i // 3 for i in range(60)])
    prepared = prepare_frame(frame, tmp_path, split={"group_column": "doc"}, min_examples_per_class=1)
    assert not set(prepared.train["doc"]) & set(prepared.test["doc"])


def test_a_grouped_split_without_a_group_column_is_an_error(tmp_path):
    with pytest.raises(DataError, match=r"^data\.split\.group_column: a grouped split needs a group column$"):
        prepare_frame(texts(), tmp_path, split={"method": "grouped"})


def test_max_train_rows_samples_the_training_split(tmp_path):
    prepared = prepare_frame(texts(n_per_class=20), tmp_path, max_train_rows=15)
    assert len(prepared.train) == 15
    assert len(prepared.test) == 12


# --- multi-label ------------------------------------------------------------------------------------------------


def multi_label_frame(labels) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"text number {i}" for i in range(20)], "topics": labels * (20 // len(labels))})


def test_multi_label_labels_may_be_lists(tmp_path):
    frame = multi_label_frame([["a", "b"], ["b"], ["a"], ["c", "a"]])
    prepared = prepare_frame(frame, tmp_path, multi_label=True, label_column="topics")
    assert prepared.classes == ["a", "b", "c"]
    assert all(isinstance(labels, list) for labels in prepared.y("train"))


def test_multi_label_labels_may_be_joined_strings(tmp_path):
    frame = multi_label_frame(["a|b", "b", "a", "c | a"])
    prepared = prepare_frame(frame, tmp_path, multi_label=True, label_column="topics")
    assert ["c", "a"] in pd.concat([prepared.train, prepared.test])["topics"].tolist()
    assert prepared.classes == ["a", "b", "c"]


def test_multi_label_joined_strings_may_use_another_separator(tmp_path):
    frame = multi_label_frame(["a;b", "b", "a", "c;a"])
    prepared = prepare_frame(frame, tmp_path, multi_label=True, label_column="topics", label_separator=";")
    assert prepared.classes == ["a", "b", "c"]


def test_multi_label_class_counts_count_each_label_of_each_row(tmp_path):
    frame = multi_label_frame(["a|b", "b", "a", "c|a"])
    prepared = prepare_frame(frame, tmp_path, multi_label=True, label_column="topics", split={"method": "random"})
    counts = {k: prepared.summary["classes"]["train"].get(k, 0) + prepared.summary["classes"]["test"].get(k, 0)
              for k in "abc"}
    assert counts == {"a": 15, "b": 10, "c": 5}


def test_multi_label_rows_without_any_label_are_an_error(tmp_path):
    frame = multi_label_frame(["a|b", "b", "a", "c|a"])
    frame.loc[3, "topics"] = " | "
    with pytest.raises(DataError, match=r"column 'topics' has 1 rows with no label \(e\.g\. rows 5\); "
                                         r"set data\.unlabelled: keep to train on them$"):
        prepare_frame(frame, tmp_path, multi_label=True, label_column="topics")


# --- digests ----------------------------------------------------------------------------------------------------


def test_the_digest_is_32_hex_characters():
    assert re.fullmatch(r"[0-9a-f]{32}", digest(texts(), ["text", "label"]))


def test_the_digest_is_stable_when_nothing_changes(tmp_path):
    first = prepare_frame(texts(), tmp_path).digests
    second = prepare_frame(texts(), tmp_path).digests
    assert first == second


def test_the_digest_changes_when_one_row_changes():
    frame = texts()
    changed = frame.copy()
    changed.loc[17, "text"] = "document b number 7!"
    assert digest(frame, ["text", "label"]) != digest(changed, ["text", "label"])


def test_the_digest_changes_when_one_label_changes():
    frame = texts()
    changed = frame.copy()
    changed.loc[0, "label"] = "b"
    assert digest(frame, ["text", "label"]) != digest(changed, ["text", "label"])


def test_the_digest_ignores_the_index_and_other_columns():
    frame = texts()
    moved = frame.set_axis(range(100, 130)).assign(extra=1)
    assert digest(frame, ["text", "label"]) == digest(moved, ["text", "label"])


def test_the_digest_covers_rows_beyond_the_first_ten_thousand():
    frame = pd.DataFrame({"text": [f"t{i}" for i in range(10_050)], "label": "a"})
    changed = frame.copy()
    changed.loc[10_040, "text"] = "different"
    assert digest(frame, ["text", "label"]) != digest(changed, ["text", "label"])


# --- stance -----------------------------------------------------------------------------------------------------


def test_stance_labels_outside_the_four_fnc_labels_are_an_error(tmp_path):
    frame = pd.DataFrame({"headline": ["h"] * 8, "body": [f"b{i}" for i in range(8)],
                          "label": ["agree", "discuss", "unrelated", "neutral"] * 2})
    with pytest.raises(DataError) as caught:
        prepare_frame(frame, tmp_path, task="stance", text_columns=["headline", "body"])
    assert str(caught.value).endswith(
        "column 'label' has labels 'neutral'; stance expects agree, disagree, discuss, unrelated")


# --- real data --------------------------------------------------------------------------------------------------


def test_reuters_modapte_loads_as_multi_label_with_its_given_split(secnews_data):
    folder = secnews_data / "reuters21578"
    if not (folder / "modapte_train.csv").is_file():
        pytest.skip(f"{folder}/modapte_train.csv not found under SECNEWS_DATA")
    data = DataSpec(train=str(folder / "modapte_train.csv"), test=str(folder / "modapte_test.csv"),
                    text_columns=["title", "text"], label_column="topics", multi_label=True,
                    min_examples_per_class=1)
    prepared = prepare(data, TOPIC, 1)
    assert (len(prepared.train), len(prepared.test)) == (7775, 3019)
    assert "earn" in prepared.classes
    assert any(len(labels) > 1 for labels in prepared.y("train"))


# --- label options: indicator columns, label map, label set, unlabelled rows, masks --------------------------------


def indicators() -> pd.DataFrame:
    return pd.DataFrame({"text": [f"sentence {i}" for i in range(20)], "KILL": [1, 0, 0, 0] * 5,
                         "ARREST": [1, 1, 0, 0] * 5})


def test_indicator_columns_become_label_lists(tmp_path):
    prepared = prepare_frame(indicators(), tmp_path, multi_label=True, label_columns=["KILL", "ARREST"],
                             label_column="actions", unlabelled="keep", split={"method": "random"})
    rows = pd.concat([prepared.train, prepared.test])["actions"].map(tuple).value_counts().to_dict()
    assert rows == {("KILL", "ARREST"): 5, ("ARREST",): 5, (): 10}


def test_indicator_columns_must_hold_zero_or_one(tmp_path):
    frame = indicators()
    frame.loc[3, "KILL"] = 2
    with pytest.raises(DataError, match=r"data\.label_columns must hold 0 or 1 in KILL, ARREST \(e\.g\. rows 5\)$"):
        prepare_frame(frame, tmp_path, multi_label=True, label_columns=["KILL", "ARREST"], unlabelled="keep")


def test_rows_with_an_empty_label_set_are_rejected_unless_kept(tmp_path):
    with pytest.raises(DataError, match="set data.unlabelled: keep to train on them"):
        prepare_frame(indicators(), tmp_path, multi_label=True, label_columns=["KILL", "ARREST"])


def test_label_map_merges_and_folds_labels(tmp_path):
    frame = texts(classes="abcd")
    prepared = prepare_frame(frame, tmp_path, label_map={"c": "b", "d": "b"})
    assert prepared.classes == ["a", "b"]


def test_label_set_drops_rows_of_other_labels(tmp_path):
    prepared = prepare_frame(texts(classes="abcd"), tmp_path, label_set=["a", "b"])
    assert prepared.classes == ["a", "b"]
    assert prepared.summary["dropped_outside_label_set"] == 20


def test_a_label_set_file_filters_multi_label_rows(tmp_path):
    (tmp_path / "keep.txt").write_text("a\nb\n", encoding="utf-8")
    frame = multi_label_frame(["a|c", "b", "c", "a|b"])
    prepared = prepare_frame(frame, tmp_path, multi_label=True, label_column="topics",
                             label_set=str(tmp_path / "keep.txt"), split={"method": "random"})
    rows = pd.concat([prepared.train, prepared.test])["topics"].map(tuple)
    assert set(rows) == {("a",), ("b",), ("a", "b")}
    assert prepared.summary["dropped_outside_label_set"] == 5


def test_a_missing_label_set_file_is_one_line(tmp_path):
    with pytest.raises(DataError, match=r"^data\.label_set: cannot read .*nope\.txt \(No such file or directory\)$"):
        prepare_frame(texts(), tmp_path, label_set=str(tmp_path / "nope.txt"))


def test_text_mask_blanks_label_words_in_train_and_test(tmp_path):
    frame = texts().assign(text=lambda f: f["text"] + " Riots/Protests erupted")
    prepared = prepare_frame(frame, tmp_path, text_mask=[r"riots/protests"])
    joined = " ".join(pd.concat([prepared.train, prepared.test])["text"])
    assert "Riots" not in joined and "erupted" in joined


def test_label_columns_need_multi_label(tmp_path):
    from core.errors import ConfigError
    from train.config import parse_config

    with pytest.raises(ConfigError, match=r"label_columns \(0/1 indicator columns\) need multi_label: true"):
        parse_config({"data": {"train": "x.csv", "label_columns": ["KILL"]}, "features": [{"name": "tfidf_word"}]})


# --- short copies -------------------------------------------------------------------------------------------------


def titled(n_per_class: int = 10) -> pd.DataFrame:
    frame = texts(n_per_class)
    return frame.assign(title=[f"headline {i}" for i in range(len(frame))],
                        text=frame["text"] + ". A second sentence follows. And a third.",
                        story=[f"s{i // 2}" for i in range(len(frame))])


def test_title_and_lead_copies_follow_the_training_rows_only(tmp_path):
    prepared = prepare_frame(titled(), tmp_path, text_columns=["title", "text"], short_copies=["title", "lead"],
                             split={"method": "random"})
    n = len(prepared.train)
    X, y = prepared.X("train"), prepared.y("train")
    assert len(X) == len(y) == 3 * n and len(prepared.X("test")) == len(prepared.test)
    assert X.iloc[:n].equals(prepared.train[["title", "text"]])
    titles, leads = X.iloc[n:2 * n], X.iloc[2 * n:]
    assert (titles["title"] == "").all() and list(titles["text"]) == list(prepared.train["title"])
    assert list(leads["text"]) == [t.split(". ")[0] + "." for t in prepared.train["text"]]
    assert list(y[n:2 * n]) == list(y[2 * n:]) == list(y[:n])
    assert prepared.summary["short_copies"] == {"kinds": ["title", "lead"], "rows": 2 * n}


def test_short_copies_change_the_training_digest_and_not_the_test_one(tmp_path):
    plain = prepare_frame(titled(), tmp_path, text_columns=["title", "text"], split={"method": "random"})
    copied = prepare_frame(titled(), tmp_path, text_columns=["title", "text"], short_copies=["title"],
                           split={"method": "random"})
    assert plain.digests["test"] == copied.digests["test"] and plain.digests["train"] != copied.digests["train"]
    assert len(copied.train) == len(plain.train)  # the split itself is the same rows


def test_a_dev_split_copies_its_fitting_part_only(tmp_path):
    from features.data import dev_split

    prepared = prepare_frame(titled(20), tmp_path, text_columns=["title", "text"], short_copies=["title"],
                             split={"method": "random", "group_column": "story"})
    dev = dev_split(prepared, 0.25, seed=3)
    fitted = dev.X("train")
    assert len(fitted) == 2 * len(dev.train) and len(dev.X("test")) == len(dev.test)
    assert not set(fitted["text"]) & set(dev.test["title"])  # no dev title is trained on


def test_empty_titles_make_no_copy(tmp_path):
    frame = titled().assign(title=lambda f: f["title"].where(f.index % 2 == 0, ""))
    prepared = prepare_frame(frame, tmp_path, text_columns=["title", "text"], short_copies=["title"],
                             split={"method": "random"})
    assert len(prepared.X("train")) == len(prepared.train) + int(prepared.train["title"].ne("").sum())


def test_title_copies_need_two_text_columns(tmp_path):
    with pytest.raises(DataError, match=r"^data\.short_copies: title copies need two text columns \(title first, "
                                        r"body last\); text_columns is \['text'\]$"):
        prepare_frame(texts(), tmp_path, short_copies=["title"])


@pytest.mark.parametrize(("data", "message"), [
    ({"short_copies": ["headline"]}, r"^data\.short_copies\[0\]: expected 'title' or 'lead', got \"headline\"$"),
    ({"short_copies": ["title"], "multi_label": True},
     r"short_copies \(title or lead copies of training rows\) needs single-label data \(multi_label: false\)"),
    ({"short_copies": ["title", "title"]}, r"short_copies lists a kind twice: \['title', 'title'\]"),
])
def test_bad_short_copies_are_config_errors(data, message):
    from core.errors import ConfigError
    from train.config import parse_config

    with pytest.raises(ConfigError, match=message):
        parse_config({"data": {"train": "x.csv", **data}, "features": [{"name": "tfidf_word"}]})
