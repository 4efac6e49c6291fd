"""Body style words: a vocabulary of words common across bodies, one vector per body."""

from __future__ import annotations

import pandas as pd
import scipy.sparse as sp
from stance_examples import pair_frame

from features.stance.style import BodyStyle


def test_only_words_in_enough_bodies_are_kept() -> None:
    frame = pd.DataFrame({"claim": ["x", "y", "z"], "body": ["alpha beta", "alpha gamma", "alpha beta"]})
    style = BodyStyle(min_df=1.0).fit(frame)  # distinct bodies: two; only "alpha" is in both
    assert list(style.get_feature_names_out()) == ["style_alpha"]
    assert style.transform(frame).toarray().ravel().tolist() == [1.0, 1.0, 1.0]  # L2-normalised single word


def test_every_pair_of_one_body_gets_the_same_row() -> None:
    frame = pair_frame()[["headline", "body"]]
    out = BodyStyle(min_df=0.3).fit(frame).transform(frame)
    assert sp.issparse(out)
    assert (out[0] != out[1]).nnz == 0  # rows 0 and 1 share body b1
