"""Property tests: any Unicode text goes through cleaning and every registered feature builder with a stable
output shape, and `--set` values and key paths round-trip through the override parser."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import features.union  # noqa: F401  (registers every builder)
from core.schema import format_path, validate_spec
from features.builders import BUILDERS
from features.text import TextCleaner
from features.union import build_features
from train.overrides import parse_override, parse_path

SPECIAL = [
    "",
    "   \t\n",
    "\x00\x01\x07\x1b[31m\x7f\x9f",                     # control characters, an ANSI escape
    "مرحبا بالعالم ‏שלום עולם‎ \u202eevil\u202c",           # right-to-left scripts and direction marks
    "🔥💻🦠 👩‍💻 🏳️‍🌈 \U0001f9ec",                          # emoji, ZWJ sequences
    "e\u0301\u0301\u0301 Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǫ̗͓̙",                   # combining marks
    "\u2028\u2029\ufeff\u200b",                          # line/paragraph separators, BOM, zero width
    "x" * 100_000,                                       # one 100k-character token
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ＦＵＬＬＷＩＤＴＨ ǅ ß ﬁ",                    # case and width oddities
]
any_text = st.one_of(st.sampled_from(SPECIAL),
                     st.text(st.characters(exclude_categories=("Cs",)), max_size=60))
texts = st.lists(any_text, min_size=1, max_size=4)
PROPERTY = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])



@pytest.fixture(scope="module")
def fitted() -> dict[str, tuple[object, int]]:
    """Every registered builder, fitted on 120 claim/article pairs of the demo corpus: (union, output width)."""
    from features.loading import DEMO_DIR, read_files
    from train.tasks import get_task

    stance_demo, _ = get_task("stance").read_demo(lambda path: read_files(str(path), "jsonl", "demo"), DEMO_DIR)
    corpus = stance_demo.sample(n=120, random_state=0).reset_index(drop=True)
    out = {}
    for name in BUILDERS.names():
        spec = validate_spec(BUILDERS.get(name, "features").schema, {"name": name}, ["features", 0])
        union = build_features([spec], ["headline", "body"], seed=0)
        width = union.fit_transform(corpus[["headline", "body"]], corpus["stance"]).shape[1]
        out[name] = (union, width)
    return out


@PROPERTY
@given(texts)
def test_text_cleaning_returns_one_string_per_row_for_any_unicode(values):
    cleaned = TextCleaner(numbers=True).fit_transform(pd.DataFrame({"title": values, "body": values[::-1]}))
    assert cleaned.shape == (len(values),)
    assert all(isinstance(t, str) for t in cleaned)


@pytest.mark.parametrize("name", BUILDERS.names())
def test_every_builder_transforms_any_unicode_to_a_stable_shape(name, fitted):
    union, width = fitted[name]

    @PROPERTY
    @given(headlines=texts, bodies=texts)
    def check(headlines, bodies):
        size = min(len(headlines), len(bodies))
        frame = pd.DataFrame({"headline": headlines[:size], "body": bodies[:size]})
        matrix = union.transform(frame)
        assert matrix.shape == (size, width)
        values = matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)
        assert np.isfinite(values).all()

    check()


# YAML cannot carry control characters or lone surrogates, and a shell argument does not either
printable = st.characters(exclude_categories=("Cs", "Cc", "Cn"))
scalars = st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none(),
                    st.text(printable, max_size=20))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(alphabet="abcxyz_", min_size=1,
                                                                                max_size=6), inner, max_size=3)),
                      max_leaves=8)
keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_\-]{0,8}", fullmatch=True)
paths = st.tuples(keys, st.lists(st.one_of(keys, st.integers(0, 99)), max_size=4)).map(lambda t: [t[0], *t[1]])


@PROPERTY
@given(path=paths, value=values)
def test_an_override_round_trips_its_path_and_json_value(path, value):
    assert parse_override(f"{format_path(path)}={json.dumps(value, ensure_ascii=False)}") == (path, value)


@PROPERTY
@given(paths)
def test_a_key_path_round_trips_through_format_and_parse(path):
    assert parse_path(format_path(path)) == path
