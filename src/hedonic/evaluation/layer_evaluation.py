"""Compare the hedonic partition of a layer with its baselines on held-out synergy (spec §6).

The hedonic coalitions in a size range (at most a seeded sample of ``max_coalitions``) and, for
every baseline, as many of its coalitions with the same sizes (:func:`select_matched`) are
evaluated in ONE engine call (shared singletons and pairs are ablated once; the metrics
asked decide the sets, :class:`~hedonic.evaluation.synergy.SynergyPlan`), then each method's
metric distributions are compared with the hedonic one
(:func:`~hedonic.evaluation.comparison.compare_methods`), every coalition is tested against
size-matched random groups of the layer's players (:mod:`hedonic.evaluation.significance`,
through the same engine, readout and norm freezing), and the verdict per baseline is computed
(:mod:`hedonic.evaluation.verdict`). The comparison's ``context`` holds the per-method
significance summary (``significance``) and the verdict (``verdict``, ``verdict_metric``,
``alpha``).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Required, TypedDict

import numpy as np

from hedonic.errors import ConfigError
from hedonic.evaluation.comparison import Comparison, compare_methods
from hedonic.evaluation.inference import BRUNNER_MUNZEL, N_RESAMPLES
from hedonic.evaluation.significance import NullSettings, Significance, coalition_tests, null_distribution
from hedonic.evaluation.synergy import DEFAULT_MAX_PAIRS, DEFAULT_METRICS, METRICS, SynergyPlan, SynergyResult
from hedonic.evaluation.synergy_evaluation import evaluate_synergy
from hedonic.evaluation.verdict import DEFAULT_VERDICT_METRIC, layer_verdicts
from hedonic.layout import REFERENCE

if TYPE_CHECKING:
    from hedonic.ablation import AblationEngine
    from hedonic.game import Partition

SizeRange = tuple[int, int | None]
"""(smallest, largest) coalition size evaluated, inclusive; None: no upper bound."""


class ComparisonOptions(TypedDict, total=False):
    """The keyword options of :func:`compare_partitions` but ``freeze_norms``, as one typed mapping (see there)."""

    input_ids: Required[Sequence[str]]
    exclude_ids: Collection[str]
    readout: str
    size_range: SizeRange
    max_coalitions: int | None
    metrics: Sequence[str]
    max_pairs: int | None
    seed: int
    n_resamples: int
    n_permutations: int
    rank_test: str
    significance: NullSettings | None
    verdict_metric: str
    model_name: str | None
    context: Mapping[str, object] | None


def select_coalitions(partition: Partition, size_range: SizeRange, cap: int | None, seed: int, name: str) -> list[tuple[int, ...]]:
    """The partition's coalitions with size in ``size_range``; at most ``cap`` of them (seeded by ``name``), in order."""
    low, high = size_range
    coalitions = partition.in_size_range(low, partition.n_players if high is None else high)
    if cap is None or len(coalitions) <= cap:
        return coalitions
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    keep = np.sort(rng.choice(len(coalitions), size=cap, replace=False))
    return [coalitions[i] for i in keep]


def select_matched(
    partitions: Mapping[str, Partition], size_range: SizeRange, cap: int | None, seed: int, reference: str = REFERENCE
) -> dict[str, list[tuple[int, ...]]]:
    """The coalitions each method is scored on, size-matched to the reference's.

    The reference's are :func:`select_coalitions` (at most ``cap``, seeded). Every other method
    takes, for each of them in order, one of its own coalitions of the same size, drawn at random
    (seeded by the method's name) among those not taken yet, or of the nearest size left when it
    has none (the smaller on a tie); a method with fewer coalitions than the reference stops when
    it runs out. So every method is scored on the reference's size distribution, and a rank
    comparison of metrics that grow with size compares like with like.
    """
    chosen = {reference: select_coalitions(partitions[reference], size_range, cap, seed, reference)}
    wanted = [len(c) for c in chosen[reference]]
    for name, partition in partitions.items():
        if name == reference:
            continue
        pool = [c for c in select_coalitions(partition, size_range, None, seed, name)]
        rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
        taken: list[tuple[int, ...]] = []
        left = list(rng.permutation(len(pool))) if pool else []
        for size in wanted:
            if not left:
                break
            pick = min(left, key=lambda k: (abs(len(pool[k]) - size), len(pool[k])))
            left.remove(pick)
            taken.append(pool[pick])
        chosen[name] = taken
    return chosen


