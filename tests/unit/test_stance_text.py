"""Shared stance text utilities, checked against values worked out by hand."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from features.stance.base import FeatureTable, distinct_bodies, pair_columns
from features.stance.text import (
    IdfMixin,
    all_stems,
    bm25,
    char_grams,
    content_stems,
    lcs_length,
    names_and_numbers,
    ngrams,
    smoothed_idf,
    split_sentences,
    stem,
    tokenize,
)


def test_tokens_are_lower_case_alphanumeric_with_apostrophes_dropped() -> None:
    assert tokenize("Don't STOP: 3 times") == ["dont", "stop", "3", "times"]


def test_stems_truncate_to_five_letters_and_content_stems_drop_stop_words() -> None:
    assert stem("reported") == "repor"
    assert all_stems("The reports were denied") == ["the", "repor", "were", "denie"]
    assert content_stems("The reports were denied a") == ["repor", "denie"]


def test_sentences_split_on_end_marks_and_short_fragments_are_dropped() -> None:
    assert split_sentences("One is here. Two! Three? A.") == ["One is here.", "Two!", "Three?"]
    assert split_sentences("no break here") == ["no break here"]
    assert split_sentences("a. b. c. d.", limit=2) == ["a. b. c. d."]  # fragments < 3 chars: the text itself


def test_char_grams_pad_the_normalised_text() -> None:
    assert char_grams("Ab, c") == {" ab ", "ab c", "b c "}


def test_names_are_capitalised_words_after_the_first_and_numbers_are_digits() -> None:
    names, numbers = names_and_numbers("Police in Talmir say 12 of The Crimson gang fled")
    assert names == {"talmi", "crims"}  # "Police" starts the text, "The" is a stop word
    assert numbers == {"12"}


def test_ngrams_and_lcs() -> None:
    assert ngrams(["a", "b", "c"], 2) == {("a", "b"), ("b", "c")}
    assert ngrams(["a"], 2) == set()
    assert lcs_length(["a", "b", "c", "d"], ["b", "x", "d"]) == 2
    assert lcs_length([], ["a"]) == 0


def test_smoothed_idf_matches_the_formula() -> None:
    assert smoothed_idf(1, 3) == pytest.approx(math.log(4 / 2) + 1)
    assert smoothed_idf(0, 3) == pytest.approx(math.log(4) + 1)


def test_idf_table_counts_each_term_once_per_document() -> None:
    table = IdfMixin()
    table._fit_idf([["a", "b", "a"], ["a"], ["c"]])
    idf = table._idf_table()
    assert idf == pytest.approx({"a": math.log(4 / 3) + 1, "b": math.log(2) + 1, "c": math.log(2) + 1})
    assert table.unseen_idf_ == pytest.approx(math.log(4) + 1)


def test_bm25_by_hand_uses_the_given_mean_length() -> None:
    # norm = k1 (1 - b + b L / mean); score = w tf (k1 + 1) / (tf + norm), divided by the query weight
    at_mean = bm25(["a"], [2.0], Counter({"a": 2}), length=10, mean_length=10)
    assert at_mean == pytest.approx(2 * 2 * 2.2 / (2 + 1.2) / 2)  # norm = 1.2
    twice = bm25(["a"], [2.0], Counter({"a": 2}), length=20, mean_length=10)
    assert twice == pytest.approx(2 * 2.2 / (2 + 1.2 * 1.75))  # norm = 1.2 (0.25 + 1.5)
    missing = bm25(["a", "b"], [1.0, 3.0], Counter({"a": 1}), length=5, mean_length=5, k1=2.0, b=0.0)
    assert missing == pytest.approx(1 * 1 * 3.0 / (1 + 2.0) / 4.0)


def test_pair_columns_take_claim_then_body_whatever_their_names() -> None:
    claims, bodies = pair_columns(np.array([["c", "b"], [None, "x"]], dtype=object))
    assert list(claims) == ["c", ""] and list(bodies) == ["b", "x"]
    with pytest.raises(ValueError, match=r"^pair features need exactly two columns \(claim, body\), got 3$"):
        pair_columns(np.zeros((2, 3)))


def test_distinct_bodies_groups_rows_sharing_a_body() -> None:
    distinct, inverse, rows = distinct_bodies(np.array(["x", "y", "x", "z", "y"], dtype=object))
    assert list(distinct) == ["x", "y", "z"]
    assert list(inverse) == [0, 1, 0, 2, 1]
    assert [list(r) for r in rows] == [[0, 2], [1, 4], [3]]


def test_feature_table_writes_columns_by_name() -> None:
    table = FeatureTable(("a", "b"), 2)
    table[:, "b"] = [1.0, 2.0]
    table.put(0, {"a": 5.0})
    assert table.values.tolist() == [[5.0, 1.0], [0.0, 2.0]]
    with pytest.raises(KeyError):
        table.put(1, {"c": 1.0})
