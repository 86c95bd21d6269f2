"""The reference ablation path: one full forward of the whole model per ablated set.

Slow and obviously right; the closed form and the stacked ``model`` readout are tested against
it, and anyone can recompute a synergy artifact's numbers with it. Mode ``zero`` zeroes the
neurons with :func:`~hedonic.ablation.hooks.zeroed_neurons`; mode ``pre-lora`` runs the model with
the neurons' weights reset to their base values (:func:`~hedonic.ablation.modes.reset_parameters`).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, cast

import numpy as np
import torch

from hedonic.ablation.hooks import zeroed_neurons
from hedonic.ablation.modes import check_mode, reset_parameters
from hedonic.ablation.norms import check_freezable, downstream_norms, frozen, recorded_scales
from hedonic.ablation.readouts import check_readout, residual_readout
from hedonic.stats import at_readout, hooked_states

if TYPE_CHECKING:
    from hedonic.ablation.norms import NormScale
    from hedonic.models import ModelAdapter, TokenBatch


def reference_score(
    adapter: ModelAdapter,
    batch: TokenBatch,
    layer: int,
    readout: str = "local",
    overrides: dict[str, torch.Tensor] | None = None,
    clean_hidden: torch.Tensor | None = None,
) -> np.ndarray:
    """f(x) (B,) float64 from one full forward, optionally with parameter ``overrides``.

    ``local``/``linear``: the float64 readout of the residual stream captured after ``layer`` at
    the readout token (``clean_hidden`` (B, d): its norm frozen at these states' statistics);
    ``model``: the output logit. Any hooks active around the call apply.
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
            hidden = readout_hidden(adapter, store, layer, batch)
            score = residual_readout(adapter, layer, readout)(hidden, clean_hidden)
    return score.cpu().numpy()


def readout_hidden(adapter: ModelAdapter, store: dict[int, dict[str, torch.Tensor]], layer: int, batch: TokenBatch) -> torch.Tensor:
    """The residual stream after ``layer`` at each input's readout token (B, d) float64, from captured states."""
    return at_readout(adapter, store[layer]["residual"], batch.attention_mask).to(torch.float64)


def reference_effects(
    adapter: ModelAdapter,
    batch: TokenBatch,
    layer: int,
    sets: Sequence[Sequence[int]],
    *,
    readout: str = "local",
    mode: str = "zero",
    freeze_norms: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(f(x) (B,), Δ_S(x) = f(x) − f_{−S}(x) (K, B)) float64, one full forward per set.

    ``zero`` zeroes the set's activations on every token; ``pre-lora`` resets its weights to the
    base model's. See :func:`reference_score` for the readouts. ``freeze_norms``: a first clean
    forward records every norm's statistics from ``layer`` to the readout
    (:mod:`hedonic.ablation.norms`), and every forward after it, the clean one included, runs
    with those norms frozen.
    """
    check_mode(adapter, layer, mode)
    layer = adapter.check_layer(layer)
    with ExitStack() as stack:
        clean_hidden = None
        if freeze_norms:
            check_freezable(adapter, layer)
            norms = downstream_norms(adapter, layer)
            with torch.no_grad(), hooked_states(adapter, [layer]) as store, recorded_scales(norms) as scales:
                adapter.logits(batch)
            clean_hidden = readout_hidden(adapter, store, layer, batch.to(adapter.device))
            # the clean forward above ran every downstream norm, so each has its statistics
            stack.enter_context(frozen(norms, cast("list[NormScale]", list(scales))))
        clean = reference_score(adapter, batch, layer, readout, clean_hidden=clean_hidden)
        rows = []
        for neurons in sets:
            if mode == "zero":
                with zeroed_neurons(adapter, layer, neurons):
                    rows.append(clean - reference_score(adapter, batch, layer, readout, clean_hidden=clean_hidden))
            else:
                overrides = reset_parameters(adapter, layer, neurons)
                rows.append(clean - reference_score(adapter, batch, layer, readout, overrides, clean_hidden))
    return clean, np.stack(rows) if rows else np.zeros((0, len(batch)))