@dataclass(frozen=True)
class LayerEvaluation:
    """What :func:`compare_partitions` found: the ``comparison``, each method's ``synergy`` and wall ``seconds`` per part."""

    comparison: Comparison
    synergy: dict[str, SynergyResult]
    seconds: dict[str, float] = field(default_factory=dict)


def compare_partitions(
    engine: AblationEngine,
    partitions: Mapping[str, Partition],
    *,
    input_ids: Sequence[str],
    exclude_ids: Collection[str] = (),
    readout: str = "local",
    freeze_norms: bool = False,
    size_range: SizeRange = (2, None),
    max_coalitions: int | None = None,
    metrics: Sequence[str] = DEFAULT_METRICS,
    max_pairs: int | None = DEFAULT_MAX_PAIRS,
    seed: int = 0,
    n_resamples: int = N_RESAMPLES,
    n_permutations: int = N_RESAMPLES,
    rank_test: str = BRUNNER_MUNZEL,
    significance: NullSettings | None = None,
    verdict_metric: str = DEFAULT_VERDICT_METRIC,
    model_name: str | None = None,
    context: Mapping[str, object] | None = None,
) -> LayerEvaluation:
    """Synergy of every method's coalitions on the engine's inputs, their tests, and the comparison with hedonic.

    ``partitions`` maps method name → partition and must hold :data:`REFERENCE`; ``input_ids``
    names the engine's inputs (``exclude_ids``: φ's inputs, which must not be among them).
    ``metrics`` decide the sets ablated; a coalition with more than ``max_pairs`` pairs is scored
    on a seeded sample of them (:class:`~hedonic.evaluation.synergy.SynergyPlan`);
    ``freeze_norms``: every norm from the layer to the readout at its clean statistics.
    ``significance``: how to test each coalition against random groups (None: no tests); its
    ``alpha`` also decides the verdict on ``verdict_metric``. Seconds are reported for
    ``synergy``, ``significance`` and ``comparison``.
    """
    _check_request(partitions, size_range, metrics, verdict_metric)
    plan = SynergyPlan(tuple(metrics), max_pairs, seed)
    selected = select_matched(partitions, size_range, max_coalitions, seed)
    everything = [coalition for coalitions in selected.values() for coalition in coalitions]
    if not everything:
        raise ConfigError(f"no coalition of size {size_text(size_range)} in any partition", hint="widen the size range")
    clock = time.perf_counter()
    result = evaluate_synergy(
        engine,
        everything,
        input_ids=input_ids,
        readout=readout,
        plan=plan,
        freeze_norms=freeze_norms,
        model_name=model_name,
        exclude_ids=exclude_ids,
    )
    per_method, start = {}, 0
    for name, coalitions in selected.items():
        per_method[name] = replace(result, coalitions=result.coalitions[start : start + len(coalitions)])
        start += len(coalitions)
    seconds = {"synergy": time.perf_counter() - clock}
    clock = time.perf_counter()
    if significance is not None:
        settings = replace(significance, max_pairs=max_pairs)
        per_method = _with_significance(engine, per_method, partitions[REFERENCE].neurons, settings, readout, freeze_norms)
    seconds["significance"] = time.perf_counter() - clock
    clock = time.perf_counter()
    values = {name: {metric: part.metric(metric) for metric in metrics} for name, part in per_method.items()}
    sizes = {name: part.sizes() for name, part in per_method.items()}
    details = {
        "layer": engine.layer,
        "readout": readout,
        "freeze_norms": freeze_norms,
        "mode": engine.mode,
        "num_inputs": len(input_ids),
        "partitions": {name: found.method for name, found in partitions.items()},
        "synergy_files": {name: f"synergy_{name}.json" for name in per_method},
        **(context or {}),
    }
    comparison = compare_methods(
        values,
        sizes,
        reference=REFERENCE,
        size_range=(size_range[0], max(len(c) for c in everything) if size_range[1] is None else size_range[1]),
        n_resamples=n_resamples,
        n_permutations=n_permutations,
        seed=seed,
        rank_test=rank_test,
        context=details,
    )
    alpha = significance.alpha if significance is not None else 0.05
    comparison = replace(comparison, context=_judged(comparison, per_method, verdict_metric, alpha, model_name or result.model))
    seconds["comparison"] = time.perf_counter() - clock
    return LayerEvaluation(comparison, per_method, seconds)


