"""The reference ablation path: one full forward of the whole model per ablated set.

Slow and obviously right; the closed form and the stacked ``model`` readout are tested against
it, and anyone can recompute a synergy artifact's numbers with it. Mode ``zero`` zeroes the
neurons with :func:`~hedonic.ablation.hooks.zeroed_neurons`; mode ``pre-lora`` runs the model with
the neurons' weights reset to their base values (:func:`~hedonic.ablation.modes.reset_parameters`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from hedonic.ablation.hooks import zeroed_neurons
from hedonic.ablation.modes import check_mode, reset_parameters
from hedonic.ablation.readouts import check_readout, residual_readout
from hedonic.models import ModelAdapter, TokenBatch
from hedonic.stats import at_readout, hooked_states


def reference_score(
    adapter: ModelAdapter,
    batch: TokenBatch,
    layer: int,
    readout: str = "local",
    overrides: dict[str, torch.Tensor] | None = None,
) -> np.ndarray:
    """f(x) (B,) float64 from one full forward, optionally with parameter ``overrides``.

    ``local``/``linear``: the float64 readout of the residual stream captured after ``layer`` at
    the readout token; ``model``: the output logit. Any hooks active around the call apply.
    """
    layer = adapter.check_layer(layer)
    check_readout(readout)
    batch = batch.to(adapter.device)
    with torch.no_grad(), hooked_states(adapter, [layer]) as store:
        if overrides:
            output = torch.func.functional_call(adapter.model, overrides, args=(), kwargs=batch.model_kwargs())
            logits = output.logits.squeeze(-1)
        else:
            logits = adapter.logits(batch)
        if readout == "model":
            score = logits.to(torch.float64)
        else:
            hidden = at_readout(adapter, store[layer]["residual"], batch.attention_mask).to(torch.float64)
            score = residual_readout(adapter, layer, readout)(hidden)
    return score.cpu().numpy()


def reference_effects(
    adapter: ModelAdapter,
    batch: TokenBatch,
    layer: int,
    sets: Sequence[Sequence[int]],
    *,
    readout: str = "local",
    mode: str = "zero",
) -> tuple[np.ndarray, np.ndarray]:
    """(f(x) (B,), Δ_S(x) = f(x) − f_{−S}(x) (K, B)) float64, one full forward per set.

    ``zero`` zeroes the set's activations on every token; ``pre-lora`` resets its weights to the
    base model's. See :func:`reference_score` for the readouts.
    """
    check_mode(adapter, layer, mode)
    clean = reference_score(adapter, batch, layer, readout)
    rows = []
    for neurons in sets:
        if mode == "zero":
            with zeroed_neurons(adapter, layer, neurons):
                rows.append(clean - reference_score(adapter, batch, layer, readout))
        else:
            overrides = reset_parameters(adapter, layer, neurons)
            rows.append(clean - reference_score(adapter, batch, layer, readout, overrides))
    return clean, np.stack(rows) if rows else np.zeros((0, len(batch)))
