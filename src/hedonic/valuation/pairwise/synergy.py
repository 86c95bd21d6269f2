"""Exact pairwise ablation synergy ψ(i, j) = Δ_ij − Δ_i − Δ_j of every pair, for the local readout.

With the terms of :mod:`hedonic.valuation.pairwise.terms`, the readout after ablating S is
f_S = w_o · act(ρ_S (u − Σ_S a_i E_i) + c) + b_o with ρ_S = M_S^(-1/2), and

    ψ(i, j) = f_i + f_j − f_ij − f_0

(Δ_S = f_0 − f_S; ablation zeroes a_i on every token, and only the readout token's residual
reaches the local readout). The single-neuron values f_i cost O(n·m) per input; every pair's
f_ij is an elementwise expression of a_i, a_j, e_i, e_j and G̃_ij:

- decoders (RMSNorm or LayerNorm, then the linear score head: m = 1, no tanh):
  f_ij − C = (s − v_i − v_j) · (k + e_i + e_j + α_i α_j G̃_ij)^(-1/2) with s = w_o u, v_i = w_o a_i E_i
  and C = b_o + w_o c, O(n²) per input and no model forward;
- BERT (LayerNorm, pooler tanh, classifier): tanh acts on the m-vector
  z_ij = ρ_ij (u − a_i E_i − a_j E_j) + c, evaluated per pair: O(n²·m) per input, in tiles;
- the ``linear`` readout (no norm, no tanh) is affine, so ψ ≡ 0 exactly and nothing is evaluated.

Pairs are evaluated in (i-block, j-block) tiles of the upper triangle, one input at a time per
tile (the tile's G̃ block and sums stay in cache over a chunk of inputs), and summed in float64,
so memory is the n×n sums and G̃ plus one tile. Runs on the device of the readout's tensors
(CPU or CUDA). Data-parallel: each rank updates with its own inputs, then
:meth:`PairwiseSynergy.all_reduce` adds the sums of every rank in place (no extra n×n buffer).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import torch

from hedonic.errors import ConfigError
from hedonic.valuation.pairwise.streaming import PairwiseSums
from hedonic.valuation.pairwise.terms import InputTerms, NeuronGeometry, mirror_upper, upper_blocks

if TYPE_CHECKING:
    from hedonic.ablation import NormReadout

CPU_TILE_ELEMENTS = 1 << 16
"""Default elements of one tile (i-block × j-block, one input) on the CPU: about a core's L2 cache."""
CPU_VECTOR_TILE_ELEMENTS = 1 << 19
"""Default elements of one tile with a tanh head (i-block × j-block × m, one input) on the CPU."""
CUDA_TILE_ELEMENTS = 1 << 24
"""Default elements of one tile on CUDA."""


