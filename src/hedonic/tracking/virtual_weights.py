"""Virtual weights from the MLP neurons of layer ℓ to those of layer ℓ+1 (spec §7).

The direct path from neuron i of layer ℓ to neuron j of layer ℓ+1 is i's write direction
``W_out^ℓ[:, i]`` (length d), carried by the residual stream through the norms that sit between
the two MLPs, and read by row j of an input projection of ℓ+1:

    W_p = W_in,p^{ℓ+1} · diag(γ^{ℓ+1}) · W_out^ℓ        (n_{ℓ+1} × n_ℓ), p = gate, up or fc.

What is folded, per family (γ = the norm's weight):

- LLaMA / Mistral (pre-RMSNorm): ``post_attention_layernorm`` of ℓ+1, the norm feeding its MLP.
  The attention of ℓ+1 (and its ``input_layernorm``) is a separate path and is ignored.
- GPT-NeoX / Pythia (parallel residual): the MLP of ℓ+1 reads ``post_attention_layernorm(x)`` of
  the block input, which holds ℓ's MLP output directly; that norm is folded, attention ignored.
- GPT-2 (pre-LN): ``ln_2`` of ℓ+1; ``ln_1`` and attention ignored.
- BERT (post-LN): two norms sit between the MLPs, both folded in order: ``output.LayerNorm`` of ℓ
  (γ_a), then ``attention.output.LayerNorm`` of ℓ+1 (γ_b):
  ``W = W_in^{ℓ+1} · diag(γ_b) · diag(γ_a) · W_out^ℓ``. The attention sub-layer of ℓ+1 (whose
  output is added before γ_b's norm) is ignored.

Always ignored: the input-dependent normaliser scale (1/rms or 1/σ, one positive scalar per
token), norm and projection biases (constant offsets), the nonlinearity of ℓ+1, and all paths
through attention or later layers. With ``center=True`` the mean subtraction of every
LayerNorm among the folded norms is folded as well (it is exactly linear: W_out's columns are
centred before that norm's γ is applied); RMSNorm has no mean subtraction.

Gated MLPs (LLaMA, Mistral) have two input projections. ``projection`` selects ``"gate"``,
``"up"``, or ``"both"``; ``"both"`` combines them entrywise as the root sum of squares
``sqrt(W_gate[j,i]² + W_up[j,i]²)``, the length of the change that a unit of a_i makes to the
pair (gate pre-activation, up pre-activation) of neuron j. For GPT-NeoX / GPT-2 / BERT the only
projection is ``"fc"`` (``"both"`` means the same).

:class:`VirtualMap` keeps the factors (read rows (n', d) and folded write columns (d, n)) and
builds any block of rows of W on demand, so the full n' × n matrix never has to exist.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import torch
from torch import nn

from hedonic.errors import ConfigError, ModelError
from hedonic.models.attributes import tensor

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter

BOTH: Final = "both"
"""Projection selector meaning every input projection of the family (combined as root sum of squares)."""


@dataclass(frozen=True)
class VirtualMap:
    """Factored virtual weights ``W_p = read[p] @ write`` of one layer pair.

    ``read``: selected input projections of ℓ+1 by short name, each (n', d); ``write``: W_out^ℓ
    with the in-between norms folded, (d, n); ``folded``: human-readable names of the folded norms.
    All tensors share one dtype and device.
    """

    read: Mapping[str, torch.Tensor]
    write: torch.Tensor
    folded: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.read:
            raise ConfigError("a virtual map needs at least one read projection")
        shapes = {tuple(weight.shape) for weight in self.read.values()}
        if len(shapes) != 1 or self.write.ndim != 2 or next(iter(shapes))[1] != self.write.shape[0]:
            raise ModelError(
                f"read weights {sorted(shapes)} do not compose with write weights {tuple(self.write.shape)}",
                hint="read projections must be (n', d) and the write matrix (d, n) with the same d",
            )

    @property
    def shape(self) -> tuple[int, int]:
        """(n', n): neurons of layer ℓ+1, neurons of layer ℓ."""
        return int(next(iter(self.read.values())).shape[0]), int(self.write.shape[1])

    def weights(
        self, rows: torch.Tensor | Sequence[int] | None = None, columns: torch.Tensor | Sequence[int] | None = None
    ) -> dict[str, torch.Tensor]:
        """Signed virtual weights per projection, restricted to ``rows`` (of ℓ+1) and ``columns`` (of ℓ).

        Returns {name: (len(rows), len(columns))}; ``None`` keeps all rows / columns.
        """
        write = self.write if columns is None else self.write[:, _index(columns, self.write.device)]
        return {name: (read if rows is None else read[_index(rows, read.device)]) @ write for name, read in self.read.items()}

    def magnitude(
        self, rows: torch.Tensor | Sequence[int] | None = None, columns: torch.Tensor | Sequence[int] | None = None
    ) -> torch.Tensor:
        """|W| on a block: root sum of squares over the projections, (len(rows), len(columns)) ≥ 0.

        With one projection this is ``|W_p|``.
        """
        first, *rest = self.weights(rows, columns).values()
        return functools.reduce(torch.hypot, rest, first.abs())

    def to(self, device: str | torch.device) -> VirtualMap:
        """The same map with its factors on ``device``."""
        return VirtualMap({k: v.to(device) for k, v in self.read.items()}, self.write.to(device), self.folded)


def _index(indices: torch.Tensor | Sequence[int], device: torch.device) -> torch.Tensor:
    return torch.as_tensor(indices, dtype=torch.long, device=device)


def folded_norms(adapter: ModelAdapter, layer: int) -> list[tuple[str, nn.Module]]:
    """The norms between the MLP of ``layer`` and the MLP of ``layer + 1``, in the order applied.

    Returns (name, module) pairs: for post-LN BERT the layer's own ``output.LayerNorm`` then
    ``attention.output.LayerNorm`` of the next layer; for the pre-norm decoders the next layer's
    MLP norm only. Raises :class:`ModelError` when ``layer`` is the last layer.
    """
    layer = adapter.check_layer(layer)
    if layer + 1 >= adapter.num_layers:
        raise ModelError(
            f"layer {layer} is the last of {adapter.num_layers}: there is no layer {layer + 1} to track into",
            hint=f"track layer pairs ℓ → ℓ+1 with ℓ between 0 and {adapter.num_layers - 2}",
        )
    family = adapter.family
    norms = []
    if family.layer_norm_after is not None:
        norms.append((f"layer {layer} {family.layer_norm_after}", adapter.block(layer).get_submodule(family.layer_norm_after)))
    norms.append((f"layer {layer + 1} {family.mlp_norm}", adapter.mlp_norm(layer + 1)))
    return norms


def fold_write(write: torch.Tensor, gammas: Sequence[torch.Tensor], centers: Sequence[bool]) -> torch.Tensor:
    """Apply norms to write directions: for each norm in order, centre (optional) then scale by γ.

    ``write`` (d, n) columns are write directions; each γ is (d,). Centring subtracts the mean over
    the d rows, i.e. multiplies by (I − 11ᵀ/d). Returns a new (d, n) tensor.
    """
    folded = write
    for gamma, center in zip(gammas, centers, strict=True):
        if center:
            folded = folded - folded.mean(dim=0, keepdim=True)
        folded = gamma[:, None] * folded
    return folded


def select_projections(adapter: ModelAdapter, projection: str) -> list[str]:
    """Short names of the input projections selected by ``projection`` (a name or ``"both"``)."""
    names = [name for name, _ in adapter.family.in_projs]
    if projection == BOTH:
        return names
    if projection not in names:
        raise ConfigError(
            f"projection {projection!r} does not exist in {adapter.family.name} MLPs",
            hint=f"pick one of {', '.join([*names, BOTH])}",
        )
    return [projection]


def virtual_map(
    adapter: ModelAdapter,
    layer: int,
    *,
    projection: str = BOTH,
    center: bool = False,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device | None = None,
) -> VirtualMap:
    """Factored virtual weights from the neurons of ``layer`` to those of ``layer + 1``.

    ``projection``: ``"gate"``, ``"up"``, ``"fc"`` or ``"both"`` (see the module docstring);
    ``center``: also fold LayerNorm mean subtraction. Factors are copied to ``dtype`` on
    ``device`` (default: the model's). Memory: (selected projections + 1) × d × n values.
    """
    layer = adapter.check_layer(layer)
    norms = folded_norms(adapter, layer)
    names = select_projections(adapter, projection)
    device = adapter.device if device is None else torch.device(device)
    gammas = [tensor(module, "weight").detach().to(device, dtype) for _, module in norms]
    centers = [center and isinstance(module, nn.LayerNorm) for _, module in norms]
    write = fold_write(adapter.w_out(layer).to(device, dtype), gammas, centers)
    read_weights = adapter.w_in(layer + 1)
    read = {name: read_weights[name].to(device, dtype) for name in names}
    folded = tuple(f"{name} ({'centred, ' if c else ''}γ)" for (name, _), c in zip(norms, centers, strict=True))
    return VirtualMap(read, write, folded)


def virtual_weights(
    adapter: ModelAdapter,
    layer: int,
    *,
    projection: str = BOTH,
    center: bool = False,
    dtype: torch.dtype = torch.float32,
) -> dict[str, torch.Tensor]:
    """Dense signed virtual weights {projection: (n_{ℓ+1}, n_ℓ)} of ``layer`` → ``layer + 1``.

    Holds the full matrices: for small models and inspection. Large layers should use
    :func:`virtual_map` and its blocks instead.
    """
    return virtual_map(adapter, layer, projection=projection, center=center, dtype=dtype).weights()
