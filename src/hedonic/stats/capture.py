"""Forward hooks that capture a layer's neuron activations and residual stream in one pass.

Shapes: B batch, T tokens, n neurons, d hidden size. The activation ``a`` is the input of the
MLP output projection (:meth:`ModelAdapter.activation_site`); the residual is the stream right
after the layer's MLP, before any following norm (:meth:`ModelAdapter.residual_site`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter, TokenBatch


@dataclass(frozen=True)
class LayerStates:
    """What one forward pass left at one layer: ``activations`` (B, T, n), ``residual`` (B, T, d) or None.

    Tensors are detached, in the model's dtype and on its device.
    """

    activations: torch.Tensor
    residual: torch.Tensor | None


def _first(value: Any) -> torch.Tensor:
    return value[0] if isinstance(value, tuple) else value


@contextmanager
def hooked_states(
    adapter: ModelAdapter, layers: Iterable[int], *, residual: bool = True, detach: bool = True
) -> Iterator[dict[int, dict[str, torch.Tensor]]]:
    """Hook ``layers`` for the duration of the block; yields ``{layer: {"activations", "residual"}}``.

    ``activations`` (B, T, n) are the inputs of the MLP output projection, ``residual`` (B, T, d)
    the stream after the layer's MLP (see the module docstring).

    The dict fills during each forward pass run inside the block (the last pass wins). With
    ``detach=False`` the captured tensors stay in the autograd graph (for gradients through
    them). Hooks are removed on exit, also on error.
    """
    store: dict[int, dict[str, torch.Tensor]] = {}
    handles = []

    def keep(layer: int, key: str, tensor: torch.Tensor) -> None:
        store.setdefault(layer, {})[key] = tensor.detach() if detach else tensor

    for layer in sorted({adapter.check_layer(layer) for layer in layers}):
        site = adapter.activation_site(layer)
        handles.append(site.register_forward_pre_hook(lambda _m, args, layer=layer: keep(layer, "activations", args[0])))
        if residual:
            module, port = adapter.residual_site(layer)
            if port == "input":
                hook = module.register_forward_pre_hook(lambda _m, args, layer=layer: keep(layer, "residual", args[0]))
            else:
                hook = module.register_forward_hook(lambda _m, _a, out, layer=layer: keep(layer, "residual", _first(out)))
            handles.append(hook)
    try:
        yield store
    finally:
        for handle in handles:
            handle.remove()


class StopForward(Exception):
    """Raised by :func:`stop_after`'s hook once the pass has reached its last needed state."""


@contextmanager
def stop_after(adapter: ModelAdapter, layer: int, *, residual: bool = False) -> Iterator[None]:
    """Within the block, a forward pass raises :class:`StopForward` right after ``layer``'s activation (or residual).

    Enter it after :func:`hooked_states`, so that the captured states of ``layer`` are kept before
    the pass stops; the later layers and the head are skipped. The hook is removed on exit.
    """

    def stop(*_args: Any) -> None:
        raise StopForward

    if residual:
        module, port = adapter.residual_site(layer)
        handle = module.register_forward_pre_hook(stop) if port == "input" else module.register_forward_hook(stop)
    else:
        handle = adapter.activation_site(layer).register_forward_pre_hook(stop)
    try:
        yield
    finally:
        handle.remove()


def capture_layer_states(
    adapter: ModelAdapter, batch: TokenBatch, layers: Iterable[int], *, residual: bool = True
) -> dict[int, LayerStates]:
    """Run one forward pass (no gradients) and return the states of each requested layer.

    Keys are normalised layer indices (0..L-1), ascending.
    """
    with hooked_states(adapter, layers, residual=residual) as store:
        adapter.logits(batch)
    return {layer: LayerStates(parts["activations"], parts.get("residual")) for layer, parts in sorted(store.items())}


def at_readout(adapter: ModelAdapter, states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Rows of ``states`` (B, T, k) at each input's readout token → (B, k).

    Decoders: the last non-padding token (left or right padding); encoders: position 0.
    """
    positions = adapter.readout_positions(attention_mask.to(states.device))
    return states[torch.arange(states.shape[0], device=states.device), positions]


def unhooked(module: nn.Module) -> bool:
    """True when ``module`` carries no forward hooks (a check for tests and for leaks)."""
    return not (module._forward_hooks or module._forward_pre_hooks)
