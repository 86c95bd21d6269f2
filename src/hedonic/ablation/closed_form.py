"""Closed-form ablation: the readout of h − Σ_{i∈S} c_i for many sets S at once, no model forward.

Pure tensor functions over a :class:`~hedonic.ablation.cache.LayerCache`'s tables. Sets come as a
(K, s) int64 tensor of neuron ids padded with −1 (:func:`hedonic.ablation.sets.pad_sets`).

The readout has the form f(h) = w_o · act(ρ(x) · P x + c) + b_o with x = h, or h − mean(h) for
LayerNorm, and ρ(x) = (‖x‖²/d + ε)^(-1/2) (:class:`~hedonic.ablation.norm_readout.NormReadout`).
With r_S = Σ_{i∈S} c_i the removed contribution and x_S the (centred) ablated stream:

    P x_S    = P x − Σ_i coef_i · (P centre(dir_i))            (projected directions, once per cache)
    ‖x_S‖²   = ‖x‖² − 2 Σ_i coef_i · x·centre(dir_i) + Σ_{i,j} coef_i coef_j · centre(dir_i)·centre(dir_j)

so one set costs O(s·m + s²) per input instead of O(d·m) for evaluating the head on a d-vector
(m = 1 for decoders' score head, m = d for a BERT pooler), plus O(s²·d) once per set for the
Gram block of its directions (:func:`set_gram`, shared by every batch of inputs). The directions
seen through the readout do not depend on the inputs either (:func:`project_directions`, once
per readout); only x·centre(dir_i) is per input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from hedonic.ablation.cache import Contribution
    from hedonic.ablation.norm_readout import NormReadout


def removed(terms: Sequence[Contribution], sets: torch.Tensor) -> torch.Tensor:
    """Σ_{i∈S_k} c_i for each set: (K, ..., d), where the terms' coefficients are (..., n + 1).

    ``terms`` must hold at least one term.

    One gather and one batched contraction per term; memory O(K · (prod(...) + d) · s) besides
    the result.
    """
    parts = [torch.einsum("...ks,dks->k...d", term.coefficients[..., sets], term.directions[:, sets]) for term in terms]
    return sum(parts[1:], parts[0])


@dataclass(frozen=True)
class ProjectedTerm:
    """One contribution term seen through the readout: per input B and neuron n + 1 (zero pad row).

    ``coefficients`` (B, n + 1); ``directions`` (n + 1, d) row i the (for LayerNorm centred)
    direction of neuron i; ``projected`` (n + 1, m) = directions · Pᵀ; ``overlap`` (B, n + 1) =
    x · direction_i with x the (centred) residual stream; ``raw_projected`` (n + 1, m) the
    uncentred directions · Pᵀ (``projected`` itself without LayerNorm), what a norm frozen at the
    clean mean sees. Neurons are rows so that a set's rows are gathered contiguously.
    """

    coefficients: torch.Tensor
    directions: torch.Tensor
    projected: torch.Tensor
    overlap: torch.Tensor
    raw_projected: torch.Tensor


Directions = tuple[torch.Tensor, torch.Tensor, torch.Tensor]
"""(directions (n + 1, d), projected (n + 1, m), raw_projected (n + 1, m)): one term's share of :class:`ProjectedTerm` that does not depend on the inputs."""


def project_directions(readout: NormReadout, terms: Sequence[Contribution]) -> list[Directions]:
    """:data:`Directions` of every term through ``readout``."""
    projected = []
    for term in terms:
        rows = readout.centre(term.directions, dim=0).T.contiguous()
        through = rows @ readout.weight.T
        projected.append((rows, through, term.directions.T.to(torch.float64) @ readout.weight.T if readout.centred else through))
    return projected


