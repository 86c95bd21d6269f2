"""Hooks on modules: the reference ablation (zeroing chosen neurons on every token during a full forward), and
forwards swapped for the duration of a block (the stacked ``model`` readout, frozen norms)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from hedonic.errors import ModelError

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter


@contextmanager
def zeroed_neurons(adapter: ModelAdapter, layer: int, neurons: Sequence[int] | torch.Tensor) -> Iterator[None]:
    """Within the block, every forward pass sees a_i = 0 for i in ``neurons`` (m,) of ``layer``, on all tokens.

    The hook replaces the input of the MLP output projection, so everything downstream (the rest
    of the layer and all later layers) sees the ablated activation. Raises :class:`ModelError`
    for neuron ids outside 0..n-1.
    """
    index = torch.as_tensor(neurons, dtype=torch.long).reshape(-1)
    n = adapter.intermediate_size
    if index.numel() and (index.min() < 0 or index.max() >= n):
        raise ModelError(f"neuron ids must lie in 0..{n - 1}", hint="pass neuron ids of the analysed layer")

    def zero(_module: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
        activation = args[0].clone()
        activation[..., index.to(activation.device)] = 0
        return (activation, *args[1:])

    handle = adapter.activation_site(layer).register_forward_pre_hook(zero)
    try:
        yield
    finally:
        handle.remove()


@contextmanager
def swapped_forwards(replacements: Sequence[tuple[nn.Module, Callable[..., Any]]]) -> Iterator[None]:
    """Within the block, each module's ``forward`` is its replacement (called with the module's own arguments).

    The forwards are restored on exit, also on error, including a wrapper set on the instance
    before (accelerate's device hooks of a model loaded with a device map).
    """
    saved = [module.__dict__.get("forward") for module, _ in replacements]
    try:
        for module, forward in replacements:
            module.forward = forward
        yield
    finally:
        for (module, _), original in zip(replacements, saved, strict=True):
            module.__dict__.pop("forward", None)
            if original is not None:
                module.forward = original
