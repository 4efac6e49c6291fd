"""features.text: joining columns and cleaning texts before any vectorizer sees them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.text import TextCleaner, check_patterns, join_columns

DATELINE = r"^[A-Z][A-Z .]+(, [A-Z][a-z]+ \d{1,2})? \([^)]*\) ?[-–—]\s*"
BYLINE = r"^By [^,\n]+, [^\n.]+?(\.|\n|$)"


def test_lowercase_is_applied_by_default():
    assert TextCleaner().clean("Ransomware HITS Port") == "ransomware hits port"


def test_lowercase_can_be_turned_off():
    assert TextCleaner(lowercase=False).clean("Ransomware HITS Port") == "Ransomware HITS Port"


@pytest.mark.parametrize("url", ["https://example.com/a?b=1", "http://x.org", "www.example.net/path"])
def test_urls_become_one_token(url):
    cleaned = TextCleaner(lowercase=False).clean(f"see {url} now")
    assert cleaned.split() == ["see", "URLTOKEN", "now"]


def test_urls_are_kept_when_url_normalisation_is_off():
    assert "https://example.com" in TextCleaner(urls=False).clean("see https://example.com now")


def test_emails_become_one_token():
    cleaned = TextCleaner(lowercase=False).clean("write to soc-team+alerts@corp.example.com today")
    assert cleaned.split() == ["write", "to", "EMAILTOKEN", "today"]


def test_emails_are_kept_when_email_normalisation_is_off():
    assert "a@b.com" in TextCleaner(emails=False).clean("mail a@b.com")


def test_numbers_are_kept_by_default():
    assert TextCleaner().clean("CVE 2024 affects 1,200 hosts") == "cve 2024 affects 1,200 hosts"


def test_numbers_become_one_token_when_asked():
    cleaned = TextCleaner(lowercase=False, numbers=True).clean("affects 1,200 hosts in 2024, up -3.5 points")
    assert cleaned.split() == ["affects", "NUMTOKEN", "hosts", "in", "NUMTOKEN", "up", "NUMTOKEN", "points"]


def test_numbers_inside_words_are_not_normalised():
    cleaned = TextCleaner(lowercase=False, numbers=True).clean("APT29 and log4j")
    assert cleaned == "APT29 and log4j"


def test_strip_patterns_remove_a_dateline():
    cleaner = TextCleaner(lowercase=False, strip_patterns=(DATELINE,))
    cleaned = cleaner.clean("VASK, March 3 (Talmir Herald) - The ministry said the breach was contained.")
    assert cleaned.strip() == "The ministry said the breach was contained."


def test_strip_patterns_remove_a_byline():
    cleaner = TextCleaner(lowercase=False, strip_patterns=(BYLINE,))
    cleaned = cleaner.clean("By Ana Petrov, Herald staff.\nThe ministry said the breach was contained.")
    assert cleaned.strip() == "The ministry said the breach was contained."


def test_strip_patterns_apply_on_every_line():
    cleaner = TextCleaner(lowercase=False, strip_patterns=(r"^Posted by \w+$",))
    assert cleaner.clean("Posted by admin\nbody text\nPosted by bot").split() == ["body", "text"]


def test_strip_patterns_run_before_lowercasing_and_ignore_case():
    cleaner = TextCleaner(strip_patterns=(r"talmir herald",))
    assert cleaner.clean("TALMIR HERALD reports a leak").split() == ["reports", "a", "leak"]


def test_a_bad_strip_pattern_fails_at_fit_naming_the_pattern():
    with pytest.raises(ValueError, match=r"invalid regular expression '\(unclosed'"):
        TextCleaner(strip_patterns=("(unclosed",)).fit(["text"])


def test_check_patterns_returns_valid_patterns_unchanged():
    assert check_patterns([DATELINE, BYLINE]) == [DATELINE, BYLINE]


def test_join_columns_joins_title_and_body_with_a_newline():
    frame = pd.DataFrame({"title": ["Leak"], "body": ["Data was exposed"]})
    assert join_columns(frame) == ["Leak\nData was exposed"]


def test_join_columns_turns_missing_values_into_empty_strings():
    frame = pd.DataFrame({"title": [None], "body": ["body only"]})
    assert join_columns(frame) == ["\nbody only"]


def test_join_columns_accepts_a_plain_list_of_texts():
    assert join_columns(["a", None, 3]) == ["a", "", "3"]


def test_join_columns_accepts_a_two_dimensional_array():
    assert join_columns(np.array([["a", "b"], ["c", None]], dtype=object)) == ["a\nb", "c\n"]


def test_transform_cleans_every_row_of_a_frame():
    frame = pd.DataFrame({"title": ["Leak at BANK"], "body": ["mail x@y.org"]})
    assert TextCleaner().fit(frame).transform(frame).tolist() == ["leak at bank\nmail  emailtoken "]
