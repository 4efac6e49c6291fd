"""Stories: claims and bodies joined by related pairs, the groups a stance model's inner folds keep whole."""

from __future__ import annotations

from features.stance.stories import story_groups


def test_bodies_sharing_a_related_claim_are_one_story() -> None:
    claims = ["quake hits", "quake hits", "port hacked", "port hacked", "quake hits"]
    bodies = ["b1", "b2", "b3", "b4", "b3"]
    related = [True, True, True, True, False]  # the quake claim is unrelated to b3: no link
    groups = story_groups(claims, bodies, related)
    assert groups[0] == groups[1] and groups[2] == groups[3] == groups[4]
    assert groups[0] != groups[2]


def test_an_unrelated_pair_belongs_to_its_body_story() -> None:
    groups = story_groups(["a", "b"], ["b1", "b2"], [False, False])
    assert list(groups) == [0, 1]


def test_a_claim_related_to_two_stories_merges_them() -> None:
    groups = story_groups(["a", "b", "a"], ["b1", "b2", "b2"], [True, True, True])
    assert len(set(groups)) == 1
