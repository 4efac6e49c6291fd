"""Print the figures quoted in data/demo/DATASHEET.md, computed from articles.jsonl and stance.jsonl."""

from __future__ import annotations

import json
import re
import statistics as st
from collections import Counter, defaultdict
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1]
WORD = re.compile(r"[a-z0-9']+")
BOILERPLATE = {
    "dateline": r"^[A-Z][A-Z .]+(, [A-Z][a-z]+ \d{1,2})? \([^)]*\) ?[-–—]\s*",
    "byline": r"^By [A-Z][\w'.-]*( [A-Z][\w'.-]*){1,3}, [^\n,.]+?( [-–—] |\n)",
    "signoff": r"\(Reporting by [^)]*\)|[-–—] (Reporting by [^\n]+|[A-Z][\w ]+ staff)\s*$",
}


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (DEMO / name).open(encoding="utf-8") if line.strip()]


def main() -> None:
    arts, pairs = rows("articles.jsonl"), rows("stance.jsonl")
    v1 = {a["id"] for a in arts if int(a["id"][1:]) <= 512}
    words = {a["id"]: len(a["body"].split()) for a in arts}
    long = {i for i, n in words.items() if 400 <= n <= 900}
    print(f"articles {len(arts)} (v1 {len(v1)}, new {len(arts) - len(v1)}); long-form {len(long)} "
          f"({len(long) / len(arts):.1%}); stance rows {len(pairs)}")
    split = Counter(a["split"] for a in arts)
    print(f"split: {dict(split)} test share {split['test'] / len(arts):.1%}; storylines "
          f"{len({a['storyline'] for a in arts})}, named (>1 article) "
          f"{sum(1 for n in Counter(a['storyline'] for a in arts).values() if n > 1)}")
    print("| Topic | Train | Test | Total | of which new | long-form | multi-topic (as primary) |")
    for t in sorted({a["topic"] for a in arts}):
        of = [a for a in arts if a["topic"] == t]
        print(f"| {t} | {sum(a['split'] == 'train' for a in of)} | {sum(a['split'] == 'test' for a in of)} | "
              f"{len(of)} | {sum(a['id'] not in v1 for a in of)} | {sum(a['id'] in long for a in of)} | "
              f"{sum(len(a['topics']) > 1 for a in of)} |")
    multi = [a for a in arts if len(a["topics"]) > 1]
    print(f"multi-topic {len(multi)} ({len(multi) / len(arts):.1%}); max labels {max(len(a['topics']) for a in arts)};"
          f" labels per long-form mean {st.mean(len(a['topics']) for a in arts if a['id'] in long):.2f}")
    print("| Register | Articles | Body words min / median / max |")
    by_reg = defaultdict(list)
    for a in arts:
        by_reg[a["register"]].append(words[a["id"]])
    for r, ns in sorted(by_reg.items(), key=lambda x: -len(x[1])):
        print(f"| {r} | {len(ns)} | {min(ns)} / {int(st.median(ns))} / {max(ns)} |")
    ns = sorted(words.values())
    q = st.quantiles(ns, n=4)
    print(f"body words: min {ns[0]}, quartiles {q[0]:.0f} / {q[1]:.0f} / {q[2]:.0f}, mean {st.mean(ns):.1f}, "
          f"max {ns[-1]}, total {sum(ns)}")
    bins = [(60, 99), (100, 149), (150, 250), (251, 399), (400, 499), (500, 599), (600, 900)]
    print("length bins: " + ", ".join(f"{lo}-{hi}: {sum(lo <= n <= hi for n in ns)}" for lo, hi in bins))
    types = {w for a in arts for w in WORD.findall(a["body"].lower())}
    print(f"distinct word types {len(types)}; tokens {sum(len(WORD.findall(a['body'].lower())) for a in arts)}")
    pats = {k: re.compile(p, re.IGNORECASE | re.MULTILINE) for k, p in BOILERPLATE.items()}
    hit = {k: sum(bool(p.search(a["body"])) for a in arts) for k, p in pats.items()}
    anyhit = sum(any(p.search(a["body"]) for p in pats.values()) for a in arts)
    print(f"boilerplate: any {anyhit} ({anyhit / len(arts):.1%}); {hit}")
    st_count = Counter((p["stance"], p["split"]) for p in pairs)
    for s in ("agree", "disagree", "discuss", "unrelated"):
        train, test = st_count[s, "train"], st_count[s, "test"]
        print(f"| {s} | {train} | {test} | {train + test} |")
    dates = sorted(a["date"] for a in arts)
    print(f"dates {dates[0]} .. {dates[-1]}; sources {Counter(a['source'] for a in arts).most_common()}")


if __name__ == "__main__":
    main()
