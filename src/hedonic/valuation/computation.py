"""PAS-model: φ of the computation, the ablation synergy through the later layers for a whole layer.

φ(i, j) estimates E_x[ψ(i, j)] with ψ = Δ_ij − Δ_i − Δ_j and f the model's own logit (the
``model`` readout: the blocks after the analysed layer, their norms and the head run), zeroing
the neurons on every token. The estimate (:mod:`hedonic.valuation.gradient_rows`):

- ``secant`` (default): ψ̂(i, j) = u_j·(∇F(h − u_i) − ∇F(h)), symmetrised, with u_i = a_i ⊗ d_i
  neuron i's contribution to the residual stream h after the layer and F the logit as a function
  of h: one forward and backward of the later layers per player and input;
- ``hessian``: −u_iᵀ H u_j, H the Hessian of F at the clean input (PAS-hess), about four times
  the cost.

Screening (``exact_pairs`` = M > 0): the M pairs with the largest |φ̂| are then ablated exactly
through the model (:func:`hedonic.valuation.exact.pas_exact` with the ablation engine), on the
same inputs; φ holds E[ψ] by ablation on those M pairs and the estimate on every other pair.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from hedonic.errors import ConfigError
from hedonic.stats.budget import check_budget, resolve_budget
from hedonic.stats.subset import explicit_subset
from hedonic.valuation.artifact import Valuation
from hedonic.valuation.exact import pas_exact
from hedonic.valuation.gradient_rows import DEFAULT_ROWS, ESTIMATES, row_sums
from hedonic.valuation.memory import SUBSET_HINT

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter, TokenBatch
    from hedonic.stats import DataParallel

NAME = "pas-model"


def pas_model_bytes(k: int) -> int:
    """Peak bytes of PAS-model for k players: the float64 sums and their symmetrised mean, φ float32."""
    return 8 * 2 * k * k + 4 * k * k


def pas_model(
    adapter: ModelAdapter,
    layer: int,
    batches: Iterable[TokenBatch],
    *,
    neurons: Sequence[int] | np.ndarray | None = None,
    estimate: str = "secant",
    exact_pairs: int = 0,
    freeze_norms: bool = False,
    max_rows: int = DEFAULT_ROWS,
    memory_budget: int | None = None,
    parallel: DataParallel | None = None,
) -> Valuation:
    """The PAS-model valuation (k, k) float32 of ``layer`` over the inputs ``batches`` (module docstring).

    ``neurons``: the players (layer ids; default all n); ``estimate``: ``secant`` or ``hessian``;
    ``exact_pairs``: M, the pairs screened by |φ̂| and then ablated exactly (0: none);
    ``freeze_norms``: every norm from the layer to the readout keeps each input's clean statistics
    (the computation's part of the synergy; the screened pairs are ablated the same way); ``max_rows``: rows of one stacked pass; ``memory_budget``
    in bytes (default :func:`hedonic.stats.budget.resolve_budget`); ``parallel``: the inputs' rows
    split over the ranks of a data-parallel job, every rank returns the same φ. φ in logit units,
    ``details`` records the inputs, the estimate and the screened pairs.
    """
    layer = adapter.check_layer(layer)
    if estimate not in ESTIMATES:
        raise ConfigError(f"unknown PAS-model estimate {estimate!r}", hint=f"use one of {', '.join(ESTIMATES)}")
    if exact_pairs < 0:
        raise ConfigError(f"exact_pairs must be 0 or more, got {exact_pairs}", hint="pass e.g. 2048, or 0 for none")
    n = adapter.intermediate_size
    players = np.arange(n, dtype=np.int64) if neurons is None else explicit_subset(neurons, n)
    budget = resolve_budget(memory_budget, adapter.device)
    check_budget(f"PAS-model of layer {layer}", pas_model_bytes, len(players), budget, SUBSET_HINT)
    batches = list(batches)
    label = f"PAS-model of layer {layer} ({estimate})"
    sums = row_sums(
        adapter,
        layer,
        batches,
        torch.as_tensor(players),
        estimate,
        max_rows=max_rows,
        freeze_norms=freeze_norms,
        parallel=parallel,
        label=label,
    )
    phi = sums.mean().to(torch.float32).cpu().numpy()
    screened = _screened(phi, exact_pairs)
    if len(screened):
        exact = pas_exact(
            adapter,
            layer,
            batches,
            readout="model",
            pairs=players[screened],
            memory_budget=budget,
            parallel=parallel,
            freeze_norms=freeze_norms,
        )
        at = np.searchsorted(exact.neurons, players[screened])
        values = exact.phi[at[:, 0], at[:, 1]]
        phi[screened[:, 0], screened[:, 1]] = values
        phi[screened[:, 1], screened[:, 0]] = values
    details = {"inputs": sums.count, "estimate": estimate, "exact_pairs": len(screened), "freeze_norms": freeze_norms}
    return Valuation(phi, NAME, players, layer=layer, readout="model", details=details)


def _screened(phi: np.ndarray, count: int) -> np.ndarray:
    """The (i, j) row positions (M, 2), i < j, of the ``count`` largest |φ(i, j)| (ties: the earlier pair in row order)."""
    rows, cols = np.triu_indices(phi.shape[0], 1)
    top = np.argsort(-np.abs(phi[rows, cols]), kind="stable")[:count]
    return np.stack([rows[top], cols[top]], axis=1)
