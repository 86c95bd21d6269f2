"""Virtual weights W = W_in^{ℓ+1}·diag(γ)·W_out^ℓ against the composition written out by hand per family."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import torch

from hedonic.errors import ConfigError, ModelError
from hedonic.models import ModelAdapter
from hedonic.testing import TINY_FAMILIES, tiny_model
from hedonic.tracking import VirtualMap, virtual_map, virtual_weights

F64 = torch.float64


@pytest.fixture(scope="module", params=list(TINY_FAMILIES))
def adapter(request: pytest.FixtureRequest) -> ModelAdapter:
    return tiny_model(request.param, seed=3, layers=3, hidden=16, intermediate=24)


def _centering(d: int) -> torch.Tensor:
    return torch.eye(d, dtype=F64) - torch.full((d, d), 1.0 / d, dtype=F64)


def naive(adapter: ModelAdapter, layer: int, name: str, center: bool = False) -> torch.Tensor:
    """The composition from the transformers modules themselves, one family at a time."""
    model, family = adapter.model, adapter.family.name
    if family in ("llama", "mistral"):
        blocks = model.model.layers
        w_out = blocks[layer].mlp.down_proj.weight
        w_in = {"gate": blocks[layer + 1].mlp.gate_proj.weight, "up": blocks[layer + 1].mlp.up_proj.weight}[name]
        middle = torch.diag(blocks[layer + 1].post_attention_layernorm.weight.to(F64))  # RMSNorm: nothing to centre
    elif family == "gpt_neox":
        blocks = model.gpt_neox.layers
        w_out, w_in = blocks[layer].mlp.dense_4h_to_h.weight, blocks[layer + 1].mlp.dense_h_to_4h.weight
        middle = torch.diag(blocks[layer + 1].post_attention_layernorm.weight.to(F64))
        middle = middle @ _centering(w_out.shape[0]) if center else middle
    elif family == "gpt2":
        blocks = model.transformer.h
        w_out, w_in = blocks[layer].mlp.c_proj.weight.T, blocks[layer + 1].mlp.c_fc.weight.T  # Conv1D is (in, out)
        middle = torch.diag(blocks[layer + 1].ln_2.weight.to(F64))
        middle = middle @ _centering(w_out.shape[0]) if center else middle
    else:
        blocks = model.bert.encoder.layer
        w_out, w_in = blocks[layer].output.dense.weight, blocks[layer + 1].intermediate.dense.weight
        gamma_a = torch.diag(blocks[layer].output.LayerNorm.weight.to(F64))
        gamma_b = torch.diag(blocks[layer + 1].attention.output.LayerNorm.weight.to(F64))
        if center:
            c = _centering(w_out.shape[0])
            middle = gamma_b @ c @ gamma_a @ c
        else:
            middle = gamma_b @ gamma_a
    return w_in.detach().to(F64) @ middle @ w_out.detach().to(F64)


def _names(adapter: ModelAdapter) -> list[str]:
    return [name for name, _ in adapter.family.in_projs]


@pytest.mark.parametrize("layer", [0, 1])
@pytest.mark.parametrize("center", [False, True])
def test_equals_naive_composition(adapter: ModelAdapter, layer: int, center: bool) -> None:
    for name in _names(adapter):
        weights = virtual_weights(adapter, layer, projection=name, center=center, dtype=F64)
        assert list(weights) == [name]
        assert weights[name].shape == (24, 24)
        torch.testing.assert_close(weights[name], naive(adapter, layer, name, center), rtol=1e-12, atol=1e-12)


def test_centering_changes_layernorm_families_only(adapter: ModelAdapter) -> None:
    plain = virtual_map(adapter, 0, dtype=F64).write
    centred = virtual_map(adapter, 0, center=True, dtype=F64).write
    assert torch.equal(plain, centred) == (adapter.family.name in ("llama", "mistral"))


def test_both_is_root_sum_of_squares(adapter: ModelAdapter) -> None:
    vmap = virtual_map(adapter, 1, projection="both", dtype=F64)
    expected = torch.stack([naive(adapter, 1, name) for name in _names(adapter)]).square().sum(0).sqrt()
    torch.testing.assert_close(vmap.magnitude(), expected, rtol=1e-12, atol=1e-12)
    assert sorted(vmap.read) == sorted(_names(adapter))


def test_blocks_equal_slices_of_the_dense_matrix(adapter: ModelAdapter) -> None:
    vmap = virtual_map(adapter, 0, dtype=F64)
    dense = vmap.magnitude()
    rows, columns = [5, 0, 23], [1, 2, 17, 9]
    torch.testing.assert_close(vmap.magnitude(rows, columns), dense[rows][:, columns])


def test_bert_folds_both_norms_and_decoders_one() -> None:
    assert len(virtual_map(tiny_model("bert", layers=2), 0).folded) == 2
    assert len(virtual_map(tiny_model("gpt2", layers=2), 0).folded) == 1


def test_last_layer_has_no_next_layer() -> None:
    with pytest.raises(ModelError, match="no layer 2"):
        virtual_map(tiny_model("gpt2", layers=2), 1)


@pytest.mark.parametrize(("family", "projection"), [("gpt2", "gate"), ("llama", "fc")])
def test_unknown_projection_names_the_choices(family: str, projection: str) -> None:
    with pytest.raises(ConfigError, match="does not exist") as error:
        virtual_map(tiny_model(family, layers=2), 0, projection=projection)
    assert "both" in (error.value.hint or "")


def test_factors_that_do_not_compose_are_refused() -> None:
    with pytest.raises(ModelError, match="do not compose"):
        VirtualMap({"fc": torch.zeros(4, 3)}, torch.zeros(5, 6))
