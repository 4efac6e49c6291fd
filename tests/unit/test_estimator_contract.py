"""Our custom transformers keep scikit-learn's estimator contract: its own checks, clone + fit, not-fitted errors.

Text transformers declare string input through scikit-learn's tags (as its own vectorizers do), so the checks
that feed numeric arrays are not generated for them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from features.text import TextCleaner
from features.vectorizers import CompactTfidfVectorizer

TEXTS = pd.DataFrame({"title": ["Port hack", "Talks resume"], "body": ["Ransomware at https://x.io", "Envoy met"]})


@parametrize_with_checks([TextCleaner(), CompactTfidfVectorizer()])
def test_scikit_learn_checks(estimator, check):
    check(estimator)


def test_a_cloned_cleaner_fits_to_the_same_output():
    cleaner = TextCleaner(numbers=True, strip_patterns=(r"^Port",)).fit(TEXTS)
    again = clone(cleaner).fit(TEXTS)
    assert np.array_equal(cleaner.transform(TEXTS), again.transform(TEXTS))


def test_transform_before_fit_says_the_cleaner_is_not_fitted():
    with pytest.raises(NotFittedError):
        TextCleaner().transform(TEXTS)
