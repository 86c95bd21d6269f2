"""A merged LoRA: ΔW is scaling·B·A in the w_in/w_out orientation, and it changes the model."""

from __future__ import annotations

import copy
from typing import Any

import torch

from hedonic.models import OUT_PROJ, ModelAdapter, TokenBatch
from hedonic.testing import attach_tiny_lora, tiny_lora


def test_merged_weights_differ_from_base_by_delta(base: ModelAdapter, tuned: ModelAdapter) -> None:
    names = set(base.family.mlp_module_names())
    assert set(tuned.lora_deltas) == {(layer, name) for layer in range(3) for name in names}
    assert not base.lora_deltas
    for layer in range(base.num_layers):
        delta_out = tuned.lora_deltas[(layer, OUT_PROJ)]
        assert delta_out.shape == (base.hidden_size, base.intermediate_size) and delta_out.dtype == torch.float32
        torch.testing.assert_close(tuned.w_out(layer) - base.w_out(layer), delta_out, atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(tuned.w_out(layer, base=True), base.w_out(layer), atol=1e-5, rtol=1e-4)
        for name, weight in tuned.w_in(layer).items():
            torch.testing.assert_close(weight - base.w_in(layer)[name], tuned.lora_deltas[(layer, name)], atol=1e-5, rtol=1e-4)
            torch.testing.assert_close(tuned.w_in(layer, base=True)[name], base.w_in(layer)[name], atol=1e-5, rtol=1e-4)
        assert torch.linalg.matrix_norm(delta_out) > 0.1


def test_delta_is_scaled_product_of_the_factors(base: ModelAdapter) -> None:
    peft_model = attach_tiny_lora(copy.deepcopy(base.model), seed=1, rank=2, alpha=4.0)
    module = peft_model.get_base_model().get_submodule(f"{base.family.layers}.1.{base.family.out_proj}")
    expected = 2.0 * module.lora_B["default"].weight @ module.lora_A["default"].weight
    tuned = tiny_lora(base, seed=1, rank=2, alpha=4.0)
    torch.testing.assert_close(tuned.lora_deltas[(1, OUT_PROJ)], expected.detach())
    rslora = tiny_lora(base, seed=1, rank=2, alpha=4.0, use_rslora=True)
    torch.testing.assert_close(rslora.lora_deltas[(1, OUT_PROJ)], expected.detach() * 2**0.5)  # α/√r = 2√2 instead of α/r = 2


def test_merged_logits_differ_from_base(base: ModelAdapter, tuned: ModelAdapter, make_batch: Any) -> None:
    ids, mask = make_batch("right")
    before, after = base.logits(TokenBatch(ids, mask)), tuned.logits(TokenBatch(ids, mask))
    assert before.shape == after.shape == (3,)
    assert (before - after).abs().min() > 1e-3


def test_lora_on_some_layers_only(base: ModelAdapter) -> None:
    tuned = tiny_lora(base, seed=2, lora_layers=[1])
    assert {layer for layer, _ in tuned.lora_deltas} == {1}
    torch.testing.assert_close(tuned.w_out(0), base.w_out(0))
