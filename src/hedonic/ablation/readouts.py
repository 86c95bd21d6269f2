"""The readouts f that turn a (possibly ablated) model state into one score (spec §6).

- ``local``: the score head applied to the readout norm of the residual stream right after the
  analysed layer, at the readout token (logit-lens style; :meth:`ModelAdapter.local_readout`).
  Nonlinear through the norm (and a BERT pooler's tanh), so ablation effects need not add up.
- ``model``: the model's own output logit; the layers after the analysed one run.
- ``linear``: the head's affine stages without norm and tanh (:meth:`ModelAdapter.linear_readout`).
  Exactly affine in the residual stream, so every pairwise synergy through it is zero: the
  readout of the paper's published evaluation, kept as a control.

``local`` and ``linear`` are functions of the residual stream at the readout token alone and are
evaluated here in float64 from the model's parameters (no model forward), which makes the closed
form ablation exact to float64 rounding whatever the model's dtype.
"""

from __future__ import annotations

from collections.abc import Callable
import torch
from torch import nn
from torch.nn import functional as F

from hedonic.errors import ConfigError, ModelError
from hedonic.models import ModelAdapter

READOUTS: tuple[str, ...] = ("local", "model", "linear")
"""Readout names, in the order the CLI lists them."""
CLOSED_FORM_READOUTS: tuple[str, ...] = ("local", "linear")
"""Readouts that depend on the residual stream at the readout token only (closed-form ablation)."""

ResidualReadout = Callable[[torch.Tensor], torch.Tensor]
"""A function from residual streams (..., d) float64 to scores (...) float64."""


def check_readout(name: str) -> str:
    """Return ``name`` if it is one of :data:`READOUTS`; :class:`ConfigError` otherwise."""
    if name not in READOUTS:
        raise ConfigError(
            f"unknown readout {name!r}",
            hint=f"pick one of {', '.join(READOUTS)} (local: head on the normed residual after the layer; "
            "model: the model's own logit; linear: head without norm, the additive control)",
        )
    return name


def residual_readout(adapter: ModelAdapter, layer: int, name: str) -> ResidualReadout:
    """The float64 function f(h) of readout ``name`` (``local`` or ``linear``) for ``layer``.

    The returned function maps residual streams h (..., d) float64, on the model's device, to
    scores (...) float64 in logit units. ``local`` is head(readout_norm(h)) with the norm and head
    parameters copied to float64; ``linear`` is the composed affine head. Raises
    :class:`ConfigError` for ``model`` (not a function of the residual stream at one layer) and
    unknown names.
    """
    check_readout(name)
    if name not in CLOSED_FORM_READOUTS:
        raise ConfigError(
            f"the {name!r} readout runs the later layers and has no closed form",
            hint=f"use one of {', '.join(CLOSED_FORM_READOUTS)} here, or the ablation engine for 'model'",
        )
    if name == "linear":
        return adapter.linear_readout()
    norm = float64_norm(adapter.readout_norm(layer))
    head = float64_head(adapter)
    return lambda hidden: head(norm(hidden))


def float64_norm(module: nn.Module) -> ResidualReadout:
    """A float64 copy of a LayerNorm or RMSNorm module: (..., d) float64 → (..., d) float64.

    RMSNorm (LLaMA, Mistral): h · rsqrt(mean(h²) + eps) · weight, computed entirely in float64
    (the module itself rounds through float32). Raises :class:`ModelError` for other norms.
    """
    weight = _float64(getattr(module, "weight", None))
    if isinstance(module, nn.LayerNorm):
        bias = _float64(module.bias)
        shape, eps = module.normalized_shape, module.eps
        return lambda hidden: F.layer_norm(hidden, shape, _on(weight, hidden), _on(bias, hidden), eps)
    eps = getattr(module, "variance_epsilon", None)
    if weight is not None and eps is not None and type(module).__name__.endswith("RMSNorm"):

        def rms_norm(hidden: torch.Tensor) -> torch.Tensor:
            scale = torch.rsqrt(hidden.pow(2).mean(-1, keepdim=True) + eps)
            return hidden * scale * _on(weight, hidden)

        return rms_norm
    raise ModelError(
        f"cannot evaluate the norm {type(module).__name__} in closed form (expected LayerNorm or a "
        "LLaMA-style RMSNorm)",
        hint="use the 'model' readout for this architecture",
    )


def float64_head(adapter: ModelAdapter) -> ResidualReadout:
    """The model's head (:meth:`ModelAdapter.head_parts`) in float64: normed (..., d) → logit (...)."""
    stages = [
        (_float64(stage.weight), _float64(stage.bias), stage.activation == "tanh") for stage in adapter.head_parts()
    ]

    def apply(hidden: torch.Tensor) -> torch.Tensor:
        for weight, bias, tanh in stages:
            hidden = F.linear(hidden, _on(weight, hidden), _on(bias, hidden))
            if tanh:
                hidden = torch.tanh(hidden)
        return hidden.squeeze(-1)

    return apply


def _float64(tensor: torch.Tensor | None) -> torch.Tensor | None:
    return None if tensor is None else tensor.detach().to(torch.float64)


def _on(tensor: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor | None:
    return None if tensor is None else tensor.to(like.device)
