"""Functional importance of neuron groups: what ablating each one does to the reranker (spec §8).

For every group S (hedonic coalitions, baseline groups, size-matched random groups) the layer's
neurons S are ablated on X held-out inputs that form Q per-query candidate lists, all groups in
one :meth:`AblationEngine.effects` call (many ablated sets stacked per forward). With f the
readout (default ``model``, the reranker's own logit) and Δ_S(x) = f(x) − f_{−S}(x):

- ``score_drop``     = E_x Δ_S(x), the mean change of the score (logits; > 0: ablation lowers it);
- ``score_drop_abs`` = E_x |Δ_S(x)|;
- ``ndcg_drop``      = E_q [nDCG@k(f) − nDCG@k(f_{−S})] over the queries with a relevant candidate;
- ``mrr_drop``       = E_q [RR(f) − RR(f_{−S})], the drop of the mean reciprocal rank.

Positive values mean the ablation hurts. The null for each group of size s is the set of random
groups of size s (:func:`matched_random_groups`: per draw, a random permutation of the players cut
into groups with exactly the reference's sizes); :func:`null_contrasts` places each group among
the random groups of its size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hedonic.artifacts import json_float
from hedonic.errors import ConfigError
from hedonic.evaluation.comparison import Comparison, compare_methods
from hedonic.evaluation.inference import N_RESAMPLES
from hedonic.meaning.ranking import DEFAULT_CUTOFF, RankingSetup, ranking_quality

if TYPE_CHECKING:
    from hedonic.ablation import AblationEngine

IMPORTANCE_METRICS: tuple[str, ...] = ("score_drop", "score_drop_abs", "ndcg_drop", "mrr_drop")
"""Names of the importance metrics, in table order."""
IMPORTANCE_DEFINITIONS: dict[str, str] = {
    "score_drop": "E_x[f(x) - f_{-S}(x)], f the readout (logits)",
    "score_drop_abs": "E_x|f(x) - f_{-S}(x)|",
    "ndcg_drop": "E_q[nDCG@k(f) - nDCG@k(f_{-S})] over queries with a relevant candidate",
    "mrr_drop": "E_q[RR(f) - RR(f_{-S})] over queries with a relevant candidate",
}
"""Plain-text definition of each importance metric."""
NULL_METHOD = "matched-random"
"""Method name of the size-matched random groups."""


@dataclass(frozen=True)
class NeuronGroup:
    """One group of a layer's neurons: ``method`` that produced it, its ``draw`` (random draws; 0
    otherwise), its ``index`` in the method's list (for random groups: the index of the reference
    coalition it is size-matched to) and its ``neurons`` (sorted ids)."""

    method: str
    draw: int
    index: int
    neurons: tuple[int, ...]

    @property
    def size(self) -> int:
        """Number of neurons."""
        return len(self.neurons)


def method_groups(method: str, coalitions: Sequence[Sequence[int]]) -> list[NeuronGroup]:
    """``coalitions`` as groups of ``method`` (draw 0, indices in order), each sorted.

    Raises :class:`ConfigError` for an empty coalition or a repeated neuron.
    """
    groups = []
    for index, coalition in enumerate(coalitions):
        neurons = tuple(sorted(int(i) for i in coalition))
        if not neurons or len(set(neurons)) != len(neurons):
            raise ConfigError(f"{method} group {index} is empty or repeats a neuron", hint="pass groups of distinct neuron ids")
        groups.append(NeuronGroup(method, 0, index, neurons))
    return groups


def matched_random_groups(
    players: Sequence[int], sizes: Sequence[int], draws: int, *, seed: int = 0, method: str = NULL_METHOD
) -> list[NeuronGroup]:
    """``draws`` sets of random groups with exactly ``sizes``: draw r cuts a permutation of ``players``.

    Groups within one draw are disjoint; group (r, i) has ``sizes[i]`` neurons and index i. Draw r
    uses the generator seeded by (``seed``, r), so draws do not depend on how many are asked for.
    Raises :class:`ConfigError` when the sizes need more neurons than there are players.
    """
    ids = np.asarray(players, dtype=np.int64)
    counts = np.asarray(sizes, dtype=np.int64)
    if counts.size and (counts.min() < 1 or counts.sum() > ids.size):
        raise ConfigError(
            f"random groups of sizes summing to {int(counts.sum())} cannot be cut from {ids.size} players",
            hint="pass positive sizes of disjoint coalitions of the same players",
        )
    bounds = np.cumsum(counts)
    groups = []
    for draw in range(draws):
        order = np.random.default_rng([seed, draw]).permutation(ids)
        for index, (start, stop) in enumerate(zip(bounds - counts, bounds, strict=True)):
            groups.append(NeuronGroup(method, draw, index, tuple(sorted(order[start:stop].tolist()))))
    return groups


@dataclass(frozen=True)
class GroupImportance:
    """The :data:`IMPORTANCE_METRICS` of one group (None where undefined: no ranked query)."""

    method: str
    draw: int
    index: int
    neurons: tuple[int, ...]
    score_drop: float
    score_drop_abs: float
    ndcg_drop: float | None
    mrr_drop: float | None

    def metric(self, name: str) -> float | None:
        """The value of importance metric ``name``."""
        return getattr(self, _checked_metric(name))


@dataclass(frozen=True)
class ImportanceResult:
    """Importance of every group on X inputs in Q candidate lists (``num_ranked`` with a relevant candidate).

    ``clean_score`` E_x f(x), ``clean_ndcg`` and ``clean_mrr`` the unablated model's quality;
    ``k`` the nDCG cutoff, ``mrr_cutoff`` the MRR cutoff (None: all ranks).
    """

    readout: str
    mode: str
    k: int
    mrr_cutoff: int | None
    num_inputs: int
    num_queries: int
    num_ranked: int
    clean_score: float
    clean_ndcg: float | None
    clean_mrr: float | None
    groups: tuple[GroupImportance, ...]

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods, in order of first appearance."""
        return tuple(dict.fromkeys(group.method for group in self.groups))

    def of(self, method: str) -> list[GroupImportance]:
        """The groups of ``method``, in order."""
        return [group for group in self.groups if group.method == method]

    def values(self, method: str, metric: str) -> np.ndarray:
        """``metric`` over the groups of ``method``, (groups,) float64 (NaN where undefined)."""
        return np.array([json_float(group.metric(metric)) for group in self.of(method)], dtype=np.float64)

    def sizes(self, method: str) -> np.ndarray:
        """Sizes of the groups of ``method``, (groups,) int64."""
        return np.array([len(group.neurons) for group in self.of(method)], dtype=np.int64)


