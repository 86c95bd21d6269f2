"""The ``model`` readout of many ablations in one stacked batch, rerunning only the later layers.

Blocks 0..ℓ are not recomputed: for the stacked forward, blocks before ℓ pass their input
through and block ℓ returns the cached, ablated output; the embeddings (cheap) and blocks
ℓ+1..L-1 run as usual, so masks, positions and the head are the model's own. Relies on every
block taking the hidden states as its first argument and returning one tensor, as the blocks of
all supported families do in transformers 5.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

from hedonic.ablation.cache import LayerCache
from hedonic.ablation.closed_form import removed
from hedonic.errors import ModelError
from hedonic.models import ModelAdapter


def block_output(adapter: ModelAdapter, layer: int, residual: torch.Tensor) -> torch.Tensor:
    """What block ``layer`` returns when the residual stream after its MLP is ``residual`` (..., T, d).

    Decoders: the residual itself. BERT: the block's closing LayerNorm applied to it.
    """
    module, port = adapter.residual_site(layer)
    if port == "input":
        return module(residual)
    if module is not adapter.block(layer):
        raise ModelError(
            f"cannot rebuild the output of block {layer} from its residual stream",
            hint="use the 'local' readout for this architecture",
        )
    return residual


@contextmanager
def resumed_after(adapter: ModelAdapter, layer: int, output: torch.Tensor) -> Iterator[None]:
    """Within the block, a forward skips blocks 0..``layer``: block ``layer`` returns ``output``.

    ``output`` (R, T, d) must match the batch the model is then called on (R rows). Blocks before
    ``layer`` return their input unchanged. The blocks' ``forward`` is restored on exit, also on
    error, including a wrapper set on the instance (accelerate's device hooks of a model loaded
    with a device map).
    """
    layer = adapter.check_layer(layer)
    blocks = [adapter.block(j) for j in range(layer + 1)]
    saved = [block.__dict__.get("forward") for block in blocks]

    def pass_through(hidden_states: torch.Tensor, *_args: Any, **_kwargs: Any) -> torch.Tensor:
        return hidden_states

    def replaced(*_args: Any, **_kwargs: Any) -> torch.Tensor:
        return output

    try:
        for block in blocks[:-1]:
            block.forward = pass_through
        blocks[-1].forward = replaced
        yield
    finally:
        for block, forward in zip(blocks, saved, strict=True):
            block.__dict__.pop("forward", None)
            if forward is not None:
                block.forward = forward


def stacked_model_effects(adapter: ModelAdapter, cache: LayerCache, sets: torch.Tensor) -> torch.Tensor:
    """Δ_S(x) = f(x) − f_{−S}(x) with f the model's own logit, for K sets and the cache's B inputs: (K, B) float64.

    ``sets`` (K, s) int64 padded with −1. One forward of K·B rows through the layers after the
    cache's layer; the ablated residual h − Σ_{i∈S} c_i is formed on every token in the model's
    dtype. ``cache`` must hold token states (``build_cache(..., token_states=True)``).
    """
    if cache.token_residual is None or cache.token_terms is None:
        raise ModelError(
            "the layer cache holds no token states, which the 'model' readout needs",
            hint="build the cache with token_states=True",
        )
    with torch.no_grad():
        ablated = cache.token_residual.unsqueeze(0) - removed(cache.token_terms, sets)
        stacked = block_output(adapter, cache.layer, ablated.flatten(0, 1))
        with resumed_after(adapter, cache.layer, stacked):
            logits = adapter.logits(cache.batch.repeat(sets.shape[0]))
    return cache.clean_logits.unsqueeze(0) - logits.to(torch.float64).view(sets.shape[0], len(cache))
