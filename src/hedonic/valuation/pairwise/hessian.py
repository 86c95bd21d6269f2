"""PAS-hess in closed form for the local readout: E[−a_i a_j H_ij] for all pairs, streamed over inputs.

Second-order Taylor of the ablation at the readout token gives ψ(i, j) ≈ −Q_ij with
Q_ij = (a_i d_i)ᵀ H_h (a_j d_j), H_h the Hessian of the readout f in the residual stream h. With
the terms of :mod:`hedonic.valuation.pairwise.terms` (ρ = k^(-1/2), p_i = a_i x·d̃_i, E_i = P d̃_i,
z = ρ u + c, ω = w_o ∘ act'(z), λ = w_o ∘ act''(z)):

    Q_ij = J_iᵀ diag(λ) J_j + (ω·u) [−(ρ³/d) a_i a_j G̃_ij + (3ρ⁵/d²) p_i p_j] + β_i ν_j + ν_i β_j,
    J_i = β_i u + ρ a_i E_i,  β_i = −(ρ³/d) p_i,  ν_i = a_i ω·E_i.

Without a norm β = 0 and the bracket vanishes (ρ ≡ 1). For decoders (identity head) λ = 0, so
H_h is a rank-two-plus-identity matrix and, summed over B inputs, Σ Q is one (n × 4B) · (4B × n)
product plus G̃ ∘ (Aᵀ diag(·) A): O(n²·B) at matrix-multiply speed. For BERT's pooler tanh the
J-term adds the stacked product Σ_b Σ_k ρ² λ_k (a_i E_ik)(a_j E_jk): O(n²·m) per input, again as
one matrix product per chunk of inputs. Exact (to float64 rounding) Hessian, no model forward.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from hedonic.valuation.pairwise.streaming import PairwiseSums
from hedonic.valuation.pairwise.terms import InputTerms, symmetrise

if TYPE_CHECKING:
    from hedonic.ablation import NormReadout

BLOCK = 1024
"""Rows per block of the G̃-weighted term and of the final symmetrisation."""


class PairwiseHessian(PairwiseSums):
    """Streaming float64 sums of −a_i a_j H_ij (the PAS-hess estimate of ψ) for the local readout.

    ``readout`` and ``w_out`` (d, n) as in :class:`~hedonic.valuation.pairwise.streaming.PairwiseSums`.
    Memory: two n×n float64 matrices (the sums and G̃) plus one chunk of stacked terms.
    """

    def __init__(self, readout: NormReadout, w_out: torch.Tensor) -> None:
        super().__init__(readout, w_out)
        n = self._geometry.n
        self._total = torch.zeros(n, n, dtype=torch.float64, device=self._geometry.directions.device)

    def _sums(self) -> tuple[torch.Tensor, ...]:
        return (self._total,)

    def mean(self) -> torch.Tensor:
        """E[−a_i a_j H_ij] over the inputs seen (n, n) float64: symmetric, zero diagonal."""
        return symmetrise(self._total / -max(self.count, 1), BLOCK)

    def _add(self, terms: InputTerms) -> None:
        """Add Σ_b Q_b of one chunk of inputs to the sums."""
        geometry = self._geometry
        readout = geometry.readout
        width = readout.hidden_size
        a, u = terms.activations, terms.pre
        rho = terms.base.rsqrt()
        pre = rho[:, None] * u + readout.bias
        if readout.activation == "tanh":
            tanh = torch.tanh(pre)
            slope = 1 - tanh.pow(2)
            curvature = readout.out_weight * (-2 * tanh * slope)
        else:
            slope = torch.ones_like(pre)
            curvature = None
        weights = readout.out_weight * slope
        spread = (weights * u).sum(1)
        linear = a * (weights @ geometry.projected.T)
        lefts, rights = [], []
        if readout.norm == "none":
            beta = torch.zeros_like(a)
        else:
            beta = -(rho.pow(3) / width)[:, None] * terms.overlap
            lefts.append(terms.overlap)
            rights.append((3 * spread * rho.pow(5) / width**2)[:, None] * terms.overlap)
        if curvature is not None:
            linear = linear + rho[:, None] * a * ((curvature * u) @ geometry.projected.T)
            lefts.append(beta)
            rights.append((curvature * u.pow(2)).sum(1)[:, None] * beta)
            stacked = (a[:, :, None] * geometry.projected).transpose(0, 1).reshape(self.n, -1)
            scaled = stacked * (rho[:, None].pow(2) * curvature).reshape(1, -1)
            self._total.addmm_(stacked, scaled.T)
        lefts += [beta, linear]
        rights += [linear, beta]
        self._total.addmm_(torch.cat(lefts).T, torch.cat(rights))
        if readout.norm != "none":
            weighted = (-spread * rho.pow(3) / width)[:, None] * a
            for start in range(0, self.n, BLOCK):
                block = slice(start, min(self.n, start + BLOCK))
                self._total[block] += geometry.gram[block] * (a[:, block].T @ weighted)