def _judged(comparison: Comparison, per_method: Mapping[str, SynergyResult], metric: str, alpha: float, model: str) -> dict[str, object]:
    """The comparison's context with the verdict on ``metric`` at ``alpha`` and each method's significance summary."""
    verdicts = layer_verdicts(comparison, metric=metric, alpha=alpha, model=model)
    context: dict[str, object] = {
        **comparison.context,
        "verdict_metric": metric,
        "alpha": alpha,
        "verdict": [v.as_dict() for v in verdicts],
    }
    summary = {name: part.significance.summary() for name, part in per_method.items() if part.significance is not None}
    if summary:
        context["significance"] = summary
    return context


def size_text(size_range: SizeRange) -> str:
    """``4–32``, or ``2 and more`` without an upper bound."""
    low, high = size_range
    return f"{low} and more" if high is None else f"{low}–{high}"


def _check_request(partitions: Mapping[str, Partition], size_range: SizeRange, metrics: Sequence[str], verdict_metric: str) -> None:
    if size_range[1] is not None and size_range[0] > size_range[1]:
        raise ConfigError(f"size range {size_range} is empty", hint="pass min ≤ max, e.g. 4 and 32")
    if REFERENCE not in partitions or len(partitions) < 2:
        raise ConfigError("nothing to compare: need the hedonic partition and at least one baseline", hint="run `hedonic baselines` first")
    unknown = sorted(set(metrics) - set(METRICS))
    if unknown:
        raise ConfigError(f"unknown metric(s): {', '.join(unknown)}", hint=f"choose among {', '.join(METRICS)}")
    if verdict_metric not in metrics:
        raise ConfigError(
            f"the verdict metric {verdict_metric!r} is not among the evaluated metrics", hint=f"choose one of {', '.join(metrics)}"
        )


def _with_significance(
    engine: AblationEngine,
    per_method: dict[str, SynergyResult],
    players: Sequence[int],
    settings: NullSettings,
    readout: str,
    freeze_norms: bool,
) -> dict[str, SynergyResult]:
    """Every method's coalitions tested against one null of random groups of ``players``, through ``readout``.

    The observed values are the coalitions' own metrics. Means over inputs go through
    ``engine.mean_over_inputs``, so a data-parallel job (every rank calling with the same
    arguments) tests on every rank's inputs, as one process does.
    """

    def effects(sets: list[tuple[int, ...]]) -> np.ndarray:
        return engine.effects(sets, readout, freeze_norms=freeze_norms).delta

    missing = sorted(set(settings.metrics) - set(next(iter(per_method.values())).metrics))
    if missing:
        raise ConfigError(
            f"the per-coalition tests use {', '.join(missing)}, which the evaluation does not measure",
            hint="add them to the evaluation's metrics or drop them from the test metrics",
        )
    sizes = sorted({int(size) for part in per_method.values() for size in part.sizes()})
    null = null_distribution(effects, players, sizes, settings, engine.num_inputs, engine.mean_over_inputs)
    summary = null.summary()
    tested = {}
    for name, part in per_method.items():
        observed = (
            np.stack([part.metric(metric) for metric in settings.metrics], axis=-1)
            if part.coalitions
            else np.empty((0, len(settings.metrics)))
        )
        tests = coalition_tests(observed, [int(size) for size in part.sizes()], null, settings.alpha)
        significance = Significance(settings=settings, readout=readout, players=len(players), null=summary, tests=tests)
        tested[name] = replace(part, significance=significance)
    return tested
