"""Typed attribute reads: each returns the attribute itself, None where allowed, and a ModelError on a wrong type."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from hedonic.errors import ModelError
from hedonic.models.attributes import attribute, model_config, number, optional_tensor, tensor
from hedonic.testing import tiny_model


def test_reads_return_the_attribute_itself() -> None:
    linear = nn.Linear(3, 2, bias=False)
    norm = nn.LayerNorm(3, eps=1e-3)
    assert tensor(linear, "weight") is linear.weight
    assert optional_tensor(linear, "bias") is None
    assert optional_tensor(norm, "bias") is norm.bias
    assert number(norm, "eps") == 1e-3
    assert attribute(nn.Sequential(linear), "0", nn.Module) is linear
    adapter = tiny_model("bert")
    assert model_config(adapter.model).model_type == "bert"
    assert attribute(adapter.model, "dtype", torch.dtype) == torch.float32


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        (lambda m: tensor(m, "eps"), "Tensor"),
        (lambda m: optional_tensor(m, "eps"), "Tensor or None"),
        (lambda m: number(m, "weight"), "number"),
        (lambda m: attribute(m, "weight", nn.Module), "Module"),
        (lambda m: model_config(m), "Pre[Tt]rainedConfig"),  # transformers 5 renamed it PreTrainedConfig
    ],
)
def test_a_wrong_type_is_a_model_error(read, expected: str) -> None:
    norm = nn.LayerNorm(3)
    norm.config = {"model_type": "bert"}  # a plain dict, not a transformers config
    with pytest.raises(ModelError, match=f"LayerNorm\\.\\w+ is a \\w+, expected {expected}"):
        read(norm)
