"""Stories of stance pairs: claims and bodies joined by their related pairs. New claims about new stories are what
a stance model meets after training, so folds that keep a story whole estimate that; folds by body alone share
claims (each FNC-1 claim is related to ~7 bodies) and are optimistic."""

from __future__ import annotations

from typing import Any

import numpy as np


def story_groups(claims: Any, bodies: Any, related: Any) -> np.ndarray:
    """Story id of each pair: the connected component of its body in the graph of (claim, body) related pairs.
    An unrelated pair belongs to its body's story."""
    parent: dict[tuple[str, Any], tuple[str, Any]] = {}

    def root(node: tuple[str, Any]) -> tuple[str, Any]:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for claim, body, is_related in zip(claims, bodies, related, strict=True):
        if is_related:
            parent[root(("claim", claim))] = root(("body", body))
    roots: dict[tuple[str, Any], int] = {}
    return np.array([roots.setdefault(root(("body", body)), len(roots)) for body in bodies])
