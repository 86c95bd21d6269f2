"""PAS-grad, the reference's fast pairwise-ablation-synergy estimate (spec §4): φ(i, j) = −E[v_i v_j].

v_i = Σ_t a_{i,t} ∂f/∂a_{i,t} per input, for the readout f the statistics were collected with
(``hedonic.stats.collect_stats(..., grad=...)``); E is the mean over the inputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hedonic.errors import ConfigError, NumericalError
from hedonic.valuation.artifact import Valuation
from hedonic.valuation.memory import check_phi_memory, symmetric_from_blocks

if TYPE_CHECKING:
    from hedonic.stats import ActivationStats


def pas_grad(stats: ActivationStats, *, memory_budget: int | None = None) -> Valuation:
    """The PAS-grad valuation (k, k) float32 of ``stats.neurons``, named ``"pas-grad"``.

    Needs the gradient sums Σvvᵀ (statistics collected with a gradient readout); the valuation
    records that readout. Raises :class:`~hedonic.errors.MemoryBudgetError` before allocating φ
    above the budget (bytes; default see :func:`hedonic.stats.budget.resolve_budget`).
    """
    if stats.sum_vv is None:
        raise ConfigError(
            f"the statistics of layer {stats.layer} hold no gradient sums Σvvᵀ: PAS-grad needs them",
            hint="collect the statistics with a gradient readout (hedonic collect --grad --readout local|model)",
        )
    if stats.num_inputs <= 0:
        raise NumericalError(f"the statistics of layer {stats.layer} cover no input", hint="collect over at least one input")
    check_phi_memory(f"PAS-grad φ of layer {stats.layer}", stats.k, memory_budget=memory_budget)
    sum_vv, scale = stats.sum_vv, -1.0 / stats.num_inputs

    def block(rows: slice, cols: slice) -> np.ndarray:
        return (sum_vv[rows, cols] * scale).astype(np.float32)

    phi = symmetric_from_blocks(stats.k, block)
    details = {"inputs": stats.num_inputs, "model": stats.model}
    return Valuation(phi, "pas-grad", stats.neurons.copy(), layer=stats.layer, readout=stats.readout, details=details)
