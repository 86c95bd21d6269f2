"""Readouts: the float64 closed-form readouts are the model's own head and norm."""

from __future__ import annotations

import pytest
import torch

from hedonic.ablation import READOUTS, check_readout, residual_readout
from hedonic.ablation.norm_readout import norm_readout
from hedonic.errors import ConfigError, ModelError
from hedonic.stats import at_readout, capture_layer_states
from hedonic.testing import TINY_FAMILIES, tiny_model

QUERIES = ["read the file", "a list of python code", "test"]
TEXTS = ["open the file and read it now", "the list is a type", "true false none"]


@pytest.mark.parametrize("family", TINY_FAMILIES)
def test_local_readout_at_the_last_layer_is_the_model_logit(family: str) -> None:
    adapter = tiny_model(family, seed=0, layers=2, dtype=torch.float64)
    batch = adapter.encode(QUERIES, TEXTS)
    residual = capture_layer_states(adapter, batch, [1])[1].residual
    hidden = at_readout(adapter, residual, batch.attention_mask)
    local = residual_readout(adapter, 1, "local")(hidden)
    assert local.dtype == torch.float64
    # LLaMA/Mistral RMSNorm modules round through float32; the float64 readout does not.
    torch.testing.assert_close(local, adapter.logits(batch), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("family", TINY_FAMILIES)
def test_float64_readout_matches_the_adapter_local_readout_of_a_float32_model(family: str) -> None:
    adapter = tiny_model(family, seed=1, layers=2)
    hidden = torch.randn(4, 3, adapter.hidden_size, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = adapter.local_readout(0)(hidden)
    got = residual_readout(adapter, 0, "local")(hidden.double())
    assert got.shape == (4, 3)
    torch.testing.assert_close(got, expected.double(), rtol=1e-5, atol=1e-5)


def test_linear_readout_is_the_adapters_affine_head() -> None:
    adapter = tiny_model("bert", seed=0, dtype=torch.float64)
    hidden = torch.randn(5, adapter.hidden_size, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    linear = residual_readout(adapter, 0, "linear")
    torch.testing.assert_close(linear(hidden), adapter.linear_readout()(hidden))
    origin = linear(torch.zeros_like(hidden[0]))
    torch.testing.assert_close(linear(hidden[:2] + hidden[2:4]) + origin, linear(hidden[:2]) + linear(hidden[2:4]))


def test_readout_names_are_checked() -> None:
    adapter = tiny_model("gpt2", seed=0)
    assert [check_readout(name) for name in READOUTS] == list(READOUTS)
    with pytest.raises(ConfigError, match="unknown readout 'logit'"):
        check_readout("logit")
    with pytest.raises(ConfigError, match="no closed form"):
        residual_readout(adapter, 0, "model")


def test_unknown_norms_are_rejected() -> None:
    adapter = tiny_model("gpt2", seed=0)
    adapter.model.transformer.ln_f = torch.nn.BatchNorm1d(adapter.hidden_size)
    with pytest.raises(ModelError, match="no closed form for the readout norm BatchNorm1d"):
        norm_readout(adapter, 0, "local")