def project_terms(
    readout: NormReadout,
    residual: torch.Tensor,
    terms: Sequence[Contribution],
    directions: Sequence[Directions] | None = None,
) -> list[ProjectedTerm]:
    """The terms of one cache through ``readout`` (see :class:`ProjectedTerm`); ``residual`` (B, d) float64.

    ``directions``: :func:`project_directions` of the same directions, computed once for many caches.
    """
    centred = readout.centre(residual, dim=-1)
    shared = project_directions(readout, terms) if directions is None else directions
    return [
        ProjectedTerm(term.coefficients, rows, projected, centred @ rows.T, raw)
        for term, (rows, projected, raw) in zip(terms, shared, strict=True)
    ]


def set_gram(terms: Sequence[ProjectedTerm], sets: torch.Tensor) -> torch.Tensor:
    """Gram blocks (K, S, S) of each set's (centred) directions over all terms, S = s × terms; inputs play no part."""
    stacked = torch.cat([term.directions[sets] for term in terms], dim=1)
    return stacked @ stacked.transpose(1, 2)


def closed_form_effects(
    residual: torch.Tensor,
    terms: Sequence[ProjectedTerm],
    sets: torch.Tensor,
    readout: NormReadout,
    gram: torch.Tensor | None = None,
    *,
    freeze_norms: bool = False,
) -> torch.Tensor:
    """Δ_S(x) = f(h) − f(h − Σ_{i∈S} c_i) for K sets and B inputs: (K, B) float64.

    ``residual`` (B, d) float64 is h at the readout token and ``terms`` its contributions
    projected by :func:`project_terms` for the same ``readout``; ``gram``: :func:`set_gram` of the
    same sets (computed here when None); logit units. ``freeze_norms``: the readout norm keeps the
    clean input's ρ (and mean), so the pre-activation changes by ρ(x)·Σ_i coef_i·P d_i exactly
    (:func:`frozen_effects`).
    """
    if not terms:
        raise ValueError("closed_form_effects needs at least one contribution term")
    if freeze_norms:
        return frozen_effects(residual, terms, sets, readout)
    centred = readout.centre(residual, dim=-1)
    removed_pre: torch.Tensor | None = None
    square = centred.pow(2).sum(-1).unsqueeze(0)
    coefficients = []
    for term in terms:
        coefficient = term.coefficients[:, sets]
        part = torch.einsum("bks,ksm->kbm", coefficient, term.projected[sets])
        removed_pre = part if removed_pre is None else removed_pre.add_(part)
        square = square - 2 * torch.einsum("bks,bks->kb", coefficient, term.overlap[:, sets])
        coefficients.append(coefficient)
    assert removed_pre is not None
    coefficient = torch.cat(coefficients, dim=-1)
    gram = set_gram(terms, sets) if gram is None else gram
    square = square + torch.einsum("bki,kij,bkj->kb", coefficient, gram, coefficient)
    pre = removed_pre.neg_().add_(centred @ readout.weight.T)
    pre.mul_(readout.scale_from_square(square).unsqueeze(-1)).add_(readout.bias)
    ablated = readout.from_pre_activation(pre, inplace=True)
    return readout(residual).unsqueeze(0) - ablated


def frozen_effects(residual: torch.Tensor, terms: Sequence[ProjectedTerm], sets: torch.Tensor, readout: NormReadout) -> torch.Tensor:
    """Δ_S(x) (K, B) float64 through ``readout`` with its norm frozen at the clean input's statistics.

    pre_S = ρ(x)·(P x − Σ_{i∈S} coef_i · P d_i) + c with x the clean (centred) stream and d_i the
    uncentred directions (the frozen mean does not move): affine in the removed contribution, so
    a linear head gives exactly additive effects.
    """
    centred = readout.centre(residual, dim=-1)
    removed_pre = sum(torch.einsum("bks,ksm->kbm", term.coefficients[:, sets], term.raw_projected[sets]) for term in terms)
    pre = (centred @ readout.weight.T).unsqueeze(0) - removed_pre
    pre.mul_(readout.scale(centred)[None, :, None]).add_(readout.bias)
    return readout(residual).unsqueeze(0) - readout.from_pre_activation(pre, inplace=True)
