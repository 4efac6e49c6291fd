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
    "split": str,
}
STANCE_FIELDS = {"claim": str, "id": str, "stance": str, "split": str}
WORD = re.compile(r"[a-z0-9']+")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
RUN = 8  # words in a run that no two articles may share


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
    small = per_topic[per_topic < 50].to_dict()
    multi = (frame["topics"].map(len) > 1).mean()
    problems = [
        *([f"only {len(frame)} articles (need >= 480)"] if len(frame) < 480 else []),
        *([f"topics with fewer than 50 articles: {small}"] if small else []),
        *([f"only {multi:.1%} of articles carry a second topic (need >= 15%)"] if multi < 0.15 else []),
    ]
    assert not problems, "; ".join(problems)


def test_minimum_stance_counts():
    frame = stance()
    counts = frame["stance"].value_counts().to_dict()
    small = {s: counts.get(s, 0) for s in ("agree", "disagree", "discuss") if counts.get(s, 0) < 80}
    problems = [
        *([f"only {len(frame)} stance rows (need >= 900)"] if len(frame) < 900 else []),
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


def test_bodies_have_60_to_250_words():
    lengths = articles().set_index("id")["body"].str.split().map(len)
    outside = lengths[(lengths < 60) | (lengths > 250)].to_dict()
    assert not outside, f"{len(outside)} bodies outside 60-250 words (id: words): {_sample(outside.items())}"


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


def test_at_most_10_percent_of_articles_share_an_8_word_run():
    owners: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for article_id, body in zip(articles()["id"], articles()["body"], strict=True):
        words = WORD.findall(body.lower())
        for i in range(len(words) - RUN + 1):
            owners[tuple(words[i : i + RUN])].add(article_id)
    shared = {article_id for ids in owners.values() if len(ids) > 1 for article_id in ids}
    runs = [" ".join(g) for g, ids in owners.items() if len(ids) > 1]
    share = len(shared) / len(articles())
    assert share <= 0.10, (
        f"{len(shared)} articles ({share:.1%}) share an {RUN}-word run with another article (max 10%); "
        f"e.g. {_sample(sorted(shared))}, runs {_sample(runs, 3)}"
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


def test_every_article_has_at_least_two_stance_rows():
    per_article = stance()["id"].value_counts().reindex(articles()["id"], fill_value=0)
    few = per_article[per_article < 2].to_dict()
    assert not few, f"{len(few)} articles with fewer than 2 stance rows (id: rows): {_sample(few.items())}"
