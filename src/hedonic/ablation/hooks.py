"""The reference ablation: a hook that zeroes chosen neurons on every token during a full forward."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch

from hedonic.errors import ModelError
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
