"""A short-lived secnews process collects garbage rarely and freezes its objects when it ends."""

from __future__ import annotations

import gc

from train.short_lived import THRESHOLDS, short_lived


def test_the_body_runs_with_rare_collections_and_ends_with_every_object_frozen():
    before = gc.get_threshold()
    try:
        with short_lived():
            assert gc.get_threshold() == THRESHOLDS
            frozen_before = gc.get_freeze_count()
        assert gc.get_freeze_count() > frozen_before
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
