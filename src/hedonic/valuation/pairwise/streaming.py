"""The streaming loop shared by the pairwise closed forms (exact synergy and Hessian).

Both estimators keep float64 n×n sums over inputs and add inputs in chunks: the per-input terms
of :mod:`hedonic.valuation.pairwise.terms` for B inputs take B·n·m floats, so a chunk holds at
most :data:`CHUNK_ELEMENTS` of them. :class:`PairwiseSums` owns that loop, the input count and
the data-parallel all-reduce; :func:`accumulate` feeds it the readout-token rows of a model's
batches (one forward per batch, each rank its own inputs under ``torchrun``).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from typing import TYPE_CHECKING

import numpy as np

from hedonic.errors import DataError
from hedonic.progress import progress
from hedonic.valuation.pairwise.inputs import readout_rows
from hedonic.valuation.pairwise.terms import InputTerms, check_inputs, input_terms, neuron_geometry, row_chunks

if TYPE_CHECKING:
    import torch

    from hedonic.ablation import NormReadout
    from hedonic.models import ModelAdapter, TokenBatch
    from hedonic.stats import DataParallel

CHUNK_ELEMENTS = 1 << 22
"""Per-input terms (inputs × n [× m]) prepared at once; bounds the extra memory of one update."""


class PairwiseSums:
    """Float64 n×n sums over inputs of a pairwise closed form; subclasses define :meth:`_add`.

    ``readout``: from :func:`hedonic.ablation.norm_readout`; ``w_out`` (d, n): the write
    directions of the analysed neurons (columns of ``ModelAdapter.w_out(layer)``).
    """

    def __init__(self, readout: NormReadout, w_out: torch.Tensor) -> None:
        self._geometry = neuron_geometry(readout, w_out)
        self._width = 1 if readout.activation is None else int(readout.weight.shape[0])
        self.count = 0

    @property
    def n(self) -> int:
        """Number of analysed neurons."""
        return self._geometry.n

    def update(self, residual: torch.Tensor, activations: torch.Tensor) -> None:
        """Add B inputs: residual stream h (B, d) and activations a (B, n) at the readout token.

        An affine readout (no norm, no tanh) has ψ ≡ 0 and H ≡ 0: only the inputs are counted.
        """
        check_inputs(self._geometry, residual, activations)
        if self._geometry.readout.affine:
            self.count += int(residual.shape[0])
            return
        chunk = max(1, CHUNK_ELEMENTS // (self.n * self._width))
        for rows in row_chunks(int(residual.shape[0]), chunk):
            terms = input_terms(self._geometry, residual[rows], activations[rows])
            self._add(terms)
            self.count += len(terms)

    def all_reduce(self, parallel: DataParallel) -> None:
        """Replace this rank's sums (and count) by their sums over every rank of ``parallel``, in place.

        Float64 all-reduce of the n×n sums; call once, after the last :meth:`update`, on every rank.
        """
        for tensor in self._sums():
            parallel.sum_(tensor)
        self.count = int(parallel.sum_array(np.array([self.count]))[0])

    def _sums(self) -> tuple[torch.Tensor, ...]:
        """The tensors summed over inputs (what :meth:`all_reduce` adds across ranks)."""
        raise NotImplementedError

    def _add(self, terms: InputTerms) -> None:
        """Add one chunk of inputs to the sums."""
        raise NotImplementedError


def accumulate(
    sums: PairwiseSums,
    adapter: ModelAdapter,
    layer: int,
    batches: Iterable[TokenBatch],
    index: torch.Tensor,
    label: str,
    parallel: DataParallel | None = None,
) -> PairwiseSums:
    """Add the readout-token rows of ``batches`` for the players ``index`` (k,) to ``sums``; returns it.

    With ``parallel``, each rank reads its own batches and the sums are all-reduced at the end.
    ``label`` names the progress bar. :class:`DataError` when no input was seen on any rank.
    """
    mine = batches if parallel is None else parallel.rows(batches)
    with nullcontext() if parallel is None else parallel.together():
        for batch in progress(mine, label):
            sums.update(*readout_rows(adapter, batch, layer, index))
    if parallel is not None:
        sums.all_reduce(parallel)
    if sums.count == 0:
        raise DataError(f"{label} got no inputs", hint="pass at least one token batch")
    return sums
