"""The FNC-1 score against hand-computed examples."""

from __future__ import annotations

import pytest

from train.tasks.stance.fnc import fnc_metrics, fnc_score


def test_a_perfect_unrelated_pair_earns_a_quarter() -> None:
    assert fnc_score(["unrelated"], ["unrelated"]) == (0.25, 0.25)


def test_a_perfect_related_pair_earns_one() -> None:
    assert fnc_score(["agree"], ["agree"]) == (1.0, 1.0)


def test_the_wrong_related_class_still_earns_the_relatedness_quarter() -> None:
    assert fnc_score(["disagree"], ["discuss"]) == (0.25, 1.0)


def test_related_called_unrelated_earns_nothing_and_vice_versa() -> None:
    assert fnc_score(["agree", "unrelated"], ["unrelated", "discuss"]) == (0.0, 1.25)


def test_a_mixed_example_worked_by_hand() -> None:
    gold = ["unrelated", "agree", "discuss", "disagree", "unrelated"]
    pred = ["unrelated", "discuss", "discuss", "unrelated", "agree"]
    # 0.25 + 0.25 + 1.0 + 0 + 0 = 1.5 of 0.25 + 1 + 1 + 1 + 0.25 = 3.5
    assert fnc_score(gold, pred) == (1.5, 3.5)


def test_predicting_everything_unrelated_scores_only_the_unrelated_pairs() -> None:
    gold = ["unrelated"] * 6 + ["agree", "disagree", "discuss", "discuss"]
    score, maximum = fnc_score(gold, ["unrelated"] * len(gold))
    assert (score, maximum) == (1.5, 5.5)
    assert fnc_metrics(gold, ["unrelated"] * len(gold))["fnc_score_pct"] == pytest.approx(100 * 1.5 / 5.5)


def test_the_competition_test_null_score_matches_the_published_figure() -> None:
    gold = ["unrelated"] * 18_349 + ["discuss"] * 7_064
    score, maximum = fnc_score(gold, ["unrelated"] * len(gold))
    assert maximum == 11_651.25
    assert 100 * score / maximum == pytest.approx(39.37, abs=0.01)


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError, match="y_true has 2 labels but y_pred has 1"):
        fnc_score(["agree", "agree"], ["agree"])
