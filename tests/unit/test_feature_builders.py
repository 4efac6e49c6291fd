"""Feature builders (tfidf_word, tfidf_char, hashing), their spec validation, and the weighted column union."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from core.errors import ConfigError
from features.builders import BUILDERS
from features.union import build_features, parse_specs
from features.vectorizers import CompactTfidfVectorizer

TEXTS = pd.DataFrame({
    "title": ["Ransomware hits the port", "Phishing lure targets bank", "Parliament passes cyber law"],
    "body": ["Files were encrypted overnight", "A fake login page stole passwords", "The law takes effect in May"],
})


def build(spec: dict, seed: int = 0):
    """Build one builder's block from a raw spec, as the union would."""
    (parsed,) = parse_specs([spec])
    return BUILDERS.get(parsed.name, "features").build(parsed, seed)


def dense(matrix) -> np.ndarray:
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)


def block_terms(union) -> set[str]:
    """Feature names of a fitted union without their block prefix."""
    return {name.split("__", 1)[1] for name in union.get_feature_names_out()}


def vocabulary(block) -> set[str]:
    return set(block.named_steps["tfidf"].vocabulary_)


# --- tfidf_word -------------------------------------------------------------------------------------------------


def test_tfidf_word_defaults_to_unigrams_and_bigrams():
    block = build({"name": "tfidf_word"}).fit(TEXTS)
    assert {"ransomware", "ransomware hits"} <= vocabulary(block)


def test_tfidf_word_ngram_range_limits_the_ngrams():
    block = build({"name": "tfidf_word", "ngram_range": [1, 1]}).fit(TEXTS)
    assert all(" " not in term for term in vocabulary(block))


def test_tfidf_word_stop_words_are_removed():
    block = build({"name": "tfidf_word", "stop_words": "english", "ngram_range": [1, 1]}).fit(TEXTS)
    assert "the" not in vocabulary(block)
    assert "ransomware" in vocabulary(block)


def test_tfidf_word_reads_every_text_column_joined():
    block = build({"name": "tfidf_word", "ngram_range": [1, 1]}).fit(TEXTS)
    assert {"ransomware", "encrypted"} <= vocabulary(block)


def test_tfidf_word_min_df_drops_rare_terms():
    block = build({"name": "tfidf_word", "ngram_range": [1, 1], "min_df": 2}).fit(TEXTS)
    assert vocabulary(block) == {"the"}


def test_tfidf_word_max_features_caps_the_vocabulary():
    block = build({"name": "tfidf_word", "max_features": 5}).fit(TEXTS)
    assert len(vocabulary(block)) == 5


def test_tfidf_word_output_is_sparse_with_one_row_per_text():
    matrix = build({"name": "tfidf_word"}).fit_transform(TEXTS)
    assert sp.issparse(matrix)
    assert matrix.shape[0] == len(TEXTS)


def test_tfidf_word_svd_components_give_a_dense_projection():
    matrix = build({"name": "tfidf_word", "svd_components": 2}).fit_transform(TEXTS)
    assert isinstance(matrix, np.ndarray)
    assert matrix.shape == (3, 2)


def test_tfidf_word_cleaning_is_applied_before_vectorizing():
    texts = pd.DataFrame({"text": ["see https://a.example/x", "see www.b.example"]})
    block = build({"name": "tfidf_word", "ngram_range": [1, 1]}).fit(texts)
    assert vocabulary(block) == {"see", "urltoken"}


def test_tfidf_word_keeps_case_when_lowercase_is_off():
    texts = pd.DataFrame({"text": ["APT Group", "apt group"]})
    block = build({"name": "tfidf_word", "ngram_range": [1, 1], "clean": {"lowercase": False}}).fit(texts)
    assert vocabulary(block) == {"APT", "Group", "apt", "group"}


# --- tfidf_char -------------------------------------------------------------------------------------------------


def test_tfidf_char_builds_character_ngrams_inside_word_boundaries():
    texts = pd.DataFrame({"text": ["ab cd"]})
    block = build({"name": "tfidf_char", "ngram_range": [2, 2]}).fit(texts)
    assert vocabulary(block) == {" a", "ab", "b ", " c", "cd", "d "}


def test_tfidf_char_analyzer_char_crosses_word_boundaries():
    texts = pd.DataFrame({"text": ["ab cd"]})
    block = build({"name": "tfidf_char", "analyzer": "char", "ngram_range": [2, 2]}).fit(texts)
    assert "b " in vocabulary(block) and " c" in vocabulary(block) and "ab" in vocabulary(block)
    assert vocabulary(block) == {"ab", "b ", " c", "cd"}


