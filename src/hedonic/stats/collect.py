"""One streaming pass over a dataset: per-layer activation moments and gradient attributions (spec §3).

For each batch, ONE forward pass (with hooks on every analysed layer) yields the activations a
(B, T, n) of each layer; the rows that enter the moments are the readout tokens (B, k) or all
non-padding tokens (N, k), where k is the number of analysed neurons. With a gradient readout f,
autograd gives ∂f/∂a and the attribution ``v_i = Σ_t a_{i,t} ∂f/∂a_{i,t}`` over the input's
non-padding tokens (B, k). Padding tokens never enter any sum.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any, get_args

import numpy as np
import torch
from torch import nn

from hedonic.errors import ConfigError, ModelError
from hedonic.progress import progress
from hedonic.stats.accumulator import MomentAccumulator
from hedonic.stats.budget import check_budget, resolve_budget
from hedonic.stats.capture import StopForward, at_readout, hooked_states, stop_after
from hedonic.stats.moments import ActivationStats, GradReadout, TokenScope
from hedonic.stats.settings import DEFAULTS

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter, TokenBatch

NeuronSelection = Mapping[int, Sequence[int] | np.ndarray] | Sequence[int] | np.ndarray | None
"""Neurons to analyse: None (all), one id list for every layer, or a list per layer."""

_BYTES_PER_ENTRY = 8


def stats_bytes(k: int, layers: int, *, outer: bool = True, grad: bool = False) -> int:
    """Bytes of the float64 accumulators for ``layers`` layers of ``k`` neurons each."""
    squares = int(outer) + int(grad)
    vectors = 3 + int(grad)
    return layers * _BYTES_PER_ENTRY * (squares * k * k + vectors * k)


class StatsCollector:
    """Accumulates the statistics of several layers batch by batch; see :func:`collect_stats`.

    Allocates its float64 accumulators on each layer's device at construction, after checking
    their size against the memory budget (:class:`~hedonic.errors.MemoryBudgetError` above it).
    """

    def __init__(
        self,
        adapter: ModelAdapter,
        layers: Sequence[int],
        *,
        neurons: NeuronSelection = None,
        tokens: TokenScope = DEFAULTS.tokens,
        outer: bool = True,
        grad: GradReadout | None = None,
        stop_early: bool = True,
        memory_budget: int | None = None,
    ) -> None:
        if tokens not in get_args(TokenScope):
            raise ConfigError(f"unknown token scope {tokens!r}", hint="use 'readout' or 'all'")
        if grad not in (None, "model", "local"):
            raise ConfigError(f"unknown gradient readout {grad!r}", hint="use 'model', 'local' or None")
        if not layers:
            raise ConfigError("no layers to collect statistics for", hint="pass at least one layer index")
        self.adapter = adapter
        self.layers = sorted({adapter.check_layer(layer) for layer in layers})
        self.tokens = tokens
        self.grad = grad
        self.stop_early = stop_early
        device = adapter.device
        chosen = {layer: _neuron_ids(adapter, layer, neurons) for layer in self.layers}
        budget = resolve_budget(memory_budget, device)
        k = max(ids.shape[0] for ids in chosen.values())
        check_budget(
            f"float64 statistics of {len(self.layers)} layer(s)",
            lambda size: stats_bytes(size, len(self.layers), outer=outer, grad=grad is not None),
            k,
            budget,
            "pass neurons= / --neurons with that many ids",
        )
        self.index = {
            layer: None if ids.shape[0] == adapter.intermediate_size else torch.as_tensor(ids, device=adapter.layer_device(layer))
            for layer, ids in chosen.items()
        }
        self.accumulators = {
            layer: MomentAccumulator(layer, ids, adapter.layer_device(layer), outer=outer, grad=grad is not None)
            for layer, ids in chosen.items()
        }
        self._local = {layer: adapter.local_readout(layer) for layer in self.layers} if grad == "local" else {}

    def add(self, batch: TokenBatch, batch_index: int) -> None:
        """Run the forward (and backward) pass of one batch and add it to every layer's sums."""
        batch = batch.to(self.adapter.device)
        mask = batch.attention_mask != 0
        store, logits = self._forward(batch)
        activations = {layer: store[layer]["activations"] for layer in self.layers}
        gradients = self._gradients(activations, store, logits, batch.attention_mask) if self.grad else {}
        with torch.no_grad():
            for layer in self.layers:
                a = self._select(layer, activations[layer])
                here = mask.to(a.device)
                rows = at_readout(self.adapter, a, batch.attention_mask) if self.tokens == "readout" else a[here]
                v = None
                if layer in gradients:
                    g = self._select(layer, gradients[layer])
                    v = (a.to(torch.float64) * g.to(torch.float64) * here.unsqueeze(-1)).sum(dim=1)
                self.accumulators[layer].add(rows, len(batch), batch_index, v)

    def results(self, model: str = "", adapter: str = "") -> dict[int, ActivationStats]:
        """The statistics of each layer so far, keyed by layer (ascending)."""
        return {layer: accumulator.result(self.tokens, self.grad, model, adapter) for layer, accumulator in self.accumulators.items()}

    def _select(self, layer: int, states: torch.Tensor) -> torch.Tensor:
        index = self.index[layer]
        return states if index is None else states.index_select(-1, index)

    def _forward(self, batch: TokenBatch) -> tuple[dict[int, dict[str, torch.Tensor]], torch.Tensor | None]:
        with ExitStack() as stack:
            stack.enter_context(torch.enable_grad() if self.grad else torch.no_grad())
            if self.grad:
                stack.enter_context(_leaf_activations(self.adapter, self.layers[0]))
            store = stack.enter_context(hooked_states(self.adapter, self.layers, residual=self.grad == "local", detach=self.grad is None))
            if self.stop_early and self.grad != "model":
                stack.enter_context(stop_after(self.adapter, self.layers[-1], residual=self.grad == "local"))
            try:
                logits = self.adapter.model(**batch.model_kwargs()).logits.squeeze(-1)
            except StopForward:
                logits = None
        return store, logits

    def _gradients(
        self,
        activations: dict[int, torch.Tensor],
        store: dict[int, dict[str, torch.Tensor]],
        logits: torch.Tensor | None,
        attention_mask: torch.Tensor,
    ) -> dict[int, torch.Tensor]:
        if self.grad == "model":
            assert logits is not None
            grads = torch.autograd.grad(logits.sum(), [activations[layer] for layer in self.layers])
            return dict(zip(self.layers, grads, strict=True))
        result = {}
        for position, layer in enumerate(self.layers):
            readout = self._local[layer](at_readout(self.adapter, store[layer]["residual"], attention_mask))
            last = position == len(self.layers) - 1
            (result[layer],) = torch.autograd.grad(readout.sum(), activations[layer], retain_graph=not last)
        return result