def functional_importance(
    engine: AblationEngine,
    groups: Sequence[NeuronGroup],
    setup: RankingSetup,
    *,
    readout: str = "model",
    k: int = DEFAULT_CUTOFF,
    mrr_cutoff: int | None = None,
) -> ImportanceResult:
    """Ablate every group (each distinct neuron set once, one engine call) and measure its importance.

    ``engine`` holds the model, layer, mode and the X inputs, in the candidate-list order of
    ``setup``. Returns the metrics of the module docstring per group, in the order of ``groups``.
    """
    if engine.num_inputs != setup.query_index.shape[0]:
        raise ConfigError(
            f"the engine holds {engine.num_inputs} inputs, the candidate lists {setup.query_index.shape[0]}",
            hint="build the engine on the candidate lists' pairs, in order",
        )
    if not groups:
        raise ConfigError("no neuron group to ablate", hint="pass at least one coalition")
    distinct = list(dict.fromkeys(group.neurons for group in groups))
    effects = engine.effects([list(neurons) for neurons in distinct], readout)
    row = {neurons: position for position, neurons in enumerate(distinct)}
    clean_ndcg, clean_rr = ranking_quality(effects.clean[None, :], setup, k=k, mrr_cutoff=mrr_cutoff)
    ndcg, rr = ranking_quality(effects.clean[None, :] - effects.delta, setup, k=k, mrr_cutoff=mrr_cutoff)
    ranked = setup.ranked
    ndcg_drop = (clean_ndcg - ndcg)[:, ranked].mean(axis=1) if ranked.any() else np.full(len(distinct), np.nan)
    mrr_drop = (clean_rr - rr)[:, ranked].mean(axis=1) if ranked.any() else np.full(len(distinct), np.nan)
    rows = []
    for group in groups:
        at = row[group.neurons]
        rows.append(
            GroupImportance(
                method=group.method,
                draw=group.draw,
                index=group.index,
                neurons=group.neurons,
                score_drop=float(effects.delta[at].mean()),
                score_drop_abs=float(np.abs(effects.delta[at]).mean()),
                ndcg_drop=_none(ndcg_drop[at]),
                mrr_drop=_none(mrr_drop[at]),
            )
        )
    return ImportanceResult(
        readout=readout,
        mode=effects.mode,
        k=k,
        mrr_cutoff=mrr_cutoff,
        num_inputs=engine.num_inputs,
        num_queries=setup.num_queries,
        num_ranked=int(ranked.sum()),
        clean_score=float(effects.clean.mean()),
        clean_ndcg=_none(clean_ndcg[0, ranked].mean()) if ranked.any() else None,
        clean_mrr=_none(clean_rr[0, ranked].mean()) if ranked.any() else None,
        groups=tuple(rows),
    )