def test_tfidf_char_rejects_stop_words():
    with pytest.raises(ConfigError) as caught:
        parse_specs([{"name": "tfidf_char", "stop_words": "english"}])
    assert str(caught.value) == (
        "features[0].stop_words: stop words apply to word n-grams only: remove it or use tfidf_word"
    )


# --- hashing ----------------------------------------------------------------------------------------------------


def test_hashing_output_width_is_n_features():
    matrix = build({"name": "hashing", "n_features": 64}).fit_transform(TEXTS)
    assert matrix.shape == (3, 64)


def test_hashing_without_tfidf_gives_l2_normalised_counts():
    matrix = build({"name": "hashing", "n_features": 256, "tfidf": False}).fit_transform(TEXTS)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
    assert np.allclose(norms, 1.0)
    assert matrix.min() >= 0


def test_hashing_with_tfidf_adds_an_idf_step():
    block = build({"name": "hashing", "n_features": 256})
    assert list(block.named_steps) == ["clean", "hash", "tfidf"]


def test_hashing_maps_the_same_text_to_the_same_columns_in_any_fit():
    first = build({"name": "hashing", "n_features": 512, "tfidf": False}).fit_transform(TEXTS.iloc[:1])
    second = build({"name": "hashing", "n_features": 512, "tfidf": False}).fit_transform(TEXTS)
    assert (first != second[:1]).nnz == 0


def test_hashing_rejects_stop_words_with_a_character_analyzer():
    with pytest.raises(ConfigError, match=r"^features\[0\]: stop_words only apply to word n-grams, not analyzer"):
        parse_specs([{"name": "hashing", "analyzer": "char_wb", "stop_words": "english"}])


# --- spec validation --------------------------------------------------------------------------------------------


def test_ngram_range_given_as_text_is_rejected_with_the_value():
    with pytest.raises(ConfigError) as caught:
        parse_specs([{"name": "tfidf_word"}, {"name": "tfidf_word", "ngram_range": "1-2"}])
    assert str(caught.value) == 'features[1].ngram_range: expected two integers, got "1-2"'


def test_ngram_range_low_above_high_is_rejected():
    with pytest.raises(ConfigError, match=r"^features\[0\]\.ngram_range: expected two integers with 1 <= low <= high"):
        parse_specs([{"name": "tfidf_word", "ngram_range": [3, 1]}])


def test_min_df_larger_than_max_df_is_rejected():
    with pytest.raises(ConfigError, match=r"min_df \(5\) is larger than max_df \(2\)"):
        parse_specs([{"name": "tfidf_word", "min_df": 5, "max_df": 2}])


def test_max_df_share_above_one_is_rejected():
    with pytest.raises(ConfigError, match=r"max_df as a share must be in \[0, 1\], got 1.5"):
        parse_specs([{"name": "tfidf_word", "max_df": 1.5}])


def test_a_bad_strip_pattern_is_a_config_error_naming_the_pattern():
    with pytest.raises(ConfigError, match=r"invalid regular expression '\[oops'"):
        parse_specs([{"name": "tfidf_word", "clean": {"strip_patterns": ["[oops"]}}])


def test_an_unknown_builder_key_suggests_the_closest_one():
    with pytest.raises(ConfigError) as caught:
        parse_specs([{"name": "tfidf_word", "ngram_rang": [1, 2]}])
    assert str(caught.value) == "features[0].ngram_rang: unknown key; did you mean 'ngram_range'?"


def test_an_unknown_builder_name_lists_the_valid_names():
    with pytest.raises(ConfigError) as caught:
        parse_specs([{"name": "tfidf_words"}])
    message = str(caught.value)
    assert message.startswith("features[0].name: unknown feature builder 'tfidf_words' (did you mean 'tfidf_word'?)")
    assert f"valid names: {', '.join(BUILDERS.names())}" in message


def test_a_builder_without_a_name_is_rejected():
    with pytest.raises(ConfigError, match=r"^features\[0\]\.name: required key is missing$"):
        parse_specs([{"ngram_range": [1, 2]}])


def test_an_empty_feature_list_is_rejected():
    with pytest.raises(ConfigError, match="expected a non-empty list of feature builders"):
        parse_specs([])


def test_every_bad_builder_is_reported_on_its_own_line():
    with pytest.raises(ConfigError) as caught:
        parse_specs([{"name": "nope"}, {"name": "tfidf_word", "weight": 0}])
    assert [line.split(":")[0] for line in caught.value.lines] == ["features[0].name", "features[1].weight"]


