"""The reference ablation hook."""

from __future__ import annotations

import pytest
import torch

from hedonic.ablation import zeroed_neurons
from hedonic.errors import ModelError
from hedonic.stats import capture_layer_states
from hedonic.stats.capture import unhooked
from hedonic.testing import tiny_model


def test_zeroed_neurons_reach_the_output_projection_and_change_the_logit() -> None:
    adapter = tiny_model("gpt_neox", seed=0, layers=2)
    batch = adapter.encode(["read the file"], ["open the file and read it"])
    before = adapter.logits(batch)
    with zeroed_neurons(adapter, 0, [1, 5]):
        states = capture_layer_states(adapter, batch, [0])
        after = adapter.logits(batch)
    assert (states[0].activations[..., [1, 5]] == 0).all()
    assert (states[0].activations[..., 0] != 0).all()
    assert not torch.allclose(before, after)
    assert torch.equal(adapter.logits(batch), before)
    assert all(unhooked(module) for module in adapter.model.modules())


def test_out_of_range_neurons_are_rejected() -> None:
    adapter = tiny_model("bert", seed=0)
    with pytest.raises(ModelError, match="neuron ids"):
        with zeroed_neurons(adapter, 0, [adapter.intermediate_size]):
            pass
