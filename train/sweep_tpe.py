"""Model-based search with Optuna's TPE sampler: ask a batch of `--jobs` trials, run them, tell the results."""

from __future__ import annotations

import json
import logging
from typing import Any

from train.sweep_exec import TrialResult
from train.sweep_spec import Dimension, RangeSpec, Sweep, Trial


def distribution(dim: Dimension) -> Any:
    """The Optuna distribution of one dimension; list values travel as JSON strings (Optuna's choices are scalars)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if isinstance(dim, RangeSpec):
        if dim.type == "int":
            return IntDistribution(int(dim.low), int(dim.high), log=dim.log)
        return FloatDistribution(dim.low, dim.high, log=dim.log)
    return CategoricalDistribution([json.dumps(value) for value in dim])


def to_params(sweep: Sweep, asked: dict[str, Any]) -> dict[str, Any]:
    """Optuna's values back to config values (JSON choices decoded)."""
    return {key: json.loads(asked[key]) if not isinstance(dim, RangeSpec) else asked[key]
            for key, dim in sweep.space.items()}


def to_asked(sweep: Sweep, params: dict[str, Any]) -> dict[str, Any]:
    return {key: json.dumps(params[key]) if not isinstance(dim, RangeSpec) else params[key]
            for key, dim in sweep.space.items()}


def run_tpe(sweep: Sweep, uri: str, parent_id: str, options: Any, done: dict[str, TrialResult]) -> list[TrialResult]:
    """`n_trials` trials from a seeded TPE sampler; finished trials of a resumed sweep are told to it first."""
    import optuna

    from train.sweep import executor, make_job

    optuna.logging.set_verbosity(logging.WARNING)
    distributions = {key: distribution(dim) for key, dim in sweep.space.items()}
    study = optuna.create_study(direction=sweep.spec.direction,
                                sampler=optuna.samplers.TPESampler(seed=sweep.spec.seed))
    results = sorted(done.values(), key=lambda t: t.number)
    for previous in results:
        if set(previous.params) == set(sweep.space) and sweep.metric_key in previous.metrics:
            study.add_trial(optuna.trial.create_trial(params=to_asked(sweep, previous.params),
                                                      distributions=distributions,
                                                      value=previous.metrics[sweep.metric_key]))
        options.on_trial(previous)
    number = max((t.number for t in results), default=-1) + 1
    remaining = (sweep.spec.n_trials or 0) - len(results)
    with executor(options) as execute:
        while remaining > 0:
            batch = [study.ask(distributions) for _ in range(min(options.jobs, remaining))]
            jobs = [make_job(sweep, Trial(number + i, to_params(sweep, asked.params)), parent_id, uri, options)
                    for i, asked in enumerate(batch)]
            outcomes = {r.number: r for r in execute(jobs)}
            for asked, job in zip(batch, jobs, strict=True):
                outcome = outcomes[job.number]
                value = outcome.metrics.get(sweep.metric_key)
                if outcome.status == "FINISHED" and value is not None:
                    study.tell(asked, value)
                else:
                    study.tell(asked, state=optuna.trial.TrialState.FAIL)
                results.append(outcome)
            number += len(batch)
            remaining -= len(batch)
    return sorted(results, key=lambda t: t.number)
