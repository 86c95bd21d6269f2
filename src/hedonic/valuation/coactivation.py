"""OCA, orthogonal co-activation (spec §4): φ(i, j) = (1 − |cos(d_i, d_j)|) · ρ(a_i, a_j).

d_i is neuron i's write direction (column i of W_out, (d, n)), ρ the Pearson correlation of the
activations over the statistics' rows (or their covariance, the reference script's variant), both
from :meth:`~hedonic.stats.ActivationStats.correlation` / ``covariance``: neurons with zero variance
get ρ = 0; a zero write direction has cosine 0 with every other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, get_args

import numpy as np

from hedonic.errors import ConfigError, ModelError
from hedonic.valuation.artifact import Valuation
from hedonic.valuation.build import DEFAULT_MEASURE, Measure
from hedonic.valuation.memory import check_phi_memory, symmetric_from_blocks

if TYPE_CHECKING:
    from hedonic.stats import ActivationStats


def oca(
    stats: ActivationStats,
    w_out: np.ndarray,
    *,
    measure: Measure = DEFAULT_MEASURE,
    memory_budget: int | None = None,
) -> Valuation:
    """The OCA valuation of the neurons ``stats.neurons`` of one layer.

    ``stats`` must hold Σaaᵀ (collected with ``outer=True``); ``w_out`` is the layer's whole
    output weight (d, n), of which the columns ``stats.neurons`` are used. Returns a
    :class:`Valuation` named ``"oca"`` with φ (k, k) float32 (symmetric, zero diagonal) and
    details (measure, rows, inputs, token scope, number of constant neurons). Raises
    :class:`~hedonic.errors.MemoryBudgetError` before allocating φ above the budget (bytes;
    default see :func:`hedonic.stats.budget.resolve_budget`).
    """
    if measure not in get_args(Measure):
        raise ConfigError(f"unknown OCA measure {measure!r}", hint=f"use one of {', '.join(get_args(Measure))}")
    if stats.sum_outer is None:
        raise ConfigError(
            f"the statistics of layer {stats.layer} hold no Σaaᵀ: OCA needs the co-activations",
            hint="collect the statistics with outer products (hedonic collect without --diagonal)",
        )
    if w_out.ndim != 2 or stats.k and int(stats.neurons[-1]) >= w_out.shape[1]:
        raise ModelError(
            f"W_out of shape {w_out.shape} does not hold the write directions of neurons up to {int(stats.neurons[-1]) if stats.k else 0}",
            hint="pass the (d, n) output weight of the statistics' layer and model",
        )
    check_phi_memory(f"OCA φ of layer {stats.layer}", stats.k, d=w_out.shape[0], memory_budget=memory_budget)
    unit = _unit_columns(w_out[:, stats.neurons])
    coactivation_of = stats.correlation if measure == "pearson" else stats.covariance

    def block(rows: slice, cols: slice) -> np.ndarray:
        coactivation = coactivation_of(rows, cols)
        orthogonality = unit[:, rows].T @ unit[:, cols]
        np.abs(orthogonality, out=orthogonality)
        np.subtract(1.0, orthogonality, out=orthogonality)
        np.clip(orthogonality, 0.0, 1.0, out=orthogonality)
        return (orthogonality * coactivation).astype(np.float32)

    phi = symmetric_from_blocks(stats.k, block)
    details = {
        "measure": measure,
        "rows": stats.count,
        "inputs": stats.num_inputs,
        "tokens": stats.tokens,
        "constant_neurons": int((stats.variance() == 0).sum()),
        "model": stats.model,
    }
    return Valuation(phi, "oca", stats.neurons.copy(), layer=stats.layer, details=details)


def _unit_columns(directions: np.ndarray) -> np.ndarray:
    """Columns scaled to unit length (float32); all-zero columns stay zero."""
    directions = np.asarray(directions, dtype=np.float32)
    norms = np.linalg.norm(directions, axis=0)
    return directions / np.where(norms > 0, norms, 1.0)
