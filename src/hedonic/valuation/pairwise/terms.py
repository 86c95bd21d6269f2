"""Per-neuron and per-input terms shared by the pairwise closed forms (exact synergy and Hessian).

For a :class:`NormReadout` f and the analysed neurons' write directions D (d, n), ablating a set
S at the readout token turns the residual h into h − Σ_{i∈S} a_i d_i. With x the (centred, for
LayerNorm) residual and d̃_i the (centred) directions, the readout's normaliser is

    M_S = ‖x − Σ_S a_i d̃_i‖²/d + ε = k + Σ_{i∈S} e_i + Σ_{i<j∈S} α_i α_j G̃_ij,

    k = ‖x‖²/d + ε,  e_i = (a_i² G̃_ii − 2 a_i x·d̃_i)/d,  α_i = a_i √(2/d),  G̃ = D̃ᵀD̃,

and ρ_S = M_S^(-1/2); the pre-activation is z_S = ρ_S (u − Σ_S a_i E_i) + c with u = P x and
E_i = P d̃_i. Without a norm (the ``linear`` readout) M_S ≡ 1. Everything is float64.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from hedonic.errors import ModelError, NumericalError

if TYPE_CHECKING:
    from hedonic.ablation.norm_readout import NormReadout


@dataclass(frozen=True)
class NeuronGeometry:
    """The analysed neurons as the closed forms see them, computed once per layer.

    ``directions`` (d, n): D̃, the write directions (centred over the hidden axis for LayerNorm);
    ``gram`` (n, n): G̃ = D̃ᵀD̃; ``projected`` (n, m): row i is E_i = P d̃_i. All float64 on the
    readout's device.
    """

    readout: NormReadout
    directions: torch.Tensor
    gram: torch.Tensor
    projected: torch.Tensor

    @property
    def n(self) -> int:
        """Number of analysed neurons."""
        return int(self.directions.shape[1])


def neuron_geometry(readout: NormReadout, w_out: torch.Tensor) -> NeuronGeometry:
    """Centre the directions ``w_out`` (d, n) as the readout does and form G̃ (n, n) and E (n, m).

    Costs one (n, d) × (d, n) product. Raises :class:`ModelError` when ``w_out`` is not (d, n)
    with the readout's d.
    """
    if w_out.ndim != 2 or w_out.shape[0] != readout.hidden_size:
        raise ModelError(
            f"write directions must be (d={readout.hidden_size}, n), got shape {tuple(w_out.shape)}",
            hint="pass ModelAdapter.w_out(layer), or its columns of the analysed neurons",
        )
    device = readout.weight.device
    directions = readout.centre(w_out.detach().to(device, torch.float64), dim=0)
    return NeuronGeometry(readout, directions, directions.T @ directions, (readout.weight @ directions).T.contiguous())


@dataclass(frozen=True)
class InputTerms:
    """The per-input terms of B inputs (float64, on the geometry's device; see the module docstring).

    ``activations`` a (B, n); ``overlap`` p_i = a_i x·d̃_i (B, n); ``base`` k (B,); ``shift`` e (B, n);
    ``cross`` α (B, n); ``pre`` u = P x (B, m).
    """

    activations: torch.Tensor
    overlap: torch.Tensor
    base: torch.Tensor
    shift: torch.Tensor
    cross: torch.Tensor
    pre: torch.Tensor

    def __len__(self) -> int:
        return int(self.activations.shape[0])


def check_inputs(geometry: NeuronGeometry, residual: torch.Tensor, activations: torch.Tensor) -> None:
    """Raise unless residual is (B, d) and activations (B, n) for the geometry, all finite.

    :class:`ModelError` for shapes, :class:`NumericalError` for NaN or infinite values.
    """
    readout = geometry.readout
    if residual.ndim != 2 or activations.ndim != 2 or residual.shape[0] != activations.shape[0]:
        raise ModelError(
            f"expected residual (B, d) and activations (B, n) for the same inputs, got {tuple(residual.shape)} "
            f"and {tuple(activations.shape)}",
            hint="pass the readout-token rows (hedonic.stats.at_readout) of one batch",
        )
    if residual.shape[1] != readout.hidden_size or activations.shape[1] != geometry.n:
        raise ModelError(
            f"residual width {residual.shape[1]} / {activations.shape[1]} activations do not match d={readout.hidden_size}, n={geometry.n}",
            hint="pass the activations of exactly the neurons whose directions built the geometry",
        )
    if not (torch.isfinite(residual).all() and torch.isfinite(activations).all()):
        raise NumericalError(
            "non-finite residual or activations at the readout token",
            hint="check the model's dtype (fp16 overflows) and the inputs",
        )


def input_terms(geometry: NeuronGeometry, residual: torch.Tensor, activations: torch.Tensor) -> InputTerms:
    """Terms of B inputs from their residual stream h (B, d) and activations a (B, n) at the readout token.

    Costs one (B, d) × (d, n) product. Raises as :func:`check_inputs` does.
    """
    check_inputs(geometry, residual, activations)
    readout = geometry.readout
    device = geometry.directions.device
    x = readout.centre(residual.to(device, torch.float64), dim=1)
    a = activations.to(device, torch.float64)
    width = readout.hidden_size
    overlap = a * (x @ geometry.directions)
    if readout.norm == "none":
        base = torch.ones(len(a), dtype=torch.float64, device=device)
        shift = torch.zeros_like(a)
        cross = torch.zeros_like(a)
    else:
        base = x.pow(2).mean(1) + readout.eps
        shift = (a.pow(2) * torch.diagonal(geometry.gram) - 2 * overlap) / width
        cross = a * math.sqrt(2 / width)
    return InputTerms(a, overlap, base, shift, cross, x @ readout.weight.T)


def row_chunks(count: int, size: int) -> Iterator[slice]:
    """Consecutive slices of at most ``size`` rows covering 0..count-1."""
    for start in range(0, count, max(1, size)):
        yield slice(start, min(count, start + max(1, size)))


def upper_blocks(n: int, block: int) -> Iterator[tuple[slice, slice]]:
    """Block pairs (I, J) with I's start ≤ J's start, tiling the upper triangle of an n×n matrix."""
    starts = range(0, n, block)
    for i in starts:
        for j in starts:
            if j >= i:
                yield slice(i, min(n, i + block)), slice(j, min(n, j + block))


def mirror_upper(matrix: torch.Tensor, block: int) -> torch.Tensor:
    """Copy the upper triangle onto the lower one, in place and block by block, and zero the diagonal.

    No second n×n matrix is allocated. Returns ``matrix`` (exactly symmetric).
    """
    for rows, cols in upper_blocks(matrix.shape[0], block):
        if rows == cols:
            upper = torch.triu(matrix[rows, cols], diagonal=1)
            matrix[rows, cols] = upper + upper.T
        else:
            matrix[cols, rows] = matrix[rows, cols].T
    return matrix


def symmetrise(matrix: torch.Tensor, block: int) -> torch.Tensor:
    """Replace ``matrix`` by (M + Mᵀ)/2 in place, block by block, and zero the diagonal. Returns it."""
    for rows, cols in upper_blocks(matrix.shape[0], block):
        mean = (matrix[rows, cols] + matrix[cols, rows].T) / 2
        matrix[rows, cols] = mean
        matrix[cols, rows] = mean.T
    matrix.fill_diagonal_(0.0)
    return matrix
