"""Per-batch cache of one layer's states, from which any ablation of that layer is evaluated.

Ablating a set S of neurons of layer ℓ leaves everything before ℓ unchanged and subtracts
Σ_{i∈S} c_i from the residual stream right after ℓ, on every token, where c_i is neuron i's
removed contribution: a_i d_i in mode ``zero``, a_i d_i − a_i^base d_i^base in mode ``pre-lora``
(a activations, d_i column i of W_out). The cache holds the residual stream and the terms of c
once per input batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

from hedonic.ablation.modes import base_in_parameters, base_mlp_weights, check_mode
from hedonic.ablation.norms import NormScale, downstream_norms, recorded_scales
from hedonic.errors import ModelError
from hedonic.models import OUT_PROJ, ModelAdapter, TokenBatch
from hedonic.stats import at_readout, hooked_states


@dataclass(frozen=True)
class Contribution:
    """One term of the removed contributions: c_i = coefficients[..., i] · directions[:, i].

    ``coefficients`` (..., n + 1) and ``directions`` (d, n + 1) end with a zero column, so that
    the padding id −1 of a padded set array indexes a neuron that contributes nothing.
    """

    coefficients: torch.Tensor
    directions: torch.Tensor

    @classmethod
    def of(cls, coefficients: torch.Tensor, directions: torch.Tensor) -> Contribution:
        """Pad ``coefficients`` (..., n) and ``directions`` (d, n) with the zero column."""
        return cls(F.pad(coefficients, (0, 1)), F.pad(directions, (0, 1)))


@dataclass(frozen=True)
class LayerCache:
    """States of ``layer`` for one input batch (B inputs, T tokens, d hidden, n neurons).

    - ``batch``: the inputs, on the model's device;
    - ``clean_logits`` (B,): the model's own output logit, float64;
    - ``residual`` (B, d) float64 and ``terms`` (coefficients (B, n + 1) float64): the residual
      stream after the layer and the removed-contribution terms at the readout token, for the
      closed-form readouts;
    - ``token_residual`` (B, T, d) and ``token_terms`` (coefficients (B, T, n + 1)) in the model's
      dtype, for the ``model`` readout (None when not kept);
    - ``norm_scales``: the clean statistics of every norm from the layer to the readout
      (:func:`~hedonic.ablation.norms.downstream_norms`, in that order), for the ``model`` readout
      with frozen norms (None when token states are not kept).
    """

    layer: int
    mode: str
    batch: TokenBatch
    clean_logits: torch.Tensor
    residual: torch.Tensor
    terms: tuple[Contribution, ...]
    token_residual: torch.Tensor | None
    token_terms: tuple[Contribution, ...] | None
    norm_scales: tuple[NormScale, ...] | None = None

    def __len__(self) -> int:
        return len(self.batch)

    def token_states(self, needed_by: str) -> tuple[torch.Tensor, tuple[Contribution, ...]]:
        """(``token_residual``, ``token_terms``); :class:`ModelError` naming ``needed_by`` when the cache kept none."""
        if self.token_residual is None or self.token_terms is None:
            raise ModelError(
                f"the layer cache holds no token states, which {needed_by} needs", hint="build the cache with token_states=True"
            )
        return self.token_residual, self.token_terms


def build_cache(
    adapter: ModelAdapter,
    batch: TokenBatch,
    layer: int,
    mode: str = "zero",
    *,
    token_states: bool = True,
    like: LayerCache | None = None,
) -> LayerCache:
    """Run the model on ``batch`` once (twice for ``pre-lora``) and cache ``layer``'s states.

    The second pass of ``pre-lora`` runs with the layer's input projections set to their base
    weights to obtain a^base on every token. ``token_states=False`` keeps only the readout-token
    rows (enough for the ``local`` and ``linear`` readouts, far less memory). ``like``: an earlier
    cache of the same layer and mode, whose direction tensors (functions of the weights only,
    (d, n + 1) each) this one shares instead of holding its own copies.
    """
    layer = adapter.check_layer(layer)
    check_mode(adapter, layer, mode)
    batch = batch.to(adapter.device)
    norms = downstream_norms(adapter, layer) if token_states else []
    with hooked_states(adapter, [layer]) as store, recorded_scales(norms) as scales:
        logits = adapter.logits(batch)
    activations, residual = store[layer]["activations"], store[layer]["residual"]
    directions = adapter.w_out(layer)
    pairs = [(activations, directions)]
    if mode == "pre-lora":
        base = base_mlp_weights(adapter, layer)
        pairs.append((-base_activations(adapter, batch, layer), base.get(OUT_PROJ, directions)))
    mask = batch.attention_mask
    readout_pairs = [(at_readout(adapter, coef, mask).to(torch.float64), dirs) for coef, dirs in pairs]
    return LayerCache(
        layer=layer,
        mode=mode,
        batch=batch,
        clean_logits=logits.to(torch.float64),
        residual=at_readout(adapter, residual, mask).to(torch.float64),
        terms=_contributions(readout_pairs, torch.float64, None if like is None else like.terms),
        token_residual=residual if token_states else None,
        token_terms=_contributions(pairs, None, None if like is None else like.token_terms) if token_states else None,
        norm_scales=_recorded(scales) if token_states else None,
    )


def _contributions(
    pairs: list[tuple[torch.Tensor, torch.Tensor]], dtype: torch.dtype | None, shared: tuple[Contribution, ...] | None
) -> tuple[Contribution, ...]:
    """Padded terms of (coefficients, directions) pairs, directions in ``dtype`` (None: as they are).

    With ``shared`` (the same terms of another cache), its padded directions are reused.
    """
    if shared is None:
        return tuple(Contribution.of(coefficients, directions.to(dtype or directions.dtype)) for coefficients, directions in pairs)
    return tuple(Contribution(F.pad(coefficients, (0, 1)), term.directions) for (coefficients, _), term in zip(pairs, shared, strict=True))


def _recorded(scales: list[NormScale | None]) -> tuple[NormScale, ...]:
    """Every norm's recorded statistics; :class:`ModelError` when the forward skipped one of them."""
    if any(scale is None for scale in scales):
        raise ModelError(
            "a norm between the analysed layer and the readout did not run in the forward pass",
            hint="this architecture's forward is not supported by the ablation cache",
        )
    return tuple(scale for scale in scales if scale is not None)


def base_activations(adapter: ModelAdapter, batch: TokenBatch, layer: int) -> torch.Tensor:
    """a^base (B, T, n): ``layer``'s activations with its input projections at their pre-LoRA weights.

    Earlier layers are unchanged, so the MLP input is the fine-tuned model's; one forward pass.
    """
    layer = adapter.check_layer(layer)
    overrides = base_in_parameters(adapter, layer)
    with torch.no_grad(), hooked_states(adapter, [layer], residual=False) as store:
        torch.func.functional_call(adapter.model, overrides, args=(), kwargs=batch.to(adapter.device).model_kwargs())
    return store[layer]["activations"]
