"""The readouts f that turn a (possibly ablated) model state into one score (spec §6).

- ``local``: the score head applied to the readout norm of the residual stream right after the
  analysed layer, at the readout token (logit-lens style; :meth:`ModelAdapter.local_readout`).
  Nonlinear through the norm (and a BERT pooler's tanh), so ablation effects need not add up.
- ``model``: the model's own output logit; the layers after the analysed one run.
- ``linear``: the head's affine stages without norm and tanh (:meth:`ModelAdapter.linear_readout`).
  Exactly affine in the residual stream, so every pairwise synergy through it is zero: the
  readout of the paper's published evaluation, kept as a control.

``local`` and ``linear`` are functions of the residual stream at the readout token alone and are
evaluated in float64 from the model's parameters (:mod:`~hedonic.ablation.norm_readout`, no model
forward), which makes the closed form ablation exact to float64 rounding whatever the model's dtype.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hedonic.ablation.norm_readout import NormReadout, norm_readout
from hedonic.errors import ConfigError

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter

READOUTS: tuple[str, ...] = ("local", "model", "linear")
"""Readout names, in the order the CLI lists them."""
CLOSED_FORM_READOUTS: tuple[str, ...] = ("local", "linear")
"""Readouts that depend on the residual stream at the readout token only (closed-form ablation)."""


def check_readout(name: str) -> str:
    """Return ``name`` if it is one of :data:`READOUTS`; :class:`ConfigError` otherwise."""
    if name not in READOUTS:
        raise ConfigError(
            f"unknown readout {name!r}",
            hint=f"pick one of {', '.join(READOUTS)} (local: head on the normed residual after the layer; "
            "model: the model's own logit; linear: head without norm, the additive control)",
        )
    return name


def residual_readout(adapter: ModelAdapter, layer: int, name: str) -> NormReadout:
    """The float64 readout f(h) of ``name`` (``local`` or ``linear``) for ``layer``.

    A :class:`~hedonic.ablation.norm_readout.NormReadout`: callable on residual streams h (..., d),
    returning scores (...) float64 in logit units, on the layer's device; ``local`` is
    head(readout_norm(h)) with the norm and head parameters in float64, ``linear`` the composed
    affine head. Raises :class:`ConfigError` for ``model`` (not a function of the residual stream
    at one layer) and unknown names, :class:`~hedonic.errors.ModelError` for norms or heads
    without a closed form.
    """
    check_readout(name)
    if name not in CLOSED_FORM_READOUTS:
        raise ConfigError(
            f"the {name!r} readout runs the later layers and has no closed form",
            hint=f"use one of {', '.join(CLOSED_FORM_READOUTS)} here, or the ablation engine for 'model'",
        )
    return norm_readout(adapter, layer, "local" if name == "local" else "linear")
