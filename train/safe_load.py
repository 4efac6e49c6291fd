"""Load skops model files with an explicit allow-list built from our own registries; never unpickle.

MLflow stores `skops_trusted_types` inside the model's own MLmodel file, so trusting it would let a crafted
artifact whitelist itself. This loader asks skops which non-default types a file needs and refuses any that
our registered builders and models do not declare.
"""

from __future__ import annotations

import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

from core.errors import SecnewsError


class UntrustedModelError(SecnewsError):
    """A model file needs types outside the allow-list; it is not loaded."""


def allowed_types() -> frozenset[str]:
    """Every non-default type a fitted secnews pipeline may hold, declared by the registered components."""
    import features.union  # noqa: F401  (registers all feature builders)
    import train.tasks  # noqa: F401  (registers the task-specific estimators)
    from features.builders import BUILDERS
    from train.estimators import ESTIMATORS

    names: set[str] = set()
    for registry in (BUILDERS, ESTIMATORS):
        for entry in registry:
            names.update(entry.trusted_types)
    return frozenset(names)


def untrusted_types(path: Path) -> list[str]:
    """The types in a skops file that our allow-list does not cover (empty means safe to load)."""
    import skops.io as sio

    try:
        needed = sio.get_untrusted_types(file=path)
    except Exception as exc:  # a corrupt or non-skops file
        raise SecnewsError(f"{path}: not a readable skops model file ({type(exc).__name__}: {exc})") from None
    allowed = allowed_types()
    return sorted(t for t in needed if t not in allowed)


def load_skops(path: str | Path) -> Any:
    """Load a skops file after checking every type it needs against the allow-list."""
    import skops.io as sio

    path = Path(path)
    refused = untrusted_types(path)
    if refused:
        raise UntrustedModelError(
            f"{path}: refusing to load a model that needs untrusted types: {', '.join(refused)}"
        )
    trusted = sio.get_untrusted_types(file=path)
    return sio.load(path, trusted=trusted)


def check_versions(recorded: dict[str, str], source: str) -> list[str]:
    """Warn (and return the messages) when the scikit-learn or skops version differs from training time."""
    messages = []
    for package in ("scikit-learn", "skops"):
        then = recorded.get(package)
        try:
            now = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
        if then and then != now:
            messages.append(
                f"{source}: trained with {package} {then} but {now} is installed; predictions may differ "
                f"(reinstall {package}=={then} to be sure)"
            )
    for message in messages:
        warnings.warn(message, UserWarning, stacklevel=3)
    return messages