# --- the union --------------------------------------------------------------------------------------------------


def test_union_weights_scale_each_block():
    specs = parse_specs([{"name": "tfidf_word"}])
    heavy = parse_specs([{"name": "tfidf_word", "weight": 2.5}])
    base = build_features(specs, ["title", "body"], 0).fit_transform(TEXTS)
    scaled = build_features(heavy, ["title", "body"], 0).fit_transform(TEXTS)
    assert np.allclose(dense(scaled), 2.5 * dense(base))


def test_union_stacks_blocks_side_by_side():
    specs = parse_specs([{"name": "tfidf_word"}, {"name": "hashing", "n_features": 32}])
    union = build_features(specs, ["title", "body"], 0)
    word_width = build_features(specs[:1], ["title", "body"], 0).fit_transform(TEXTS).shape[1]
    assert union.fit_transform(TEXTS).shape[1] == word_width + 32


def test_union_output_is_sparse_when_mostly_empty():
    specs = parse_specs([{"name": "hashing", "n_features": 4096}])
    assert sp.issparse(build_features(specs, ["title", "body"], 0).fit_transform(TEXTS))


def test_union_output_is_dense_when_asked():
    specs = parse_specs([{"name": "hashing", "n_features": 4096}])
    assert isinstance(build_features(specs, ["title", "body"], 0, dense=True).fit_transform(TEXTS), np.ndarray)


def test_union_feature_names_say_which_block_they_come_from():
    specs = parse_specs([{"name": "tfidf_word", "ngram_range": [1, 1]}, {"name": "tfidf_char", "ngram_range": [4, 4]}])
    names = build_features(specs, ["title", "body"], 0).fit(TEXTS).get_feature_names_out()
    assert "0_tfidf_word__ransomware" in names
    assert "1_tfidf_char__ware" in names


def test_union_block_reads_only_its_own_columns():
    specs = parse_specs([{"name": "tfidf_word", "ngram_range": [1, 1], "columns": ["title"]}])
    terms = block_terms(build_features(specs, ["title", "body"], 0).fit(TEXTS))
    assert "ransomware" in terms
    assert "encrypted" not in terms


def test_union_blocks_default_to_every_text_column():
    specs = parse_specs([{"name": "tfidf_word", "ngram_range": [1, 1]}])
    assert {"ransomware", "encrypted"} <= block_terms(build_features(specs, ["title", "body"], 0).fit(TEXTS))


def test_union_ignores_columns_that_are_not_text_columns():
    frame = TEXTS.assign(label=["x", "y", "z"])
    specs = parse_specs([{"name": "tfidf_word", "ngram_range": [1, 1]}])
    assert not block_terms(build_features(specs, ["title", "body"], 0).fit(frame)) & {"x", "y", "z"}


# --- serialization ----------------------------------------------------------------------------------------------


def test_compact_vectorizer_round_trips_its_vocabulary_through_pickle():
    vectorizer = CompactTfidfVectorizer().fit(["alpha beta", "beta gamma"])
    restored = pickle.loads(pickle.dumps(vectorizer))
    assert restored.vocabulary_ == vectorizer.vocabulary_
    assert (restored.transform(["beta"]) != vectorizer.transform(["beta"])).nnz == 0


def test_compact_vectorizer_stores_the_vocabulary_as_flat_values():
    state = CompactTfidfVectorizer().fit(["alpha beta"]).__getstate__()
    assert "vocabulary_" not in state
    assert state["vocabulary_utf8_"].dtype == np.uint8
    assert state["vocabulary_offsets_"].dtype == np.int64
    assert state["vocabulary_index_"].dtype == np.int64


def test_compact_vectorizer_round_trips_non_ascii_terms_through_skops():
    import skops.io as sio

    vectorizer = CompactTfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)).fit(["Ashkara Gate – café ñandú"])
    loaded = sio.loads(sio.dumps(vectorizer), trusted=sio.get_untrusted_types(data=sio.dumps(vectorizer)))
    assert loaded.vocabulary_ == vectorizer.vocabulary_


@pytest.mark.parametrize("terms", [["alpha", "", "beta gamma"], ["café", "", "ünïcode", "plain"], []])
def test_packed_strings_round_trip_ascii_and_utf8(terms):
    from features.vectorizers import pack_strings, unpack_strings

    data, offsets = pack_strings(terms)
    assert offsets.tolist()[-1] == len(data) == sum(len(t.encode("utf-8")) for t in terms)
    assert unpack_strings(data, offsets) == terms
