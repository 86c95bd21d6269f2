"""Coalition synergy over the inputs of every rank of a data-parallel job (spec §6).

Each rank's :class:`~hedonic.ablation.AblationEngine` holds one block of the held-out inputs, and
the rank computes every :class:`~hedonic.evaluation.synergy.CoalitionSynergy` on that block. Each
of its fields is a mean over inputs: E Δ_i, E|Δ_i|, E Δ_ij, E ψ_ij, E|ψ_ij|, E Δ_C, E Δ_{C∖k}, and
the per-input metrics ``excess_abs`` = E[|Δ_C| − max_k |Δ_{C∖k}|] and ``na_abs`` =
E|Δ_C − Σ_i Δ_i|; the other metrics are functions of those means. So the result over all X
inputs is Σ_r X_r m_r / X of the ranks' means m_r (one float64 all-reduce for all coalitions,
:meth:`~hedonic.ablation.AblationEngine.mean_over_inputs`), with the remaining metrics recomputed
from the combined means (:func:`~hedonic.evaluation.synergy.summary_metrics`). No per-input
effect leaves its rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from hedonic.evaluation.synergy import CoalitionSynergy, SynergyPlan, with_metrics

if TYPE_CHECKING:
    from hedonic.ablation import AblationEngine

MEAN_FIELDS = ("single", "single_abs", "pair_delta", "psi", "psi_abs", "leave_one_out")
"""Array fields of a CoalitionSynergy that are means over inputs (besides ``whole``)."""
MEAN_METRICS = ("excess_abs", "na_abs")
"""Metrics that are means over inputs of per-input values (the others derive from the means)."""


def over_all_ranks(
    engine: AblationEngine, coalitions: Sequence[CoalitionSynergy], plan: SynergyPlan, ratio_floor: float
) -> tuple[CoalitionSynergy, ...]:
    """The coalitions' synergy over every rank's inputs from this rank's (``coalitions`` itself on one process).

    Every rank must pass the same coalitions in the same order; all get the same result.
    """
    if engine.parallel is None:
        return tuple(coalitions)
    rows = [_means(coalition) for coalition in coalitions]
    combined = engine.mean_over_inputs(np.concatenate(rows)) if rows else np.zeros(0)
    result, start = [], 0
    for coalition, row in zip(coalitions, rows, strict=True):
        result.append(_rebuilt(coalition, combined[start : start + len(row)], plan, ratio_floor))
        start += len(row)
    return tuple(result)


def _means(coalition: CoalitionSynergy) -> np.ndarray:
    """Every mean of ``coalition`` in one float64 vector: :data:`MEAN_FIELDS`, ``whole``, :data:`MEAN_METRICS` (NaN where not measured)."""
    scalars = [coalition.whole, *(coalition.metrics.get(name, np.nan) for name in MEAN_METRICS)]
    return np.concatenate([*(np.asarray(getattr(coalition, name), dtype=np.float64) for name in MEAN_FIELDS), scalars])


def _rebuilt(coalition: CoalitionSynergy, values: np.ndarray, plan: SynergyPlan, ratio_floor: float) -> CoalitionSynergy:
    """``coalition`` with the means ``values`` (laid out as by :func:`_means`) and the metrics they imply."""
    fields: dict[str, Any] = {}  # MEAN_FIELDS name → its means (names known at run time only: Any for replace())
    start = 0
    for name in MEAN_FIELDS:
        size = len(getattr(coalition, name))
        fields[name] = values[start : start + size]
        start += size
    whole, *per_input = (float(value) for value in values[start:])
    rebuilt = replace(coalition, **fields, whole=whole)
    return with_metrics(rebuilt, plan, dict(zip(MEAN_METRICS, per_input, strict=True)), ratio_floor)