class PairwiseSynergy(PairwiseSums):
    """Streaming float64 sums of ψ(i, j) over inputs, for all pairs of n neurons (local readout).

    ``readout`` and ``w_out`` (d, n) as in :class:`~hedonic.valuation.pairwise.streaming.PairwiseSums`;
    ``absolute``: also sum |ψ|; ``tile_elements``: work per tile (default by device).
    Memory: 2 (3 with ``absolute``) n×n float64 matrices plus one tile.
    """

    def __init__(
        self,
        readout: NormReadout,
        w_out: torch.Tensor,
        *,
        absolute: bool = False,
        tile_elements: int | None = None,
    ) -> None:
        super().__init__(readout, w_out)
        device = self._geometry.directions.device
        n = self._geometry.n
        self._absolute = absolute
        if tile_elements is None:
            cpu = CPU_TILE_ELEMENTS if self._width == 1 else CPU_VECTOR_TILE_ELEMENTS
            tile_elements = CUDA_TILE_ELEMENTS if device.type == "cuda" else cpu
        if tile_elements < 1:
            raise ConfigError(f"tile_elements must be positive, got {tile_elements}", hint="pass e.g. 65536")
        self._block = max(1, min(n, math.isqrt(max(1, tile_elements // self._width))))
        self._pairs = torch.zeros(n, n, dtype=torch.float64, device=device)
        self._singles = torch.zeros(n, dtype=torch.float64, device=device)
        self._magnitudes = torch.zeros(n, n, dtype=torch.float64, device=device) if absolute else None

    @property
    def absolute(self) -> bool:
        """Whether Σ|ψ| is accumulated."""
        return self._absolute

    def _sums(self) -> tuple[torch.Tensor, ...]:
        return tuple(tensor for tensor in (self._pairs, self._singles, self._magnitudes) if tensor is not None)

    def mean(self) -> torch.Tensor:
        """E[ψ(i, j)] over the inputs seen (n, n) float64: symmetric, zero diagonal."""
        result = self._pairs.clone()
        if self._magnitudes is None:
            result += self._singles[:, None]
            result += self._singles[None, :]
        return mirror_upper(result.div_(max(self.count, 1)), self._block)

    def mean_abs(self) -> torch.Tensor:
        """E[|ψ(i, j)|] (n, n) float64; :class:`ConfigError` unless built with ``absolute=True``."""
        if self._magnitudes is None:
            raise ConfigError("|ψ| was not accumulated", hint="build PairwiseSynergy with absolute=True")
        return mirror_upper(self._magnitudes / max(self.count, 1), self._block)

    # ------------------------------------------------------------------ evaluation
    def _add(self, terms: InputTerms) -> None:
        """Accumulate one chunk of inputs over all upper-triangle tiles, one input at a time per tile.

        On the CPU, tiles are spread over ``torch.get_num_threads()`` Python threads while every
        op runs single-threaded (restored afterwards): the tiles are disjoint, and small ops split
        across threads stall on their barriers when the cores are shared.
        """
        singles, removed = _single_terms(self._geometry, terms)
        if self._magnitudes is None:
            self._singles += singles.sum(0)
        readout = self._geometry.readout
        kept = terms.pre * readout.out_weight[0] if readout.activation is None else terms.pre
        base_shift = terms.base[:, None] + terms.shift

        def tile(block: tuple[slice, slice]) -> None:
            rows, cols = block
            gram = self._geometry.gram[rows, cols]
            for x in range(len(terms)):
                scale = torch.outer(terms.cross[x, rows], terms.cross[x, cols]).mul_(gram)
                scale.add_(base_shift[x, rows, None]).add_(terms.shift[x, None, cols]).rsqrt_()
                if readout.activation is None:
                    numerator = (kept[x, 0] - removed[x, rows])[:, None] - removed[x, None, cols]
                    if self._magnitudes is None:
                        self._pairs[rows, cols].addcmul_(scale, numerator, value=-1)
                        continue
                    pair = scale.mul_(numerator)
                else:
                    hidden = (kept[x] - removed[x, rows])[:, None, :] - removed[x, None, cols]
                    hidden.mul_(scale[:, :, None]).add_(readout.bias)
                    pair = _tanh_score(hidden, readout.out_weight)
                    if self._magnitudes is None:
                        self._pairs[rows, cols] -= pair
                        continue
                psi = pair.neg_().add_(singles[x, rows, None]).add_(singles[x, None, cols])
                self._pairs[rows, cols] += psi
                self._magnitudes[rows, cols] += psi.abs_()

        blocks = list(upper_blocks(self.n, self._block))
        workers = torch.get_num_threads()
        if self._pairs.device.type != "cpu" or workers == 1:
            for block in blocks:
                tile(block)
            return
        torch.set_num_threads(1)
        try:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(tile, blocks))
        finally:
            torch.set_num_threads(workers)


def _single_terms(geometry: NeuronGeometry, terms: InputTerms) -> tuple[torch.Tensor, torch.Tensor]:
    """(L, V) for a chunk of B inputs.

    L (B, n): f_i − C − (f_0 − C)/2, so that ψ(i, j) = L_i + L_j − (f_ij − C), where the constant C
    is b_o + w_o c without tanh and b_o + Σ w_o with it (it cancels in ψ and is never formed); the
    pair value f_ij − C is (w_o u − V_i − V_j) ρ_ij without tanh, :func:`_tanh_score` of
    ρ_ij (u − V_i − V_j) + c with it.
    V: the removed pre-activation a_i E_i, (B, n) scaled by w_o without tanh, (B, n, m) with it.
    """
    readout = geometry.readout
    base_scale = terms.base.rsqrt()
    single_scale = (terms.base[:, None] + terms.shift).rsqrt()
    if readout.activation is None:
        removed = terms.activations * geometry.projected[:, 0] * readout.out_weight[0]
        kept = terms.pre[:, 0] * readout.out_weight[0]
        clean = kept * base_scale
        single = (kept[:, None] - removed) * single_scale
        return single - clean[:, None] / 2, removed
    removed = terms.activations[:, :, None] * geometry.projected
    clean = _tanh_score(base_scale[:, None] * terms.pre + readout.bias, readout.out_weight)
    hidden = single_scale[:, :, None] * (terms.pre[:, None, :] - removed) + readout.bias
    single = _tanh_score(hidden, readout.out_weight)
    return single - clean[:, None] / 2, removed


def _tanh_score(pre: torch.Tensor, out_weight: torch.Tensor) -> torch.Tensor:
    """w_o · tanh(z) − Σ w_o = −2 w_o · 1/(exp(2z) + 1) for pre-activations z (..., m) → (...); overwrites ``pre``.

    The same value as through tanh, at a third of the cost in float64 on the CPU (torch's float64
    tanh is not vectorised there, exp is); exp overflowing to inf gives the limit 0 exactly.
    """
    return pre.mul_(2).exp_().add_(1).reciprocal_() @ (-2 * out_weight)