def collect_stats(
    adapter: ModelAdapter,
    batches: Iterable[TokenBatch],
    layers: Sequence[int],
    *,
    neurons: NeuronSelection = None,
    tokens: TokenScope = DEFAULTS.tokens,
    outer: bool = True,
    grad: GradReadout | None = None,
    stop_early: bool = True,
    memory_budget: int | None = None,
    total: int | None = None,
    model_name: str = "",
    adapter_name: str = "",
) -> dict[int, ActivationStats]:
    """Stream ``batches`` through the model once and return each layer's :class:`ActivationStats`.

    - ``layers``: layer indices (negative count from the end); all hooked in the same pass.
    - ``neurons``: analyse only these neuron ids (one list for all layers, or a mapping
      layer → ids); default all n neurons of each layer.
    - ``tokens``: ``"readout"`` (one row per input, the readout token) or ``"all"`` (every
      non-padding token).
    - ``outer``: keep Σaaᵀ (k, k); False keeps only the O(k) sums (e.g. for E|a| or variances of
      a whole 14k layer).
    - ``grad``: also accumulate Σv and Σvvᵀ with v_i = Σ_t a_{i,t} ∂f/∂a_{i,t} for the readout f:
      ``"model"`` (the model's logit; backpropagates through all later layers) or ``"local"``
      (the local readout of each layer on its own residual stream; only the readout token
      contributes and no later layer is involved).
    - ``stop_early``: unless ``grad="model"``, skip the layers after the last analysed one.
    - ``memory_budget``: bytes allowed for the accumulators (default: see
      :func:`hedonic.stats.budget.resolve_budget`).
    - ``total``: number of batches, for the progress bar; ``model_name``/``adapter_name`` are
      recorded in the statistics.

    Sums are float64 on each layer's device whatever the model's dtype. Raises
    :class:`~hedonic.errors.NumericalError` on NaN/inf (naming layer and batch index) and
    :class:`~hedonic.errors.MemoryBudgetError` before allocating accumulators above the budget.
    """
    collector = StatsCollector(
        adapter,
        layers,
        neurons=neurons,
        tokens=tokens,
        outer=outer,
        grad=grad,
        stop_early=stop_early,
        memory_budget=memory_budget,
    )
    for index, batch in progress(enumerate(batches), "activation statistics", total=total):
        collector.add(batch, index)
    return collector.results(model_name, adapter_name)


def _neuron_ids(adapter: ModelAdapter, layer: int, neurons: NeuronSelection) -> np.ndarray:
    n = adapter.intermediate_size
    if neurons is None:
        return np.arange(n, dtype=np.int64)
    if isinstance(neurons, Mapping):
        wanted = {adapter.check_layer(key): value for key, value in neurons.items()}
        if layer not in wanted:
            return np.arange(n, dtype=np.int64)
        neurons = wanted[layer]
    ids = np.unique(np.asarray(neurons, dtype=np.int64))
    if ids.size == 0 or ids.min() < 0 or ids.max() >= n:
        raise ModelError(
            f"neuron ids for layer {layer} must be a non-empty list in 0..{n - 1}",
            hint=f"pass neuron ids between 0 and {n - 1}",
        )
    return ids


@contextmanager
def _leaf_activations(adapter: ModelAdapter, layer: int) -> Iterator[None]:
    """Make the activation of ``layer`` a fresh autograd leaf (cuts the graph below it)."""

    def make_leaf(_module: nn.Module, args: tuple[Any, ...]) -> tuple[Any, ...]:
        return (args[0].detach().requires_grad_(True), *args[1:])

    handle = adapter.activation_site(layer).register_forward_pre_hook(make_leaf)
    try:
        yield
    finally:
        handle.remove()
