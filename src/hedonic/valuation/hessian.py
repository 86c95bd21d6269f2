"""PAS-hess (spec §4): φ(i, j) = E[−a_i a_j H_ij], the second-order estimate of the ablation synergy ψ.

Scale neuron i's activation by α_i on every token of the analysed layer and let f(α) be the
readout. Ablating S is α = 1 − e_S, so Taylor to second order at α = 1 gives
ψ(i, j) = Δ_ij − Δ_i − Δ_j ≈ −∂²f/∂α_i∂α_j, which for the ``local`` readout is −a_i a_j H_ij with H
the Hessian of f in the readout token's activations. φ = E over the inputs of that second
derivative, computed

- ``closed-form`` (``local``/``linear``, any k): :class:`hedonic.valuation.pairwise.PairwiseHessian`, exact
  Hessian of norm + head (BERT pooler tanh included) as stacked matrix products, no model forward
  beyond one per batch;
- ``autograd`` (any readout, ``model`` included; small k): the exact Hessian of Σ_x f_x(α) in the
  k scales by torch.autograd (one forward and k double-backward passes per batch), through the
  model's own modules in its dtype; attention runs with the math kernel of scaled-dot-product
  attention (the fused CPU/GPU kernels have no second derivative);
- ``rows`` (``model``, whole layers): the same second derivatives, u_iᵀ H u_j with H the Hessian
  of the logit in the residual stream after the layer, as Hessian-vector products H u_i stacked
  over (player, input) rows and projected on every player at once
  (:mod:`hedonic.valuation.gradient_rows`, estimate ``hessian``); only the later layers rerun.

``auto`` picks ``closed-form`` for ``local``/``linear`` and ``rows`` for ``model``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

from hedonic.ablation import check_readout, residual_readout
from hedonic.errors import ConfigError, DataError
from hedonic.models.attributes import attribute
from hedonic.progress import progress
from hedonic.stats.budget import check_budget, resolve_budget
from hedonic.stats.subset import explicit_subset
from hedonic.valuation.artifact import Valuation
from hedonic.valuation.gradient_rows import row_sums
from hedonic.valuation.memory import SUBSET_HINT
from hedonic.valuation.pairwise import PairwiseHessian, accumulate, readout_rows

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter, TokenBatch

NAME = "pas-hess"
METHODS: tuple[str, ...] = ("auto", "closed-form", "autograd", "rows")
"""How PAS-hess is computed (see the module docstring)."""


def pas_hess_bytes(k: int, d: int) -> int:
    """Peak bytes of PAS-hess for k players: float64 sums, G̃ and mean, float32 φ, (d, k) directions."""
    return 8 * 3 * k * k + 4 * k * k + 16 * d * k


def pas_hess(
    adapter: ModelAdapter,
    layer: int,
    batches: Iterable[TokenBatch],
    *,
    readout: str = "local",
    neurons: Sequence[int] | np.ndarray | None = None,
    method: str = "auto",
    memory_budget: int | None = None,
) -> Valuation:
    """The PAS-hess valuation (k, k) float32 of ``layer`` over the inputs ``batches``.

    ``readout``: ``local``, ``linear`` or ``model``; ``neurons``: the players (layer ids; default
    all n); ``method``: one of :data:`METHODS`. ``memory_budget`` in bytes (default
    :func:`hedonic.stats.budget.resolve_budget`): :class:`~hedonic.errors.MemoryBudgetError`
    before a k×k allocation that would not fit. Raises :class:`~hedonic.errors.ConfigError` for
    ``closed-form`` with the ``model`` readout and :class:`~hedonic.errors.DataError` without inputs.
    """
    layer = adapter.check_layer(layer)
    check_readout(readout)
    if method not in METHODS:
        raise ConfigError(f"unknown PAS-hess method {method!r}", hint=f"use one of {', '.join(METHODS)}")
    if method == "auto":
        method = "rows" if readout == "model" else "closed-form"
    if method == "closed-form" and readout == "model":
        raise ConfigError("the 'model' readout has no closed-form Hessian", hint="use method 'rows' (or 'autograd' for small neuron sets)")
    if method == "rows" and readout != "model":
        raise ConfigError(f"method 'rows' is for the 'model' readout, not {readout!r}", hint="use method 'closed-form'")
    n = adapter.intermediate_size
    players = np.arange(n, dtype=np.int64) if neurons is None else explicit_subset(neurons, n)
    budget = resolve_budget(memory_budget, adapter.device)
    check_budget(f"PAS-hess of layer {layer}", lambda k: pas_hess_bytes(k, adapter.hidden_size), len(players), budget, SUBSET_HINT)
    index = torch.as_tensor(players, device=adapter.layer_device(layer))
    if method == "closed-form":
        mean, count = _closed_form(adapter, layer, batches, readout, index)
    elif method == "rows":
        sums = row_sums(adapter, layer, batches, index, "hessian", label=f"PAS-hess of layer {layer} (model, rows)")
        mean, count = sums.mean(), sums.count
    else:
        mean, count = _autograd(adapter, layer, batches, readout, index)
    phi = mean.to(torch.float32).cpu().numpy()
    details = {"inputs": count, "method": method}
    return Valuation(phi, NAME, players, layer=layer, readout=readout, details=details)


def _closed_form(
    adapter: ModelAdapter, layer: int, batches: Iterable[TokenBatch], readout: str, index: torch.Tensor
) -> tuple[torch.Tensor, int]:
    hessian = PairwiseHessian(residual_readout(adapter, layer, readout), adapter.w_out(layer)[:, index])
    accumulate(hessian, adapter, layer, batches, index, f"PAS-hess of layer {layer} ({readout})")
    return hessian.mean(), hessian.count


def _autograd(
    adapter: ModelAdapter, layer: int, batches: Iterable[TokenBatch], readout: str, index: torch.Tensor
) -> tuple[torch.Tensor, int]:
    k = len(index)
    total = torch.zeros(k, k, dtype=torch.float64, device=index.device)
    count = 0
    for batch in progress(batches, f"PAS-hess of layer {layer} ({readout}, autograd)"):
        batch = batch.to(adapter.device)
        function = (
            _scaled_model(adapter, layer, batch, index) if readout == "model" else _scaled_local(adapter, layer, batch, index, readout)
        )
        scales = torch.ones(k, dtype=attribute(adapter.model, "dtype", torch.dtype), device=index.device)
        with sdpa_kernel(SDPBackend.MATH):
            total += torch.autograd.functional.hessian(function, scales).to(torch.float64)
        count += len(batch)
    if count == 0:
        raise DataError("PAS-hess got no inputs", hint="pass at least one token batch")
    mean = total / -count
    mean = (mean + mean.T) / 2
    return mean.fill_diagonal_(0.0), count


def _scaled_local(
    adapter: ModelAdapter, layer: int, batch: TokenBatch, index: torch.Tensor, readout: str
) -> Callable[[torch.Tensor], torch.Tensor]:
    """α (k,) → Σ_x f_x with the players' readout-token contributions a_i d_i scaled by α_i."""
    residual, activations = readout_rows(adapter, batch, layer, index)
    directions = adapter.w_out(layer)[:, index]
    function = adapter.local_readout(layer) if readout == "local" else adapter.linear_readout()

    def total(scales: torch.Tensor) -> torch.Tensor:
        return function(residual + ((scales - 1) * activations) @ directions.T).to(torch.float64).sum()

    return total


def _scaled_model(adapter: ModelAdapter, layer: int, batch: TokenBatch, index: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """α (k,) → Σ_x of the model's logit with the players' activations scaled by α_i on every token."""

    def total(scales: torch.Tensor) -> torch.Tensor:
        def scale(_module: torch.nn.Module, args: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
            activations = args[0]
            return (activations.index_copy(-1, index, activations[..., index] * scales), *args[1:])

        handle = adapter.activation_site(layer).register_forward_pre_hook(scale)
        try:
            logits = adapter.model(**batch.model_kwargs()).logits
        finally:
            handle.remove()
        return logits.to(torch.float64).sum()

    return total
