"""SIGINT/SIGTERM during a run: end it KILLED with the reason, even when an estimator swallows the interrupt.

One `guard()` per process (re-entrant, so a sweep's parent and child runs share it). The first signal raises
`Interrupted` in the main thread as soon as Python code runs there, and is remembered: scikit-learn estimators
that catch KeyboardInterrupt (MLPClassifier's training loop) cannot hide it, because `check()` — called after a
fit and when a run ends — raises it again. While the main thread is inside a long C routine no Python signal
handler can run, so a watcher thread (woken through `signal.set_wakeup_fd`) says so at once, and on a second
signal ends every open run KILLED, removes the run's temporary folder and exits immediately.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

HANDLED = (signal.SIGINT, signal.SIGTERM)
NAMES = {signal.SIGINT: "SIGINT (Ctrl-C)", signal.SIGTERM: "SIGTERM"}
OPENING_WAIT_S = 10.0  # how long a hard stop waits for a run that is being created in the background


class Interrupted(KeyboardInterrupt):
    """A run was stopped by a signal; `exit_code` is the shell's 128 + signal number."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        return f"interrupted by {NAMES.get(signal.Signals(self.signum), f'signal {self.signum}')}"


@dataclass
class Guard:
    """What the handlers know: the first signal received, open runs to end on a hard stop, the temp folder."""

    temp_dir: str
    received: int | None = None
    count: int = 0
    open_runs: list[tuple[str, str]] = field(default_factory=list)  # (tracking URI, run id), innermost last
    opening: threading.Lock = field(default_factory=threading.Lock)  # held while a run is created and listed
    end_runs: Callable[[list[tuple[str, str]], str], None] | None = None

    def check(self) -> None:
        """Raise `Interrupted` if a signal arrived, even one an estimator caught and ignored."""
        if self.received is not None:
            raise Interrupted(self.received)


_active: Guard | None = None


def active() -> Guard | None:
    """The guard installed in this process, if any."""
    return _active


def check() -> None:
    """Raise `Interrupted` if a signal arrived since the guard was installed (a no-op without a guard)."""
    if _active is not None:
        _active.check()


def _say(line: str) -> None:
    with suppress(OSError):
        os.write(2, f"{line}\n".encode())


def _hard_stop(guard: Guard, signum: int) -> None:
    """Second signal: end every open run KILLED, remove the temporary folder, exit now (no Python unwinding)."""
    reason = f"{Interrupted(signum).reason} twice: stopped at once"
    _say(f"{reason}; marking the run KILLED")
    try:
        guard.opening.acquire(timeout=OPENING_WAIT_S)  # a run being created now is listed before we end them
        if guard.end_runs and guard.open_runs:
            guard.end_runs(list(reversed(guard.open_runs)), reason)
    finally:
        shutil.rmtree(guard.temp_dir, ignore_errors=True)
        os._exit(128 + signum)


def _watch(read_fd: int, guard: Guard) -> None:
    """Runs in a daemon thread: reacts to signals even while the main thread is stuck in C code."""
    while True:
        try:
            data = os.read(read_fd, 64)
        except OSError:
            return
        if not data:
            return
        for signum in data:
            if signum not in HANDLED:
                continue
            guard.count += 1
            if guard.count == 1:
                _say(f"{Interrupted(signum).reason}: ending the run KILLED as soon as the current step returns "
                     "(press Ctrl-C again to stop at once)")
            else:
                _hard_stop(guard, signum)


def _handler(signum: int, frame: object) -> None:
    """Python-level handler (main thread): remember the first signal and raise it into the running code."""
    guard = _active
    if guard is None:
        raise KeyboardInterrupt
    if guard.received is not None:
        return  # already unwinding (or swallowed, which check() catches); the watcher handles a second signal
    guard.received = signum
    raise Interrupted(signum)


@contextmanager
def guard(end_runs: Callable[[list[tuple[str, str]], str], None] | None = None) -> Iterator[Guard]:
    """Install the handlers and a per-run temporary folder; re-entrant for nested runs, a plain guard off the
    main thread (where Python delivers no signals).

    `tempfile.tempdir` points into that folder while the guard is active, so every temporary file made during
    the run (ours, MLflow's, skops') is removed with it, including on a hard stop.
    """
    global _active
    if _active is not None:
        yield _active
        return
    if threading.current_thread() is not threading.main_thread():
        yield Guard(temp_dir=tempfile.gettempdir(), end_runs=end_runs)  # signals reach the main thread only
        return
    temp_dir = tempfile.mkdtemp(prefix="secnews-run-")
    current = Guard(temp_dir=temp_dir, end_runs=end_runs)
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    previous_handlers = {s: signal.signal(s, _handler) for s in HANDLED}
    previous_wakeup = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    previous_tempdir = tempfile.tempdir
    tempfile.tempdir = temp_dir
    _active = current
    watcher = threading.Thread(target=_watch, args=(read_fd, current), name="secnews-signals", daemon=True)
    watcher.start()
    try:
        yield current
    finally:
        signal.set_wakeup_fd(previous_wakeup)
        for s, handler in previous_handlers.items():
            signal.signal(s, handler)
        _active = None
        tempfile.tempdir = previous_tempdir
        os.close(write_fd)
        watcher.join(timeout=5)
        os.close(read_fd)
        shutil.rmtree(temp_dir, ignore_errors=True)


def exit_code(exc: BaseException) -> int:
    """The shell exit code for an interruption: 128 + signal number (130 for Ctrl-C)."""
    return exc.exit_code if isinstance(exc, Interrupted) else 128 + signal.SIGINT

