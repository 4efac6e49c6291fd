"""Error analysis of a stance run: the confusion among the related classes with example pairs, each shown with
the body sentences that address the claim (the ones the evidence features read) and the model's prediction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from features.stance.base import pair_columns
from features.stance.evidence import Sentence
from features.stance.text import IdfMixin, content_stems, split_sentences

RELATED_CLASSES = ("agree", "disagree", "discuss")
SHOWN_SENTENCES = 2
MAX_SENTENCE_CHARS = 300


def fitted_idf(pipeline: Any) -> tuple[dict[str, float], float]:
    """Stem IDF of the first fitted stance builder that has one (uniform weights when none has)."""
    features = getattr(pipeline, "named_steps", {}).get("features")
    for _, transformer, _ in getattr(features, "transformers_", []):
        if isinstance(transformer, IdfMixin) and hasattr(transformer, "idf_"):
            return transformer._idf_table(), transformer.unseen_idf_
    return {}, 1.0


def relied_on(claim: str, body: str, idf: dict[str, float], unseen: float,
              shown: int = SHOWN_SENTENCES) -> list[dict[str, Any]]:
    """The body sentences holding most of the claim's IDF weight, with that share and the cues they carry."""
    stems = list(dict.fromkeys(content_stems(claim)))
    sentences = list(dict.fromkeys(split_sentences(body)))  # a sentence repeated in the body is shown once
    if not stems:
        return []
    weights = np.array([idf.get(t, unseen) for t in stems])
    read = [Sentence.read(s) for s in sentences]
    coverage = [float((weights * [t in s.stems for t in stems]).sum() / weights.sum()) for s in read]
    order = np.argsort(coverage, kind="stable")[::-1][:shown]
    return [{"sentence": sentences[j][:MAX_SENTENCE_CHARS], "claim_coverage": round(coverage[j], 3),
             "cues": sorted(cue for cue, count in read[j].cues.items() if count > 0)} for j in order]


def example_probabilities(pipeline: Any, X: Any, rows: list[int]) -> list[dict[str, float] | None]:
    """The model's class probabilities for the chosen rows (None each when the pipeline has no probabilities)."""
    if pipeline is None or not hasattr(pipeline, "predict_proba") or not rows:
        return [None] * len(rows)
    proba = pipeline.predict_proba(X.iloc[rows] if hasattr(X, "iloc") else np.asarray(X, dtype=object)[rows])
    return [{str(c): round(float(p), 3) for c, p in zip(pipeline.classes_, row, strict=True)} for row in proba]


def stance_error_analysis(X: Any, y_true: Any, y_pred: Any, pipeline: Any = None, examples: int = 3,
                          seed: int = 0) -> dict[str, Any]:
    """Confusion counts over all labels and, for every confusion between two related classes, up to `examples`
    pairs (claim, the sentences relied on, the model's class probabilities), chosen at random with `seed`."""
    claims, bodies = pair_columns(X)
    y_true, y_pred = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    labels = [*RELATED_CLASSES, *sorted((set(y_true) | set(y_pred)) - set(RELATED_CLASSES))]
    idf, unseen = fitted_idf(pipeline)
    rng = np.random.default_rng(seed)
    cells = []
    for truth in RELATED_CLASSES:
        for predicted in RELATED_CLASSES:
            rows = np.flatnonzero((y_true == truth) & (y_pred == predicted))
            if truth == predicted or not len(rows):
                continue
            picked = sorted(int(i) for i in rng.choice(rows, size=min(examples, len(rows)), replace=False))
            cells.append({"true": truth, "predicted": predicted, "count": int(len(rows)), "examples": [
                {"claim": claims[i], "relied_on": relied_on(claims[i], bodies[i], idf, unseen), "probabilities": p}
                for i, p in zip(picked, example_probabilities(pipeline, X, picked), strict=True)
            ]})
    confusion = {t: {p: int(np.sum((y_true == t) & (y_pred == p))) for p in labels} for t in labels}
    return {"labels": labels, "confusion": confusion,
            "related_confusions": sorted(cells, key=lambda cell: -cell["count"])}


def render_markdown(analysis: dict[str, Any]) -> str:
    """The analysis as a short report a person reads: the confusion table, then the examples of each confusion."""
    labels = analysis["labels"]
    lines = ["# Stance errors", "", "| true \\ predicted | " + " | ".join(labels) + " |",
             "|---" * (len(labels) + 1) + "|"]
    lines += [f"| {t} | " + " | ".join(str(analysis["confusion"][t][p]) for p in labels) + " |" for t in labels]
    for cell in analysis["related_confusions"]:
        lines += ["", f"## {cell['true']} predicted as {cell['predicted']} ({cell['count']} pairs)"]
        for example in cell["examples"]:
            lines += ["", f"- **Claim:** {example['claim']}"]
            if example.get("probabilities"):
                shown = ", ".join(f"{c} {p:.2f}" for c, p in example["probabilities"].items())
                lines += [f"  - model: {shown}"]
            lines += [f"  - ({s['claim_coverage']:.2f}; {', '.join(s['cues']) or 'no cues'}) {s['sentence']}"
                      for s in example["relied_on"]]
    return "\n".join(lines) + "\n"


def write_stance_error_analysis(out: Path, X: Any, y_true: Any, y_pred: Any, pipeline: Any = None,
                                examples: int = 3) -> list[Path]:
    """Write stance_errors.json and stance_errors.md into `out` (a run's evaluation folder)."""
    analysis = stance_error_analysis(X, y_true, y_pred, pipeline, examples)
    paths = [out / "stance_errors.json", out / "stance_errors.md"]
    paths[0].write_text(json.dumps(analysis, indent=2), encoding="utf-8")
    paths[1].write_text(render_markdown(analysis), encoding="utf-8")
    return paths
