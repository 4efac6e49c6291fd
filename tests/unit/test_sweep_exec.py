"""What a parallel sweep shows of its loky pool: a worker replaced after a memory-heavy trial is no news."""

from __future__ import annotations

import threading
import warnings

from train.sweep_exec import LOKY_RESTART_WARNING, quiet_loky_restarts


def _warn_from_a_thread(message: str) -> None:
    """loky's manager thread warns from outside the main thread."""
    thread = threading.Thread(target=warnings.warn, args=(message, UserWarning))
    thread.start()
    thread.join()


def test_the_worker_replaced_warning_is_hidden_and_other_warnings_are_not() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet_loky_restarts()
        _warn_from_a_thread(LOKY_RESTART_WARNING + ". This can be caused by a too short worker timeout or by a "
                                                   "memory leak.")
        _warn_from_a_thread("a trial's own warning")
    assert [str(w.message) for w in caught] == ["a trial's own warning"]


def test_the_hidden_message_is_the_one_loky_writes() -> None:
    import inspect

    from joblib.externals.loky import process_executor

    # loky writes the message as adjacent string literals: join them
    source = " ".join(inspect.getsource(process_executor).split()).replace('" "', "")
    assert LOKY_RESTART_WARNING in source
