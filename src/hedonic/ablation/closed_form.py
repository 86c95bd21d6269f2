"""Closed-form ablation: the readout of h − Σ_{i∈S} c_i for many sets S at once, no model forward.

Pure tensor functions over a :class:`~hedonic.ablation.cache.LayerCache`'s tables. Sets come as a
(K, s) int64 tensor of neuron ids padded with −1 (:func:`hedonic.ablation.sets.pad_sets`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from hedonic.ablation.cache import Contribution
from hedonic.ablation.readouts import ResidualReadout


def removed(terms: Sequence[Contribution], sets: torch.Tensor) -> torch.Tensor:
    """Σ_{i∈S_k} c_i for each set: (K, ..., d), where the terms' coefficients are (..., n + 1).

    ``terms`` must hold at least one term.

    One gather and one batched contraction per term; memory O(K · (prod(...) + d) · s) besides
    the result.
    """
    parts = [
        torch.einsum("...ks,dks->k...d", term.coefficients[..., sets], term.directions[:, sets]) for term in terms
    ]
    return sum(parts[1:], parts[0])


def closed_form_effects(
    residual: torch.Tensor, terms: Sequence[Contribution], sets: torch.Tensor, readout: ResidualReadout
) -> torch.Tensor:
    """Δ_S(x) = f(h) − f(h − Σ_{i∈S} c_i) for K sets and B inputs: (K, B) float64.

    ``residual`` (B, d) float64 is h at the readout token, ``terms`` hold coefficients
    (B, n + 1) float64, ``readout`` is a float64 residual readout (logit units).
    """
    ablated = residual.unsqueeze(0) - removed(terms, sets)
    return readout(residual).unsqueeze(0) - readout(ablated)
