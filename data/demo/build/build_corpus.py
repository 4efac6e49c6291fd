"""Assemble data/demo/articles.jsonl and stance.jsonl (corpus v2) from the v1 corpus and data/demo/new/.

Re-runnable and deterministic (seed 13): the 512 v1 articles (ids a0001-a0512) are read back from
articles.jsonl itself, so running the script on its own output reproduces it byte for byte.

Batches of new articles, each appended after the previous one so that earlier ids, splits and stance rows never
change: v2 (data/demo/new/, ids a0513-a1258) and v2.1, short wire pieces in the phrasing of real reporting
(data/demo/wire/, ids from a1259).

- v1 articles keep their ids, text and labels; they get a `storyline` (a named one from STORYLINE_RULES for the
  recurring stories that new articles continue, else their own id).
- New articles (data/demo/new/<topic>.jsonl, ids b<initials><nnn>) get ids a0513... after a seeded shuffle.
  Storyline aliases (STORYLINE_ALIASES) merge slugs two writers used for the same story.
- Split by storyline: a storyline holding v1 articles takes the split of most of them (ties: train); storylines of
  new articles only are sent to test in a seeded order until each primary topic has about 20 % test articles.
- Stance rows: each article's own two claims (v1 rows kept as they were), then two unrelated claims borrowed
  from articles in the same split that share no topic with it. A v1 unrelated row is kept when its claim's
  source article is still in the same split and shares no topic; otherwise it is re-drawn.

    python data/demo/build/build_corpus.py           # writes the two files and prints a summary
    python data/demo/build/build_corpus.py --check   # exit 1 if the files on disk differ from a fresh build
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1]
NEW = DEMO / "new"
BATCHES = (DEMO / "new", DEMO / "wire")  # in id order; a later batch never changes an earlier one
SEED = 13
V1_LAST = 512
TEST_SHARE = 0.20
TOPICS = ("terrorism", "armed_conflict", "cyber_security", "intelligence", "diplomacy", "crime_law_enforcement",
          "humanitarian", "sanctions_economy")
ARTICLE_KEYS = ("id", "date", "source", "register", "title", "body", "topic", "topics", "storyline", "split")

# v1 articles that belong to a story the new articles continue (regex on title + body, or explicit ids).
STORYLINE_RULES: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("velik-trial", r"\bVelik\b", ()),
    ("vemes-appeal", r"\bVemes\b", ()),
    ("sarafen-bus-bombing", r"(?s)\bSarafen\b.*\b(bomb|bombing|terminal|blast|trial|defendants?)\b", ()),
    ("hallstrand-reception-centre", None, ("a0188", "a0251", "a0377")),
    ("marovia-sea-crossings", None, ("a0318",)),
    ("unaccompanied-children-vesca", None, ("a0446",)),
)
# Slugs different writers used for one story.
STORYLINE_ALIASES = {
    "qadira-intelligence-failure": "qadira-market-bombing",
}


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    path.write_text(text, encoding="utf-8")


def is_v1(article_id: str) -> bool:
    return article_id.startswith("a") and int(article_id[1:]) <= V1_LAST


def v1_storyline(article: dict) -> str:
    text = f"{article['title']}\n{article['body']}"
    for name, pattern, ids in STORYLINE_RULES:
        if article["id"] in ids or (pattern and re.search(pattern, text)):
            return name
    return article["id"]


def load_new(folder: Path = NEW) -> tuple[list[dict], dict[str, list[dict]]]:
    """New articles and their claims (keyed by the writer's id), checked for the fields the build needs."""
    articles, claims = [], defaultdict(list)
    for topic in TOPICS:
        path = folder / f"{topic}.jsonl"
        if not path.is_file():
            raise SystemExit(f"{path}: missing (every topic needs a file of new articles)")
        for row in read_jsonl(path):
            missing = [k for k in ARTICLE_KEYS if k not in row and k != "split"]
            if missing:
                raise SystemExit(f"{path}: article {row.get('id')} lacks {missing}")
            if row["topic"] != topic or row["topics"][0] != topic:
                raise SystemExit(f"{path}: article {row['id']} is filed under {row['topic']!r}, expected {topic!r}")
            articles.append(row)
        for row in read_jsonl(folder / f"{topic}.claims.jsonl"):
            claims[row["id"]].append(row)
    ids = [a["id"] for a in articles]
    duplicated = sorted(i for i, n in Counter(ids).items() if n > 1)
    if duplicated:
        raise SystemExit(f"{folder}: duplicated article ids {duplicated[:5]}")
    bad = [i for i in ids if len(claims.get(i, [])) != 2 or len({c["stance"] for c in claims[i]}) != 2]
    if bad:
        raise SystemExit(f"{folder}: articles without two claims of different stances: {bad[:5]}")
    return articles, claims


def assign_ids(new: list[dict], first: int = V1_LAST + 1) -> dict[str, str]:
    """Writer id -> final id (a0513... for v2), after a seeded shuffle so that id order says nothing about topic."""
    order = sorted(a["id"] for a in new)
    random.Random(SEED).shuffle(order)
    return {old: f"a{first + n:04d}" for n, old in enumerate(order)}


def assign_splits(articles: list[dict], v1_split: dict[str, str],
                  fixed: dict[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
    """Split per storyline: `fixed` splits of earlier batches' storylines, else the v1 majority where v1 articles
    exist, else a seeded fill of test to ~20 % per topic among the articles given."""
    members: dict[str, list[dict]] = defaultdict(list)
    for article in articles:
        members[article["storyline"]].append(article)
    split_of: dict[str, str] = {s: v for s, v in (fixed or {}).items() if s in members}
    for story, group in members.items():
        old = [v1_split[a["id"]] for a in group if a["id"] in v1_split]
        if old and story not in split_of:
            split_of[story] = "test" if old.count("test") > old.count("train") else "train"
    total = Counter(a["topic"] for a in articles)
    in_test = Counter(a["topic"] for a in articles if split_of.get(a["storyline"]) == "test")
    fresh = sorted(s for s in members if s not in split_of)
    random.Random(SEED).shuffle(fresh)
    for story in fresh:
        need = Counter(a["topic"] for a in members[story])
        fits = all(in_test[t] + n <= round(TEST_SHARE * total[t]) + 1 for t, n in need.items())
        short = any(in_test[t] < TEST_SHARE * total[t] for t in need)
        split_of[story] = "test" if fits and short else "train"
        if split_of[story] == "test":
            in_test.update(need)
    moved = sorted(a["id"] for a in articles if a["id"] in v1_split and v1_split[a["id"]] != split_of[a["storyline"]])
    return split_of, moved


def stance_rows(articles: list[dict], v1_rows: list[dict], new_claims: dict[str, list[dict]],
                generation: dict[str, int]) -> list[dict]:
    """Two own claims then two unrelated claims per article, in article order, split copied from the article.

    `generation` (article id -> 0 for v1 and v2, 1 for v2.1, ...): an article borrows unrelated claims only from
    articles of its own or an earlier generation, so adding a batch leaves every earlier stance row as it was."""
    by_id = {a["id"]: a for a in articles}
    own: dict[str, list[dict]] = defaultdict(list)
    old_unrelated: dict[str, list[str]] = defaultdict(list)
    for row in v1_rows:
        if row["stance"] == "unrelated":
            old_unrelated[row["id"]].append(row["claim"])
        else:
            own[row["id"]].append({"claim": row["claim"], "stance": row["stance"]})
    own.update(new_claims)
    source_of = {c["claim"]: aid for aid, rows in own.items() for c in rows}
    pools: dict[str, list[str]] = defaultdict(list)
    for aid in sorted(own):
        pools[by_id[aid]["split"]].extend(c["claim"] for c in own[aid])
    used: Counter[str] = Counter()

    def unrelated_to(article: dict, claim: str) -> bool:
        source = by_id.get(source_of.get(claim, ""))
        return bool(source) and source["split"] == article["split"] and not set(source["topics"]) & set(
            article["topics"]) and source["storyline"] != article["storyline"] and generation.get(
            source["id"], 0) <= generation.get(article["id"], 0)

    rows = []
    for article in articles:
        aid, split = article["id"], article["split"]
        rows += [{"claim": c["claim"], "id": aid, "stance": c["stance"], "split": split} for c in own[aid]]
        kept = [c for c in old_unrelated.get(aid, []) if unrelated_to(article, c)]
        used.update(kept)
        while len(kept) < 2:
            candidates = [c for c in pools[split] if c not in kept and unrelated_to(article, c)]
            least = min(used[c] for c in candidates)
            choice = random.Random(f"{SEED}:{aid}:{len(kept)}").choice([c for c in candidates if used[c] == least])
            kept.append(choice)
            used[choice] += 1
        rows += [{"claim": c, "id": aid, "stance": "unrelated", "split": split} for c in kept[:2]]
    return rows


def build() -> tuple[list[dict], list[dict], dict]:
    v1 = [a for a in read_jsonl(DEMO / "articles.jsonl") if is_v1(a["id"])]
    v1_rows = [r for r in read_jsonl(DEMO / "stance.jsonl") if is_v1(r["id"])]
    if len(v1) != V1_LAST:
        raise SystemExit(f"{DEMO / 'articles.jsonl'}: found {len(v1)} v1 articles (a0001-a{V1_LAST:04d}), "
                         f"expected {V1_LAST}")
    v1_split = {a["id"]: a["split"] for a in v1}
    new, claims = load_new()
    final = assign_ids(new)
    articles = [{**a, "storyline": v1_storyline(a)} for a in v1]
    for a in sorted(new, key=lambda a: final[a["id"]]):
        story = STORYLINE_ALIASES.get(a["storyline"], a["storyline"])
        articles.append({**a, "id": final[a["id"]], "storyline": story})
    split_of, moved = assign_splits(articles, v1_split)
    articles = [{k: (split_of[a["storyline"]] if k == "split" else a[k]) for k in ARTICLE_KEYS} for a in articles]
    new_claims = {final[wid]: [{"claim": c["claim"], "stance": c["stance"]} for c in rows]
                  for wid, rows in claims.items() if wid in final}
    generation = {}
    for n, folder in enumerate(BATCHES[1:], 1):
        articles, added, added_claims = add_batch(articles, folder, final)
        new_claims.update(added_claims)
        generation.update({aid: n for aid in added})
    rows = stance_rows(articles, v1_rows, new_claims, generation)
    info = {"moved": moved, "id_map": final}
    return articles, rows, info


def add_batch(articles: list[dict], folder: Path, id_map: dict[str, str]) -> tuple[list[dict], list[str], dict]:
    """Append a later batch of new articles: ids after the last one, its own storylines split by a seeded fill to
    ~20 % test per topic within the batch, a storyline that continues an earlier story keeping that story's side."""
    new, claims = load_new(folder)
    first = max(int(a["id"][1:]) for a in articles) + 1
    final = assign_ids(new, first)
    id_map.update(final)
    added = [{**a, "id": final[a["id"]], "storyline": STORYLINE_ALIASES.get(a["storyline"], a["storyline"])}
             for a in sorted(new, key=lambda a: final[a["id"]])]
    fixed = {a["storyline"]: a["split"] for a in articles}
    split_of, _ = assign_splits(added, {}, fixed)
    added = [{k: (split_of[a["storyline"]] if k == "split" else a[k]) for k in ARTICLE_KEYS} for a in added]
    added_claims = {final[wid]: [{"claim": c["claim"], "stance": c["stance"]} for c in rows]
                    for wid, rows in claims.items() if wid in final}
    return articles + added, [a["id"] for a in added], added_claims


def summary(articles: list[dict], rows: list[dict], info: dict) -> str:
    split = Counter(a["split"] for a in articles)
    per_topic = Counter((a["topic"], a["split"]) for a in articles)
    lines = [f"articles {len(articles)} (train {split['train']}, test {split['test']}, "
             f"test share {split['test'] / len(articles):.1%}); stance rows {len(rows)}",
             f"v1 articles whose split changed to keep storylines whole: {len(info['moved'])} {info['moved']}"]
    lines += [f"  {t}: train {per_topic[t, 'train']}, test {per_topic[t, 'test']}" for t in TOPICS]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the files on disk instead of writing")
    args = parser.parse_args()
    articles, rows, info = build()
    if args.check:
        same = [read_jsonl(DEMO / "articles.jsonl") == articles, read_jsonl(DEMO / "stance.jsonl") == rows]
        print("up to date" if all(same) else "data/demo/*.jsonl differ from a fresh build")
        return 0 if all(same) else 1
    write_jsonl(DEMO / "articles.jsonl", articles)
    write_jsonl(DEMO / "stance.jsonl", rows)
    write_jsonl(Path(__file__).with_name("id_map.jsonl"),
                [{"id": final, "writer_id": wid} for wid, final in sorted(info["id_map"].items(), key=lambda x: x[1])])
    print(summary(articles, rows, info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
