"""Run `secnews ARGS...` with one estimator's fit held at a known point, so a test can signal it there.

Usage: python hold_fit.py MODE MARKER_DIR -- secnews-args...   (a helper of test_signals.py, not a test)
  term    LogisticRegression.fit waits; a signal interrupts it like any Python code.
  swallow MLPClassifier's training loop waits inside scikit-learn's own `except KeyboardInterrupt`, which
          swallows the interrupt (as a long real fit does when Ctrl-C lands in it).
  stuck   LogisticRegression.fit ignores interrupts, like a long C routine that never returns to Python.
It writes MARKER_DIR/holding when the fit is reached and MARKER_DIR/interrupted-1 when an interrupt arrives.
No wait here is a timing assumption: each is bounded only so that a broken test ends instead of hanging.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

BOUND_S = 120


def _sleep_until(deadline: float) -> None:
    while time.monotonic() < deadline:
        time.sleep(0.02)


def _wait(marker_dir: Path, swallow: bool) -> None:
    """Announce the hold, then wait for a signal; with `swallow`, keep waiting after it as a C routine would."""
    deadline = time.monotonic() + BOUND_S
    try:
        (marker_dir / "holding").write_text("fit reached", encoding="utf-8")
        _sleep_until(deadline)
    except KeyboardInterrupt:
        (marker_dir / "interrupted-1").write_text("", encoding="utf-8")
        if not swallow:
            raise
        _sleep_until(deadline)  # a later signal no longer raises here: the guard's watcher thread stops us


def main() -> None:
    mode, marker_dir, separator, *args = sys.argv[1:]
    assert separator == "--", "usage: hold_fit.py MODE MARKER_DIR -- ARGS"
    marker = Path(marker_dir)
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    original_fit, original_backprop = LogisticRegression.fit, MLPClassifier._backprop
    if mode in ("term", "stuck"):
        def held_fit(self, X, y, sample_weight=None):
            if not sp.issparse(X):  # the config check's tiny dense probe fit, not the training fit
                return original_fit(self, X, y, sample_weight)
            _wait(marker, swallow=mode == "stuck")
            raise AssertionError("the hold ended without a signal")

        LogisticRegression.fit = held_fit
    elif mode == "swallow":
        def held_backprop(self, *a, **k):
            if not sp.issparse(a[0]):  # the config check's tiny dense probe fit, not the training fit
                return original_backprop(self, *a, **k)
            _wait(marker, swallow=False)  # the KeyboardInterrupt goes up into MLPClassifier, which swallows it
            raise AssertionError("the hold ended without a signal")

        MLPClassifier._backprop = held_backprop
    else:
        raise SystemExit(f"unknown mode {mode}")
    sys.argv = ["secnews", *args]
    from train.cli import entry as secnews_main

    secnews_main()


if __name__ == "__main__":
    main()
