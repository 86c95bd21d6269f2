"""Norm freezing: every norm from the analysed layer to the readout held at its clean scale (spec §6).

A LayerNorm maps a token's state x (d,) to γ ⊙ (x − μ(x)) · ρ(x) + β with μ the mean of x and
ρ(x) = (var(x) + ε)^(-1/2); an RMSNorm to γ ⊙ x · ρ(x) with ρ(x) = (mean(x²) + ε)^(-1/2). Both are
nonlinear in x only through μ and ρ. *Freezing* a norm replaces μ(x) and ρ(x) of the ablated
state by those of the same input's clean state, token by token, which makes the norm affine in x.
With every norm from the analysed layer ℓ to the readout frozen, the ``local`` readout of a
linear-head family (LLaMA, Mistral, GPT-NeoX, GPT-2) is affine in the residual stream after ℓ
and its pairwise synergy is exactly 0; the ``model`` readout's synergy is then what the later
blocks compute (attention, MLP activations, a BERT pooler's tanh), and the difference to the
free readout is the norms' coupling.

Norms frozen (:func:`downstream_norms`): every LayerNorm / LLaMA-style RMSNorm inside blocks
ℓ+1..L−1, the final norm (decoders), and, for BERT (post-norm blocks), block ℓ's own closing
LayerNorm, which the residual stream after ℓ's MLP passes through.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import torch
from torch import nn

from hedonic.ablation.hooks import swapped_forwards
from hedonic.errors import ModelError
from hedonic.models.attributes import number, optional_tensor, tensor

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter

NormKind = Literal["layer", "rms"]


def norm_kind(module: nn.Module) -> NormKind | None:
    """``"layer"`` for a 1-D :class:`torch.nn.LayerNorm`, ``"rms"`` for a LLaMA-style RMSNorm (``weight``,
    ``variance_epsilon``), None for any other module."""
    if isinstance(module, nn.LayerNorm) and len(module.normalized_shape) == 1:
        return "layer"
    if type(module).__name__.endswith("RMSNorm") and hasattr(module, "variance_epsilon") and hasattr(module, "weight"):
        return "rms"
    return None


def downstream_norms(adapter: ModelAdapter, layer: int) -> list[nn.Module]:
    """The norms a state written at ``layer`` passes through on its way to the readout, in forward order."""
    layer = adapter.check_layer(layer)
    modules: list[nn.Module] = []
    module, port = adapter.residual_site(layer)
    if port == "input":
        modules.append(module)
    for later in range(layer + 1, adapter.num_layers):
        modules.extend(m for m in adapter.block(later).modules() if norm_kind(m) is not None)
    if adapter.family.final_norm is not None:
        modules.append(adapter.model.get_submodule(adapter.family.final_norm))
    return modules


def check_freezable(adapter: ModelAdapter, layer: int) -> None:
    """Raise :class:`ModelError` when a block after ``layer`` holds a norm-like module of a kind that cannot be frozen."""
    for later in range(adapter.check_layer(layer) + 1, adapter.num_layers):
        for module in adapter.block(later).modules():
            if norm_kind(module) is None and "norm" in type(module).__name__.lower() and not list(module.children()):
                raise ModelError(
                    f"cannot freeze the norm {type(module).__name__} of block {later}: only LayerNorm and "
                    "LLaMA-style RMSNorm are supported",
                    hint="run without freeze_norms for this architecture",
                )


@dataclass(frozen=True)
class NormScale:
    """One norm's clean statistics per token: ``rstd`` ρ (B, T) and, for LayerNorm, ``mean`` μ (B, T) (None for RMSNorm).

    Computed in the dtype the module computes in (float32 for an RMSNorm, the input's otherwise).
    """

    rstd: torch.Tensor
    mean: torch.Tensor | None

    def repeat(self, times: int) -> NormScale:
        """The statistics of a batch stacked ``times`` times along the batch axis (as :meth:`TokenBatch.repeat`)."""
        return NormScale(self.rstd.repeat(times, 1), None if self.mean is None else self.mean.repeat(times, 1))


def clean_scale(module: nn.Module, states: torch.Tensor) -> NormScale:
    """The statistics ``module`` computes for its input ``states`` (B, T, d): see :class:`NormScale`."""
    if norm_kind(module) == "rms":
        variance = states.to(torch.float32).pow(2).mean(-1)
        return NormScale(torch.rsqrt(variance + number(module, "variance_epsilon")), None)
    mean = states.mean(-1)
    variance = (states - mean.unsqueeze(-1)).pow(2).mean(-1)
    return NormScale(torch.rsqrt(variance + number(module, "eps")), mean)


def frozen_norm(module: nn.Module, states: torch.Tensor, scale: NormScale) -> torch.Tensor:
    """``module`` applied to ``states`` (R, T, d) with μ and ρ taken from ``scale`` instead of from ``states``.

    RMSNorm: γ ⊙ (x · ρ) in float32, cast back as the module does; LayerNorm: γ ⊙ (x − μ) · ρ + β.
    ``scale`` may cover only the first T' ≥ 1 rows' tokens broadcastably ((R, T) or (R, 1)).
    """
    if norm_kind(module) == "rms":
        normed = states.to(torch.float32) * scale.rstd.unsqueeze(-1)
        return tensor(module, "weight") * normed.to(states.dtype)
    assert scale.mean is not None
    normed = (states - scale.mean.unsqueeze(-1).to(states.dtype)) * scale.rstd.unsqueeze(-1).to(states.dtype)
    weight, bias = optional_tensor(module, "weight"), optional_tensor(module, "bias")
    if weight is not None:
        normed = normed * weight
    return normed + bias if bias is not None else normed


@contextmanager
def recorded_scales(modules: list[nn.Module]) -> Iterator[list[NormScale | None]]:
    """Within the block, each forward pass records every module's clean :class:`NormScale` (the last pass wins).

    Yields a list aligned with ``modules`` (None until a pass has run them). Hooks are removed on exit.
    """
    found: list[NormScale | None] = [None] * len(modules)

    def keep(index: int, module: nn.Module, args: tuple[Any, ...]) -> None:
        found[index] = clean_scale(module, args[0].detach())

    handles = [m.register_forward_pre_hook(lambda mod, args, k=k: keep(k, mod, args)) for k, m in enumerate(modules)]
    try:
        yield found
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def frozen(modules: list[nn.Module], scales: list[NormScale]) -> Iterator[None]:
    """Within the block, every module of ``modules`` computes :func:`frozen_norm` with its entry of ``scales``.

    The scales' batch axis must match the rows of the forward (use :meth:`NormScale.repeat` for a
    stacked batch). The modules' ``forward`` is restored on exit, also on error, including a wrapper
    set on the instance (accelerate's device hooks).
    """
    forwards = [
        (module, lambda states, *_a, _m=module, _s=scale, **_k: frozen_norm(_m, states, _s))
        for module, scale in zip(modules, scales, strict=True)
    ]
    with swapped_forwards(forwards):
        yield
