"""Pairwise ablation synergy through the later layers, for a whole layer, from stacked gradient rows.

Let F be the model's own logit as a function of the residual stream h (T, d) right after layer ℓ
(the later layers run). Zeroing neuron i on every token subtracts u_i = (a_i(t) d_i)_t (T, d), so

    ψ(i, j) = Δ_ij − Δ_i − Δ_j = F(h − u_i) + F(h − u_j) − F(h − u_i − u_j) − F(h)

(Δ_S = F(h) − F(h − Σ_S u)). Two estimates of E_x[ψ] that cost O(k) backward passes per input
instead of the O(k²) forwards of brute-force ablation:

- ``secant``: ψ(i, j) = Δ_j(h − u_i) − Δ_j(h) with Δ_j(y) ≈ u_j·∇F(y) to first order, so
  ψ̂(i, j) = u_j·(∇F(h − u_i) − ∇F(h)), exact in u_i to every order, first order in u_j; φ holds
  the mean of ψ̂(i, j) and ψ̂(j, i). Exact when F is quadratic. One forward and one backward of
  the row h − u_i per player and input (plus the clean row).
- ``hessian``: the second-order Taylor term at the clean input, ψ̂(i, j) = −u_iᵀ H u_j with H the
  Hessian of F in h (PAS-hess of spec §4 in token-residual coordinates): one Hessian-vector
  product H u_i per player and input (forward, backward, and a double backward with SDPA's math
  kernel, which has a second derivative).

Rows are the (player, input) pairs of a chunk of players and a cached batch, stacked along the
batch axis of one forward (:func:`hedonic.ablation.stacked.resumed_after` reruns only the blocks
after ℓ). The gradient of each row is projected on every player j at once,
u_j·g = Σ_t a_j(t) (g(t)·d_j): one (rows·T, d) × (d, k) product. Sums over inputs are float64;
the estimates are symmetrised and their diagonal zeroed. Mode ``zero`` (neurons zeroed).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

from hedonic.ablation import Contribution, LayerCache, build_cache
from hedonic.ablation.closed_form import removed
from hedonic.ablation.stacked import stacked_forward
from hedonic.errors import ConfigError, DataError
from hedonic.progress import progress

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter, TokenBatch
    from hedonic.stats import DataParallel

ESTIMATES: tuple[str, ...] = ("secant", "hessian")
"""The estimates of ψ through the later layers (module docstring)."""
DEFAULT_ROWS = 64
"""Default rows (players × inputs) of one stacked forward and backward."""


@dataclass(frozen=True)
class RowSums:
    """``total`` (k, k) float64: Σ_x of the (unsymmetrised) estimates, row i the ablated / differentiated
    player i, column j the player it is projected on; ``count``: inputs summed."""

    total: torch.Tensor
    count: int

    def mean(self) -> torch.Tensor:
        """E_x[ψ̂] (k, k) float64: the symmetrised mean, zero diagonal."""
        mean = self.total / max(self.count, 1)
        return ((mean + mean.T) / 2).fill_diagonal_(0.0)


def row_sums(
    adapter: ModelAdapter,
    layer: int,
    batches: Iterable[TokenBatch],
    players: torch.Tensor,
    estimate: str,
    *,
    max_rows: int = DEFAULT_ROWS,
    freeze_norms: bool = False,
    parallel: DataParallel | None = None,
    label: str = "",
) -> RowSums:
    """Σ over the inputs ``batches`` of ``estimate`` (one of :data:`ESTIMATES`) for the ``players`` (k,) of ``layer``.

    ``max_rows`` bounds the rows of one stacked pass (memory: the autograd graph of that many
    inputs through the later layers). ``freeze_norms``: every norm from the layer to the readout
    keeps each input's clean statistics (:mod:`hedonic.ablation.norms`), so F is the computation
    of the later blocks without the norms' coupling. ``parallel``: each rank takes its rows of
    every batch and the sums are all-reduced. Raises :class:`ConfigError` for an unknown estimate or a bad
    ``max_rows``, :class:`DataError` without inputs.
    """
    if estimate not in ESTIMATES:
        raise ConfigError(f"unknown estimate {estimate!r}", hint=f"use one of {', '.join(ESTIMATES)}")
    if max_rows < 1:
        raise ConfigError(f"max_rows must be positive, got {max_rows}", hint="pass e.g. 64")
    k = len(players)
    total = torch.zeros(k, k, dtype=torch.float64, device=adapter.layer_device(layer))
    count = 0
    mine = batches if parallel is None else parallel.rows(batches)
    with nullcontext() if parallel is None else parallel.together():
        for batch in progress(mine, label or f"{estimate} rows of layer {layer}"):
            cache = build_cache(adapter, batch, layer, token_states=True)
            total += _CacheRows(adapter, cache, players.to(total.device), freeze_norms).sums(estimate, max_rows)
            count += len(cache)
    if parallel is not None:
        parallel.sum_(total)
        count = int(parallel.sum_array(torch.tensor([float(count)]).numpy())[0])
    if count == 0:
        raise DataError("the gradient rows got no inputs", hint="pass at least one token batch")
    return RowSums(total, count)


@dataclass(frozen=True)
class _CacheRows:
    """The rows of one cached batch of B inputs for the ``players`` (k,) of its layer."""

    adapter: ModelAdapter
    cache: LayerCache
    players: torch.Tensor
    freeze_norms: bool

    def sums(self, estimate: str, max_rows: int) -> torch.Tensor:
        """Σ over the B inputs of the estimate (k, k) float64 (row i: the ablated / differentiated player)."""
        k = len(self.players)
        sets = self.players[:, None]
        total = torch.empty(k, k, dtype=torch.float64, device=self.players.device)
        clean = self.gradient(torch.full((1, 1), -1, device=sets.device))[0] if estimate == "secant" else None
        step = max(1, max_rows // len(self.cache))
        for start in range(0, k, step):
            chunk = sets[start : start + step]
            values = -self.hessian(chunk) if clean is None else self.gradient(chunk) - clean
            total[start : start + len(chunk)] = values.sum(1)
        return total

    def gradient(self, sets: torch.Tensor) -> torch.Tensor:
        """u_j·∇F(h − u_S) (K, B, k) for the K single-player sets (K, 1) (−1: the clean row)."""
        terms = self.terms()
        states = (self.token_residual().unsqueeze(0) - removed(terms, sets)).detach().requires_grad_(True)
        with torch.enable_grad():
            (gradient,) = torch.autograd.grad(self.logits(states).sum(), states)
        return self.project(gradient)

    def hessian(self, sets: torch.Tensor) -> torch.Tensor:
        """u_j·H u_i (K, B, k) at the clean inputs, for the K single-player sets (K, 1)."""
        terms = self.terms()
        states = self.token_residual().unsqueeze(0).repeat(sets.shape[0], 1, 1, 1).requires_grad_(True)
        tangents = removed(terms, sets)
        with torch.enable_grad(), sdpa_kernel(SDPBackend.MATH):
            (gradient,) = torch.autograd.grad(self.logits(states).sum(), states, create_graph=True)
            # an affine F (frozen norms, linear head) has a constant gradient: H u = 0
            (product,) = torch.autograd.grad((gradient * tangents).sum(), states, allow_unused=True, materialize_grads=True)
        return self.project(product)

    def logits(self, states: torch.Tensor) -> torch.Tensor:
        """F of the residual streams ``states`` (K, B, T, d) after the layer: (K, B), differentiable."""
        count = states.shape[0]
        with stacked_forward(self.adapter, self.cache, states.flatten(0, 1), count, freeze_norms=self.freeze_norms) as batch:
            logits = self.adapter.model(**batch.model_kwargs()).logits
        return logits.reshape(count, len(self.cache))

    def project(self, gradient: torch.Tensor) -> torch.Tensor:
        """u_j·g = Σ_t Σ_terms coef_j(t) (g(t)·dir_j) for the players j, of ``gradient`` (K, B, T, d): (K, B, k) float64."""
        total = torch.zeros(*gradient.shape[:2], len(self.players), dtype=torch.float64, device=gradient.device)
        for term in self.terms():
            along = gradient @ term.directions[:, self.players].to(gradient.dtype)
            total += (along * term.coefficients[..., self.players].to(gradient.dtype)).sum(2)
        return total

    def terms(self) -> tuple[Contribution, ...]:
        """The cache's token contribution terms (built with token states)."""
        return self.cache.token_states("PAS-model")[1]

    def token_residual(self) -> torch.Tensor:
        """The cache's residual stream (B, T, d) on every token (built with token states)."""
        return self.cache.token_states("PAS-model")[0]
