"""The model I/O of the pairwise closed forms: one forward per batch, rows at the readout token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hedonic.stats import at_readout, capture_layer_states

if TYPE_CHECKING:
    import torch

    from hedonic.models import ModelAdapter, TokenBatch


def readout_rows(
    adapter: ModelAdapter, batch: TokenBatch, layer: int, neurons: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(residual h (B, d), activations a (B, k)) of ``layer`` at each input's readout token.

    One forward pass without gradients; ``neurons`` (k,) int64 selects the activation columns
    (default all n). Tensors are in the model's dtype, on its device.
    """
    batch = batch.to(adapter.device)
    states = capture_layer_states(adapter, batch, [layer])[adapter.check_layer(layer)]
    assert states.residual is not None  # captured: capture_layer_states keeps the residual by default
    residual = at_readout(adapter, states.residual, batch.attention_mask)
    activations = at_readout(adapter, states.activations, batch.attention_mask)
    if neurons is not None:
        activations = activations[:, neurons.to(activations.device)]
    return residual, activations
