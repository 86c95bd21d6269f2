"""The ``local`` and ``linear`` readouts as explicit float64 parameters, for the pairwise closed forms.

Every supported readout of the residual stream h (d,) at the readout token has the form

    f(h) = w_o · act(ρ(x) · P x + c) + b_o,    x = h (RMSNorm, none) or h − mean(h) (LayerNorm),
    ρ(x) = (‖x‖²/d + ε)^(-1/2)  (RMSNorm, LayerNorm),  ρ ≡ 1 (no norm: the ``linear`` readout),

with P (m, d) the first head stage times the norm's weight γ (P = W diag(γ)), c = W β + b its
bias (β the LayerNorm bias), ``act`` tanh (a BERT pooler) or the identity, and (w_o (m,), b_o)
the final score stage. Decoders (LLaMA, Mistral, GPT-NeoX, GPT-2): m = 1, identity, w_o = 1.
BERT: P = pooler dense · diag(γ) (m = d), tanh, then the classifier. This matches
:meth:`ModelAdapter.local_readout` with ε exactly as the norm module adds it (to the mean square,
resp. the biased variance); the LLaMA/Mistral RMSNorm module rounds through float32, this form
does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from hedonic.errors import ModelError
from hedonic.models import HeadStage, ModelAdapter

NormKind = Literal["rms", "layer", "none"]


@dataclass(frozen=True)
class NormReadout:
    """f(h) = out_weight · act(ρ(x) · weight @ x + bias) + out_bias (see the module docstring).

    ``norm``: ``"rms"``, ``"layer"`` (x = h − mean h) or ``"none"`` (ρ ≡ 1); ``eps`` the norm's ε;
    ``weight`` (m, d), ``bias`` (m,), ``out_weight`` (m,) float64 tensors on one device;
    ``activation`` ``"tanh"`` or None; ``out_bias`` a float (logit units).
    """

    norm: NormKind
    eps: float
    weight: torch.Tensor
    bias: torch.Tensor
    activation: Literal["tanh"] | None
    out_weight: torch.Tensor
    out_bias: float

    @property
    def hidden_size(self) -> int:
        """d, the width of the residual stream."""
        return int(self.weight.shape[1])

    @property
    def affine(self) -> bool:
        """True when f is affine in h (no norm, no tanh): every pairwise synergy is exactly zero."""
        return self.norm == "none" and self.activation is None

    @property
    def centred(self) -> bool:
        """True for LayerNorm: the readout sees h − mean(h) only."""
        return self.norm == "layer"

    def to(self, device: str | torch.device) -> NormReadout:
        """The same readout with its tensors on ``device``."""
        return NormReadout(
            self.norm,
            self.eps,
            self.weight.to(device),
            self.bias.to(device),
            self.activation,
            self.out_weight.to(device),
            self.out_bias,
        )

    def centre(self, vectors: torch.Tensor, dim: int) -> torch.Tensor:
        """``vectors`` with their mean along ``dim`` (the hidden axis) removed for LayerNorm, else unchanged."""
        return vectors - vectors.mean(dim=dim, keepdim=True) if self.centred else vectors

    def scale(self, centred: torch.Tensor) -> torch.Tensor:
        """ρ(x) = (‖x‖²/d + ε)^(-1/2) for x (..., d) → (...); ones without a norm."""
        return self.scale_from_square(centred.pow(2).sum(-1))

    def scale_from_square(self, square: torch.Tensor) -> torch.Tensor:
        """ρ from ‖x‖² (...) → (...): (‖x‖²/d + ε)^(-1/2), ones without a norm."""
        if self.norm == "none":
            return torch.ones_like(square)
        return torch.rsqrt(square / self.hidden_size + self.eps)

    def from_pre_activation(self, pre: torch.Tensor, *, inplace: bool = False) -> torch.Tensor:
        """The score w_o · act(z) + b_o (...) for pre-activations z (..., m); ``inplace`` may overwrite z."""
        if self.activation == "tanh":
            pre = pre.tanh_() if inplace else torch.tanh(pre)
        return pre @ self.out_weight + self.out_bias

    def __call__(self, hidden: torch.Tensor, clean: torch.Tensor | None = None) -> torch.Tensor:
        """f(h) (...) float64 for residual streams h (..., d).

        ``clean`` (..., d): freeze the norm at these states' statistics (their mean for LayerNorm and
        their ρ), which makes f affine in h up to the activation: f(h) = w_o·act(ρ(x_c)·P(h − μ_c) + c) + b_o.
        """
        hidden = hidden.to(self.weight.device, torch.float64)
        if clean is None:
            x = self.centre(hidden, dim=-1)
            scale = self.scale(x)
        else:
            clean = clean.to(self.weight.device, torch.float64)
            x = hidden - clean.mean(dim=-1, keepdim=True) if self.centred else hidden
            scale = self.scale(self.centre(clean, dim=-1))
        pre = scale[..., None] * (x @ self.weight.T) + self.bias
        return self.from_pre_activation(pre)


def norm_readout(
    adapter: ModelAdapter, layer: int, readout: Literal["local", "linear"] = "local", device: torch.device | None = None
) -> NormReadout:
    """The float64 parameters of readout ``readout`` of ``layer``, on ``device`` (default the layer's device).

    The layer's states and the head may live on different devices (a model with a device map):
    the head's few parameters are copied to where the layer's states are.

    ``local``: head(readout_norm(h)) (:meth:`ModelAdapter.local_readout`); ``linear``: the head's
    affine stages without norm and tanh (:meth:`ModelAdapter.linear_readout`). Raises
    :class:`ModelError` for a norm other than LayerNorm / LLaMA-style RMSNorm or a head other than
    affine stages with at most one tanh.
    """
    stages = adapter.head_parts()
    device = adapter.layer_device(layer) if device is None else device
    if readout == "linear":
        weight, bias = _compose([HeadStage(stage.weight, stage.bias, None) for stage in stages], adapter.hidden_size, device)
        return _readout("none", 0.0, weight, bias, None, None, device)
    norm, eps, gamma, beta = _norm_parameters(adapter.readout_norm(layer), device)
    tanh_at = [k for k, stage in enumerate(stages) if stage.activation == "tanh"]
    if len(tanh_at) > 1 or stages[-1].activation is not None:
        raise ModelError(
            "the head has more than one tanh stage or ends in one; the closed form needs affine stages with at "
            "most one tanh before the score",
            hint="use the 'model' readout for this head",
        )
    split = tanh_at[0] + 1 if tanh_at else len(stages)
    first_weight, first_bias = _compose(stages[:split], adapter.hidden_size, device)
    weight = first_weight * gamma
    bias = first_bias + first_weight @ beta
    final = _compose(stages[split:], weight.shape[0], device) if tanh_at else None
    return _readout(norm, eps, weight, bias, "tanh" if tanh_at else None, final, device)


def _readout(
    norm: NormKind,
    eps: float,
    weight: torch.Tensor,
    bias: torch.Tensor,
    activation: Literal["tanh"] | None,
    final: tuple[torch.Tensor, torch.Tensor] | None,
    device: torch.device,
) -> NormReadout:
    if final is None:
        out_weight, out_bias = torch.ones(1, dtype=torch.float64, device=device), 0.0
    else:
        out_weight, out_bias = final[0][0], float(final[1][0])
    return NormReadout(norm, eps, weight, bias, activation, out_weight, out_bias).to(device)


def _compose(stages: list[HeadStage], width: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Affine stages (activations ignored) composed into (W (out, width), b (out,)) float64 on ``device``."""
    weight = torch.eye(width, dtype=torch.float64, device=device)
    bias = torch.zeros(width, dtype=torch.float64, device=device)
    for stage in stages:
        stage_weight = stage.weight.detach().to(device, torch.float64)
        stage_bias = 0.0 if stage.bias is None else stage.bias.detach().to(device, torch.float64)
        weight, bias = stage_weight @ weight, stage_weight @ bias + stage_bias
    return weight, bias


def _norm_parameters(module: nn.Module, device: torch.device) -> tuple[NormKind, float, torch.Tensor, torch.Tensor]:
    """(kind, ε, γ (d,), β (d,)) float64 on ``device`` of a LayerNorm or LLaMA-style RMSNorm module."""
    weight = getattr(module, "weight", None)
    if isinstance(module, nn.LayerNorm) and len(module.normalized_shape) == 1:
        width = module.normalized_shape[0]
        ones = torch.ones(width, dtype=torch.float64, device=device)
        gamma = ones if weight is None else weight.detach().to(device, torch.float64)
        beta = torch.zeros_like(ones) if module.bias is None else module.bias.detach().to(device, torch.float64)
        return "layer", float(module.eps), gamma, beta
    eps = getattr(module, "variance_epsilon", None)
    if weight is not None and eps is not None and type(module).__name__.endswith("RMSNorm"):
        gamma = weight.detach().to(device, torch.float64)
        return "rms", float(eps), gamma, torch.zeros_like(gamma)
    raise ModelError(
        f"no closed form for the readout norm {type(module).__name__} (expected LayerNorm or a LLaMA-style RMSNorm)",
        hint="use the 'model' readout for this architecture",
    )
