"""The fast_hashing builder: stateless batch hashing whose rows do not depend on the batch they come in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import ConfigError
from features.fast_hashing import ArrowHashingVectorizer
from features.text import TextCleaner
from features.union import build_features, parse_specs

TEXTS = pd.DataFrame({
    "title": ["Ransomware hits port", "Talks resume", None, "Phishing wave"],
    "body": ["Crew encrypted the port's servers; see https://x.example/a", "Envoys met in Miravel again",
             "Only a body here, mail ops@agency.example", "Fake invoices, fake invoices everywhere 2024"],
})


def vectorizer(**params) -> ArrowHashingVectorizer:
    return ArrowHashingVectorizer(**params).fit(TEXTS)


def test_a_row_gets_the_same_features_alone_or_in_any_batch():
    whole = vectorizer(n_features=2**12).transform(TEXTS)
    for i in range(len(TEXTS)):
        alone = vectorizer(n_features=2**12).transform(TEXTS.iloc[[i]])
        assert (whole[i] != alone).nnz == 0
    reversed_rows = vectorizer(n_features=2**12).transform(TEXTS.iloc[::-1])
    assert (whole != reversed_rows[::-1]).nnz == 0


def test_word_unigrams_are_counted_over_tokens_of_two_or_more_word_characters():
    frame = pd.DataFrame({"text": ["bb a bb cc!"]})
    matrix = vectorizer(ngram_range=(1, 1), sublinear_tf=False, norm=None).transform(frame)
    assert sorted(matrix.data.tolist()) == [1.0, 2.0]


def test_bigrams_join_neighbouring_tokens_within_a_row_only():
    frame = pd.DataFrame({"text": ["aa bb cc", "dd"]})
    matrix = vectorizer(ngram_range=(2, 2), sublinear_tf=False, norm=None).transform(frame)
    assert matrix[0].nnz == 2 and matrix[1].nnz == 0


def test_char_ngrams_count_every_window_of_the_normalised_text():
    frame = pd.DataFrame({"text": ["abcd", "ab"]})
    matrix = vectorizer(analyzer="char", ngram_range=(3, 3), sublinear_tf=False, norm=None).transform(frame)
    assert matrix[0].sum() == 2 and matrix[1].nnz == 0


def test_rows_are_l2_normalised_within_n_features_columns():
    matrix = vectorizer(n_features=64).transform(TEXTS)
    assert matrix.shape == (4, 64)
    assert np.allclose(np.sqrt(matrix.multiply(matrix).sum(axis=1)).A1, 1.0)


def test_cleaning_matches_the_python_text_cleaner():
    patterns = (r"^Only a ",)
    fast = vectorizer(strip_patterns=patterns, numbers=True)
    python = TextCleaner(numbers=True, strip_patterns=patterns).fit(TEXTS[["body"]])
    assert fast.clean(fast_text(TEXTS[["body"]])).to_pylist() == list(python.transform(TEXTS[["body"]]))


def fast_text(frame: pd.DataFrame):
    from features.fast_hashing import as_arrow_text

    return as_arrow_text(frame)


def test_the_builder_reads_its_spec_through_the_registry():
    union = build_features(parse_specs([{"name": "fast_hashing", "n_features": 128, "ngram_range": [1, 3]}]),
                           ["title", "body"], 0)
    assert union.fit_transform(TEXTS).shape == (4, 128)


def test_a_pattern_the_re2_engine_cannot_compile_is_a_config_error():
    with pytest.raises(ConfigError) as caught:
        parse_specs([{"name": "fast_hashing", "clean": {"strip_patterns": ["(?<=By )\\w+"]}}])
    assert caught.value.lines[0].startswith("features[0].clean: pattern '(?<=By )\\\\w+' is not supported by the "
                                            "RE2 engine fast_hashing uses")


def test_the_ascii_fast_split_gives_the_regex_split_on_any_text():
    import pyarrow as pa
    import pyarrow.compute as pc

    from features.fast_hashing import _NOT_WORD, split_words

    texts = pa.array(["plain ascii, with-punct_uation 42", "naïve café — “quoted” déjà-vu", "", "a.b,c!!d"])

    def long_tokens(lists):
        flat = lists.flatten()
        keep = pc.greater_equal(pc.utf8_length(flat), 2)
        return flat.filter(keep).to_pylist(), pc.list_parent_indices(lists).filter(keep).to_pylist()

    assert long_tokens(split_words(texts)) == long_tokens(pc.split_pattern_regex(texts, pattern=_NOT_WORD))
