"""MLflow model registration: register a run's model, list versions, and promote an alias to the best comparable one.

Versions are only compared when they were evaluated on the same test data (same dataset digest) and their run
finished; anything else is skipped with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.errors import SecnewsError


@dataclass
class VersionInfo:
    """One registered version with what promotion needs to know about its run."""

    name: str
    version: int
    run_id: str
    status: str
    metrics: dict[str, float]
    test_digest: str | None
    aliases: list[str]
    created: datetime

    def metric(self, key: str) -> float | None:
        return self.metrics.get(key)


@dataclass
class Promotion:
    """The outcome of `promote`: which version holds the alias now, and why."""

    alias: str
    version: int | None
    previous: int | None
    changed: bool
    message: str
    skipped: list[str]


def _client() -> Any:
    from mlflow import MlflowClient

    return MlflowClient()


def register(model_uri: str, name: str, run_id: str) -> int:
    """Register a logged model as a new version of `name`; returns the version number."""
    import mlflow

    version = mlflow.register_model(model_uri, name, await_registration_for=0, tags={"run_id": run_id})
    return int(version.version)


def _test_digest(run: Any) -> str | None:
    for dataset_input in run.inputs.dataset_inputs:
        if any(tag.key == "mlflow.data.context" and tag.value == "test" for tag in dataset_input.tags):
            return dataset_input.dataset.digest
    return None


def versions(name: str) -> list[VersionInfo]:
    """All versions of a registered model, newest first; an unknown name is a one-line error."""
    from mlflow.exceptions import MlflowException

    client = _client()
    try:
        model = client.get_registered_model(name)
    except MlflowException:
        known = [m.name for m in client.search_registered_models()]
        raise SecnewsError(f"registered model '{name}' not found; known: {', '.join(known) or 'none'}") from None
    aliases: dict[int, list[str]] = {}
    for alias, version in (model.aliases or {}).items():
        aliases.setdefault(int(version), []).append(alias)
    infos = []
    for mv in client.search_model_versions(f"name='{name}'"):
        try:
            run = client.get_run(mv.run_id) if mv.run_id else None
        except MlflowException:
            run = None
        infos.append(VersionInfo(
            name=name,
            version=int(mv.version),
            run_id=mv.run_id or "",
            status=run.info.status if run else "MISSING",
            metrics=dict(run.data.metrics) if run else {},
            test_digest=_test_digest(run) if run else None,
            aliases=sorted(aliases.get(int(mv.version), [])),
            created=datetime.fromtimestamp(mv.creation_timestamp / 1000, tz=UTC),
        ))
    return sorted(infos, key=lambda v: v.version, reverse=True)


def registered_names() -> list[str]:
    return sorted(m.name for m in _client().search_registered_models())


def _short(digest: str | None) -> str:
    return f"{digest[:8]}…" if digest else "none"


def promote(name: str, metric: str = "macro_f1", alias: str = "champion", lower_is_better: bool = False,
            digest: str | None = None) -> Promotion:
    """Point `alias` at the best finished version by `metric` among versions sharing one test-data digest.

    The digest compared on is `digest` if given, else the current alias holder's, else the newest version's.
    """
    infos = versions(name)
    if not infos:
        raise SecnewsError(f"registered model '{name}' has no versions")
    holder = next((v for v in infos if alias in v.aliases), None)
    reference = digest or (holder.test_digest if holder else None) or infos[0].test_digest
    candidates, skipped = [], []
    for info in infos:
        if info.status != "FINISHED":
            skipped.append(f"v{info.version}: run {info.status.lower()}")
        elif info.test_digest != reference:
            skipped.append(f"v{info.version}: evaluated on digest {_short(info.test_digest)}")
        elif info.metric(metric) is None:
            skipped.append(f"v{info.version}: no metric {metric}")
        else:
            candidates.append(info)
    if not candidates:
        raise SecnewsError(f"no version of '{name}' can hold '{alias}': "
                           + ("; ".join(skipped) or "none finished with that metric"))
    sign = -1 if lower_is_better else 1
    best = max(candidates, key=lambda v: (sign * v.metric(metric), v.version))
    previous = holder.version if holder else None
    if previous == best.version:
        message = (f"'{alias}' stays on v{best.version}: {metric} {best.metric(metric):.4f} is the best of "
                   f"{len(candidates)} comparable version(s) on digest {_short(reference)}")
        return Promotion(alias, best.version, previous, False, message, skipped)
    _client().set_registered_model_alias(name, alias, str(best.version))
    if holder and holder in candidates:
        compare = ">" if not lower_is_better else "<"
        why = (f"v{best.version} {metric} {best.metric(metric):.4f} {compare} v{holder.version} "
               f"{holder.metric(metric):.4f} on digest {_short(reference)}")
    elif holder:
        why = (f"v{best.version} {metric} {best.metric(metric):.4f} is the best on digest {_short(reference)}; "
               f"v{holder.version} was not comparable")
    else:
        why = (f"v{best.version} {metric} {best.metric(metric):.4f} is the best of {len(candidates)} "
               f"version(s) on digest {_short(reference)}")
    return Promotion(alias, best.version, previous, True, f"moved '{alias}' to v{best.version}: {why}", skipped)
