"""The ``model`` readout of many ablations in one stacked batch, rerunning only the later layers.

Blocks 0..ℓ are not recomputed: for the stacked forward, blocks before ℓ pass their input
through and block ℓ returns the cached, ablated output; the embeddings (cheap) and blocks
ℓ+1..L-1 run as usual, so masks, positions and the head are the model's own, except that the
last block's MLP runs on the readout token only (the readout needs no other row of it). Relies on every
block taking the hidden states as its first argument and returning one tensor, as the blocks of
all supported families do in transformers 5.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

import torch

from hedonic.ablation.closed_form import removed
from hedonic.ablation.hooks import swapped_forwards
from hedonic.ablation.norms import check_freezable, downstream_norms, frozen
from hedonic.errors import ModelError

if TYPE_CHECKING:
    from hedonic.ablation.cache import LayerCache
    from hedonic.models import ModelAdapter, TokenBatch


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

    def pass_through(hidden_states: torch.Tensor, *_args: Any, **_kwargs: Any) -> torch.Tensor:
        return hidden_states

    def replaced(*_args: Any, **_kwargs: Any) -> torch.Tensor:
        return output

    forwards = [(adapter.block(j), pass_through) for j in range(layer)] + [(adapter.block(layer), replaced)]
    with swapped_forwards(forwards):
        yield


@contextmanager
def readout_rows_mlp(adapter: ModelAdapter, layer: int, positions: torch.Tensor) -> Iterator[None]:
    """Within the block, ``layer``'s MLP runs on each row's readout token only: (R, T, d) → (R, 1, d).

    ``positions`` (R,) the readout token of each row. The MLP's output then broadcasts over the
    tokens where the block adds it to the residual stream; that is exact at the readout token and
    meaningless elsewhere, which is harmless in the last block (nothing after it mixes tokens:
    the final norm and the head act per token, and the readout takes one).
    """

    def select(_module: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
        states = args[0]
        rows = torch.arange(states.shape[0], device=states.device)
        return (states[rows, positions.to(states.device)].unsqueeze(1), *args[1:])

    handle = adapter.mlp(layer).register_forward_pre_hook(select)
    try:
        yield
    finally:
        handle.remove()


@contextmanager
def stacked_forward(
    adapter: ModelAdapter, cache: LayerCache, residual: torch.Tensor, count: int, *, freeze_norms: bool = False
) -> Iterator[TokenBatch]:
    """Within the block, a forward of the yielded batch (the cache's batch repeated ``count`` times)
    resumes after the cache's layer from the residual streams ``residual`` (count·B, T, d) after its MLP.

    The last block's MLP runs on the readout token only (:func:`readout_rows_mlp`);
    ``freeze_norms``: every norm from the layer to the readout uses the clean statistics of the
    cache's inputs (:mod:`hedonic.ablation.norms`), BERT's closing norm of the layer's own block
    included. Gradients flow if ``residual`` carries them.
    """
    if cache.token_residual is None or cache.token_terms is None or cache.norm_scales is None:
        raise ModelError(
            "the layer cache holds no token states, which the 'model' readout needs",
            hint="build the cache with token_states=True",
        )
    batch = cache.batch.repeat(count)
    with ExitStack() as stack:
        if freeze_norms:
            check_freezable(adapter, cache.layer)
            norms = downstream_norms(adapter, cache.layer)
            stack.enter_context(frozen(norms, [scale.repeat(count) for scale in cache.norm_scales]))
        last = adapter.num_layers - 1
        if cache.layer < last:
            stack.enter_context(readout_rows_mlp(adapter, last, adapter.readout_positions(batch.attention_mask)))
        stack.enter_context(resumed_after(adapter, cache.layer, block_output(adapter, cache.layer, residual)))
        yield batch


def stacked_logits(adapter: ModelAdapter, cache: LayerCache, sets: torch.Tensor, *, freeze_norms: bool = False) -> torch.Tensor:
    """f_{−S}(x), the model's own logit with each set of ``sets`` (K, s) ablated: (K, B) float64.

    One forward of K·B rows through the layers after the cache's layer (:func:`stacked_forward`);
    the ablated residual h − Σ_{i∈S} c_i is formed on every token in the model's dtype.
    ``freeze_norms``: see :func:`stacked_forward`. ``cache`` must hold token states.
    """
    residual, terms = cache.token_states("the 'model' readout")
    count = sets.shape[0]
    with torch.no_grad():
        ablated = residual.unsqueeze(0) - removed(terms, sets)
        with stacked_forward(adapter, cache, ablated.flatten(0, 1), count, freeze_norms=freeze_norms) as batch:
            logits = adapter.logits(batch)
    return logits.to(torch.float64).view(count, len(cache))
