"""Layer-state capture: the hooked tensors are the model's own, hooks never leak."""

from __future__ import annotations

import pytest
import torch

from hedonic.models import TokenBatch
from hedonic.stats import at_readout, capture_layer_states
from hedonic.stats.capture import unhooked
from hedonic.testing import TINY_FAMILIES, tiny_model


@pytest.mark.parametrize("family", TINY_FAMILIES)
def test_capture_matches_the_adapter_and_readout(family: str) -> None:
    adapter = tiny_model(family, seed=0, layers=2)
    batch = adapter.encode(["read the file", "a list"], ["open the file and read it", "the list is a type"])
    states = capture_layer_states(adapter, batch, [1, 0])
    assert list(states) == [0, 1]
    expected = adapter.neuron_activations(batch, [0, 1])
    for layer in (0, 1):
        assert torch.equal(states[layer].activations, expected[layer])
        assert states[layer].residual is not None and states[layer].residual.shape[-1] == adapter.hidden_size
    last = at_readout(adapter, states[1].residual, batch.attention_mask)
    with torch.no_grad():
        torch.testing.assert_close(adapter.local_readout(1)(last), adapter.logits(batch), atol=1e-5, rtol=1e-4)
    assert all(unhooked(module) for module in adapter.model.modules())


def test_hooks_are_removed_on_error() -> None:
    adapter = tiny_model("llama", seed=0)
    bad = TokenBatch(torch.full((1, 3), 10_000), torch.ones(1, 3, dtype=torch.long))
    with pytest.raises(IndexError):
        capture_layer_states(adapter, bad, [0])
    assert all(unhooked(module) for module in adapter.model.modules())