def importance_comparison(
    result: ImportanceResult,
    *,
    reference: str = "hedonic",
    confidence: float = 0.95,
    n_resamples: int = N_RESAMPLES,
    n_permutations: int = N_RESAMPLES,
    seed: int = 0,
) -> Comparison:
    """Distributions of every importance metric per method vs ``reference`` (bootstrap CIs, permutation tests).

    All groups enter (size range = the smallest to the largest group); random draws are pooled.
    See :func:`hedonic.evaluation.comparison.compare_methods`.
    """
    sizes = {method: result.sizes(method) for method in result.methods}
    every = np.concatenate(list(sizes.values()))
    values = {method: {metric: result.values(method, metric) for metric in IMPORTANCE_METRICS} for method in result.methods}
    return compare_methods(
        values,
        sizes,
        reference=reference,
        size_range=(int(every.min()), int(every.max())),
        confidence=confidence,
        n_resamples=n_resamples,
        n_permutations=n_permutations,
        seed=seed,
        context={"analysis": "functional importance", "readout": result.readout, "mode": result.mode, "k": result.k},
    )


@dataclass(frozen=True)
class NullContrast:
    """One group against the random groups of its size on one metric.

    ``null_mean`` the random groups' mean, ``null_count`` how many there are, ``percentile`` the
    share of them with a smaller value (ties count half): near 1 means the group matters more
    than random groups of its size. None where undefined (no random group of that size).
    """

    method: str
    index: int
    size: int
    metric: str
    value: float | None
    null_mean: float | None
    null_count: int
    percentile: float | None


def null_contrasts(result: ImportanceResult, *, null: str = NULL_METHOD) -> list[NullContrast]:
    """Every non-random group against the ``null`` groups of the same size, on every importance metric."""
    random_groups = result.of(null)
    contrasts = []
    for metric in IMPORTANCE_METRICS:
        by_size: dict[int, list[float]] = {}
        for group in random_groups:
            by_size.setdefault(len(group.neurons), []).append(json_float(group.metric(metric)))
        for group in result.groups:
            if group.method == null:
                continue
            sample = np.array(by_size.get(len(group.neurons), []), dtype=np.float64)
            sample = sample[np.isfinite(sample)]
            value = group.metric(metric)
            contrasts.append(
                NullContrast(
                    method=group.method,
                    index=group.index,
                    size=len(group.neurons),
                    metric=metric,
                    value=value,
                    null_mean=float(sample.mean()) if sample.size else None,
                    null_count=int(sample.size),
                    percentile=None
                    if value is None or sample.size == 0
                    else float(((sample < value).sum() + 0.5 * (sample == value).sum()) / sample.size),
                )
            )
    return contrasts


def _checked_metric(name: str) -> str:
    if name not in IMPORTANCE_METRICS:
        raise ConfigError(f"unknown importance metric {name!r}", hint=f"pick one of {', '.join(IMPORTANCE_METRICS)}")
    return name


def _none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
