"""Schema and sanity checks for the embedded demo corpus: data/demo/articles.jsonl and data/demo/stance.jsonl.

The numbers these tests guard are documented in data/demo/DATASHEET.md. No fixtures: the files are read once per
module with the standard library and inspected with pandas.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
TOPICS = {
    "terrorism",
    "armed_conflict",
    "cyber_security",
    "intelligence",
    "diplomacy",
    "crime_law_enforcement",
    "humanitarian",
    "sanctions_economy",
}
STANCES = {"agree", "disagree", "discuss", "unrelated"}
SPLITS = {"train", "test"}
ARTICLE_FIELDS = {
    "id": str,
    "date": str,
    "source": str,
    "register": str,
    "title": str,
    "body": str,
    "topic": str,
    "topics": list,
    "storyline": str,
    "split": str,
}
STANCE_FIELDS = {"claim": str, "id": str, "stance": str, "split": str}
WORD = re.compile(r"[a-z0-9']+")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
RUN = 8  # words in a run that no two articles may share
SHORT = (60, 250)  # words in a short piece (wire, brief, statement, ...)
LONG = (400, 900)  # words in a long-form analysis, explainer or feature
MIN_TERMS = 40  # generic terms per topic in data/demo/terms/<topic>.txt
MIN_TERM_ARTICLES = 5  # articles of its topic each term must occur in


@cache
def _records(name: str) -> tuple[dict, ...]:
    path = DEMO / name
    with path.open(encoding="utf-8") as handle:
        return tuple(json.loads(line) for line in handle if line.strip())


@cache
def articles() -> pd.DataFrame:
    return pd.DataFrame(list(_records("articles.jsonl")))


@cache
def stance() -> pd.DataFrame:
    return pd.DataFrame(list(_records("stance.jsonl")))


def _sample(items: object, n: int = 5) -> str:
    items = list(items)
    more = f" (+{len(items) - n} more)" if len(items) > n else ""
    return f"{items[:n]}{more}"


def _field_problems(rows: tuple[dict, ...], fields: dict[str, type]) -> list[str]:
    problems = []
    for n, row in enumerate(rows, 1):
        missing = sorted(set(fields) - set(row))
        if missing:
            problems.append(f"line {n}: missing {missing}")
        for key, kind in fields.items():
            value = row.get(key)
            if key in row and not isinstance(value, kind):
                problems.append(f"line {n}: {key} is {type(value).__name__}, expected {kind.__name__}")
            elif isinstance(value, str) and not value.strip():
                problems.append(f"line {n}: {key} is empty")
    return problems


# --- schema -----------------------------------------------------------------------------------------------------


def test_article_rows_have_the_required_fields_and_types():
    rows = _records("articles.jsonl")
    problems = _field_problems(rows, ARTICLE_FIELDS)
    problems += [
        f"line {n}: topics holds non-strings {row['topics']}"
        for n, row in enumerate(rows, 1)
        if isinstance(row.get("topics"), list) and not all(isinstance(t, str) for t in row["topics"])
    ]
    assert not problems, f"{len(problems)} schema problems in articles.jsonl: {_sample(problems)}"


def test_stance_rows_have_the_required_fields_and_types():
    problems = _field_problems(_records("stance.jsonl"), STANCE_FIELDS)
    assert not problems, f"{len(problems)} schema problems in stance.jsonl: {_sample(problems)}"


# --- labels -----------------------------------------------------------------------------------------------------


def test_topic_labels_are_exactly_the_eight_topics():
    frame = articles()
    primary = set(frame["topic"])
    every = {t for topics in frame["topics"] if isinstance(topics, list) for t in topics}
    assert primary == TOPICS, (
        f"primary topics differ: extra {sorted(primary - TOPICS)}, missing {sorted(TOPICS - primary)}"
    )
    assert every <= TOPICS, f"unknown labels in topics: {sorted(every - TOPICS)}"


def test_stance_labels_are_exactly_the_four_stances():
    found = set(stance()["stance"])
    assert found == STANCES, f"stances differ: extra {sorted(found - STANCES)}, missing {sorted(STANCES - found)}"


def test_topics_list_starts_with_the_primary_topic_and_has_no_duplicates():
    frame = articles()
    wrong_first = frame.loc[[not t or t[0] != p for p, t in zip(frame["topic"], frame["topics"], strict=True)], "id"]
    duplicated = frame.loc[[len(set(t)) != len(t) for t in frame["topics"]], "id"]
    assert wrong_first.empty, f"{len(wrong_first)} articles whose topics[0] != topic: {_sample(wrong_first)}"
    assert duplicated.empty, f"{len(duplicated)} articles with a repeated label in topics: {_sample(duplicated)}"


# --- counts -----------------------------------------------------------------------------------------------------


def test_minimum_article_counts():
    frame = articles()
    per_topic = frame["topic"].value_counts()
    small = per_topic[per_topic < 120].to_dict()
    multi = (frame["topics"].map(len) > 1).mean()
    problems = [
        *([f"only {len(frame)} articles (need >= 1200)"] if len(frame) < 1200 else []),
        *([f"topics with fewer than 120 articles: {small}"] if small else []),
        *([f"only {multi:.1%} of articles carry a second topic (need >= 15%)"] if multi < 0.15 else []),
    ]
    assert not problems, "; ".join(problems)


def test_at_least_a_fifth_of_articles_are_long_form():
    lengths = articles()["body"].str.split().map(len)
    share = lengths.between(*LONG).mean()
    assert share >= 0.20, f"only {share:.1%} of bodies have {LONG[0]}-{LONG[1]} words (need >= 20% long-form)"


def test_minimum_stance_counts():
    frame = stance()
    counts = frame["stance"].value_counts().to_dict()
    small = {s: counts.get(s, 0) for s in ("agree", "disagree", "discuss") if counts.get(s, 0) < 80}
    problems = [
        *([f"only {len(frame)} stance rows (need >= 4 per article)"] if len(frame) < 4 * len(articles()) else []),
        *([f"stances with fewer than 80 rows: {small} (all counts: {counts})"] if small else []),
    ]
    assert not problems, "; ".join(problems)


# --- uniqueness and text ----------------------------------------------------------------------------------------


def test_article_ids_titles_and_bodies_are_unique():
    frame = articles()
    dupes = {
        column: frame.loc[frame[column].duplicated(keep=False), "id"].tolist() for column in ("id", "title", "body")
    }
    found = {column: ids for column, ids in dupes.items() if ids}
    assert not found, "duplicates found: " + "; ".join(
        f"{len(ids)} articles share a {column}: {_sample(ids)}" for column, ids in found.items()
    )


def test_bodies_are_short_pieces_or_long_form():
    lengths = articles().set_index("id")["body"].str.split().map(len)
    outside = lengths[~(lengths.between(*SHORT) | lengths.between(*LONG))].to_dict()
    assert not outside, (
        f"{len(outside)} bodies neither {SHORT[0]}-{SHORT[1]} nor {LONG[0]}-{LONG[1]} words (id: words): "
        f"{_sample(outside.items())}"
    )


def test_dates_are_iso_days_in_2025_or_2026():
    bad = []
    for article_id, value in zip(articles()["id"], articles()["date"], strict=True):
        try:
            ok = bool(ISO_DATE.fullmatch(value)) and date.fromisoformat(value).year in (2025, 2026)
        except ValueError:
            ok = False
        if not ok:
            bad.append((article_id, value))
    assert not bad, f"{len(bad)} dates not YYYY-MM-DD in 2025-2026: {_sample(bad)}"


def test_bodies_use_at_least_5000_distinct_word_types():
    types = {w for body in articles()["body"] for w in WORD.findall(body.lower())}
    assert len(types) >= 5000, f"bodies use only {len(types)} distinct word types (need >= 5000)"


def test_no_two_articles_share_an_8_word_run():
    owners: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for article_id, body in zip(articles()["id"], articles()["body"], strict=True):
        words = WORD.findall(body.lower())
        for i in range(len(words) - RUN + 1):
            owners[tuple(words[i : i + RUN])].add(article_id)
    shared = {article_id for ids in owners.values() if len(ids) > 1 for article_id in ids}
    runs = [" ".join(g) for g, ids in owners.items() if len(ids) > 1]
    assert not shared, (
        f"{len(shared)} articles share an {RUN}-word run with another article: "
        f"{_sample(sorted(shared))}, runs {_sample(runs, 3)}"
    )


# --- vocabulary -------------------------------------------------------------------------------------------------


def _terms(topic: str) -> list[str]:
    path = DEMO / "terms" / f"{topic}.txt"
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_topic_has_a_term_list_of_at_least_40_generic_terms():
    missing = sorted(t for t in TOPICS if not (DEMO / "terms" / f"{t}.txt").is_file())
    assert not missing, f"no term list data/demo/terms/<topic>.txt for {missing}"
    short = {t: len(_terms(t)) for t in TOPICS if len(_terms(t)) < MIN_TERMS}
    assert not short, f"term lists with fewer than {MIN_TERMS} terms: {short}"


def test_every_term_occurs_in_at_least_5_articles_of_its_topic():
    """A term matches case-insensitively at a word start, so 'summit' also counts 'summits'."""
    frame = articles()
    texts = (frame["title"] + "\n" + frame["body"]).str.lower()
    rare = {}
    for topic in sorted(TOPICS):
        of_topic = texts[frame["topic"] == topic]
        for term in _terms(topic):
            found = of_topic.str.contains(r"\b" + re.escape(term.lower()), regex=True).sum()
            if found < MIN_TERM_ARTICLES:
                rare[f"{topic}: {term}"] = int(found)
    assert not rare, (
        f"{len(rare)} terms in fewer than {MIN_TERM_ARTICLES} articles of their topic: {_sample(rare.items())}"
    )


# --- boilerplate ------------------------------------------------------------------------------------------------


def test_boilerplate_is_what_the_default_config_strips():
    """Every dateline, byline and sign-off (as they look to a reader) is matched by the patterns in features/text.py."""
    from features.text import BOILERPLATE

    patterns = [re.compile(p, re.IGNORECASE | re.MULTILINE) for p in BOILERPLATE.values()]
    frame = articles()
    matched = frame["body"].map(lambda body: any(p.search(body) for p in patterns))
    looks = [
        (body.startswith("By ") and f", {source}" in body[:80]) or f"({source})" in body[:80]
        or "Reporting by" in body[-150:]
        or body.rstrip().endswith(f"{source} staff")
        for source, body in zip(frame["source"], frame["body"], strict=True)
    ]
    names_outlet = pd.Series(looks, index=frame.index)
    unmatched = frame.loc[names_outlet & ~matched, "id"].tolist()
    share = matched.mean()
    assert 0.30 <= share <= 0.50, f"{share:.1%} of articles carry boilerplate (expected 30-50%)"
    assert not unmatched, (
        f"{len(unmatched)} articles name their outlet at the start or end but no pattern matches: {_sample(unmatched)}"
    )


# --- splits -----------------------------------------------------------------------------------------------------


def test_split_values_are_train_or_test_at_about_80_20():
    for name, frame in (("articles.jsonl", articles()), ("stance.jsonl", stance())):
        found = set(frame["split"])
        assert found <= SPLITS, f"{name}: unexpected split values {sorted(found - SPLITS)}"
    train = (articles()["split"] == "train").mean()
    assert 0.75 <= train <= 0.85, f"{train:.1%} of articles are train (expected 75-85%)"


def test_stance_rows_point_at_existing_articles_on_the_same_side_of_the_split():
    split_of = articles().set_index("id")["split"]
    rows = stance()
    unknown = sorted(set(rows["id"]) - set(split_of.index))
    assert not unknown, f"{len(unknown)} stance article ids not in articles.jsonl: {_sample(unknown)}"
    mismatched = rows.loc[rows["split"] != rows["id"].map(split_of), ["id", "split"]]
    assert mismatched.empty, (
        f"{len(mismatched)} stance rows whose split differs from their article's: "
        f"{_sample(mismatched.itertuples(index=False, name=None))}"
    )
    both = rows.groupby("id")["split"].nunique()
    both = sorted(both[both > 1].index)
    assert not both, f"{len(both)} article ids appear in both train and test stance rows: {_sample(both)}"


def test_the_split_is_by_storyline():
    sides = articles().groupby("storyline")["split"].nunique()
    both = sorted(sides[sides > 1].index)
    assert not both, f"{len(both)} storylines have articles in both train and test: {_sample(both)}"


def test_the_files_are_what_the_build_script_produces():
    import subprocess
    import sys

    script = DEMO / "build" / "build_corpus.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{script.name} --check: {result.stdout.strip()} {result.stderr.strip()[-300:]}"


def test_every_article_has_at_least_two_stance_rows():
    per_article = stance()["id"].value_counts().reindex(articles()["id"], fill_value=0)
    few = per_article[per_article < 2].to_dict()
    assert not few, f"{len(few)} articles with fewer than 2 stance rows (id: rows): {_sample(few.items())}"


def test_a_later_batch_leaves_every_earlier_article_and_stance_row_as_it_was(monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_corpus", DEMO / "build" / "build_corpus.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    full_articles, full_rows, _ = build.build()
    monkeypatch.setattr(build, "BATCHES", build.BATCHES[:-1])
    earlier_articles, earlier_rows, _ = build.build()
    assert len(earlier_articles) < len(full_articles)
    assert full_articles[: len(earlier_articles)] == earlier_articles
    assert full_rows[: len(earlier_rows)] == earlier_rows


def test_dev_headlines_are_balanced_and_never_corpus_titles():
    titles = set(articles()["title"].str.lower())
    for name, per_topic in (("dev_headlines.csv", 25), ("dev_headlines_b.csv", 10), ("dev_headlines_c.csv", 10)):
        frame = pd.read_csv(DEMO / name, dtype=str)
        counts = frame["topic"].value_counts().to_dict()
        assert list(frame.columns) == ["id", "text", "topic"] and frame["id"].is_unique, name
        assert counts == dict.fromkeys(TOPICS, per_topic), f"{name}: {counts}"
        assert not set(frame["text"].str.lower()) & titles, f"{name}: a dev headline is a corpus title"
