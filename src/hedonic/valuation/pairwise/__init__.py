"""All-pairs closed forms of the local readout: exact ablation synergy ψ and its Hessian estimate.

:class:`PairwiseSynergy` (PAS-exact) and :class:`PairwiseHessian` (PAS-hess) share the per-neuron
and per-input terms of :mod:`~hedonic.valuation.pairwise.terms` and the streaming loop of
:mod:`~hedonic.valuation.pairwise.streaming`; :func:`readout_rows` is their model I/O.
"""

from hedonic.valuation.pairwise.hessian import PairwiseHessian
from hedonic.valuation.pairwise.inputs import readout_rows
from hedonic.valuation.pairwise.streaming import CHUNK_ELEMENTS, PairwiseSums, accumulate
from hedonic.valuation.pairwise.synergy import PairwiseSynergy

__all__ = ["CHUNK_ELEMENTS", "PairwiseHessian", "PairwiseSums", "PairwiseSynergy", "accumulate", "readout_rows"]
