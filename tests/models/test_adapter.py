"""ModelAdapter against ground truth recomputed by hand from each family's module outputs."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from hedonic.errors import ModelError
from hedonic.models import ModelAdapter, TokenBatch
from hedonic.testing import tiny_model

ATOL = 1e-5


def _capture(module: nn.Module, port: str, store: dict[str, torch.Tensor], key: str) -> Any:
    if port == "input":
        return module.register_forward_pre_hook(lambda _m, args: store.__setitem__(key, args[0].detach()))

    def after(_m: nn.Module, _args: Any, output: Any) -> None:
        store[key] = (output[0] if isinstance(output, tuple) else output).detach()

    return module.register_forward_hook(after)


def _manual_activation(adapter: ModelAdapter, layer: int, x: torch.Tensor) -> torch.Tensor:
    """a = act(x W_in^T + b) (times up(x) in gated MLPs), with x the MLP norm's output (B, T, d)."""
    pre = {
        name: x @ weight.T + (0 if bias is None else bias)
        for (name, weight), bias in zip(adapter.w_in(layer).items(), adapter.b_in(layer).values(), strict=True)
    }
    family = adapter.family.name
    if family in ("llama", "mistral"):
        return F.silu(pre["gate"]) * pre["up"]
    if family == "gpt2":
        return F.gelu(pre["fc"], approximate="tanh")
    return F.gelu(pre["fc"])


def test_activation_site_input_is_the_neuron_activation(base: ModelAdapter, make_batch: Any) -> None:
    ids, mask = make_batch("right")
    store: dict[str, torch.Tensor] = {}
    handles = []
    for layer in range(base.num_layers):
        handles.append(_capture(base.mlp_norm(layer), "output", store, f"x{layer}"))
        handles.append(_capture(base.out_proj(layer), "output", store, f"y{layer}"))
    try:
        activations = base.neuron_activations(TokenBatch(ids, mask), layers=[0, 1, -1])
    finally:
        for handle in handles:
            handle.remove()
    assert sorted(activations) == [0, 1, 2]
    for layer, a in activations.items():
        assert a.shape == (*ids.shape, base.intermediate_size)
        torch.testing.assert_close(a, _manual_activation(base, layer, store[f"x{layer}"]), atol=ATOL, rtol=1e-4)
        b_out = base.b_out(layer)
        expected = a @ base.w_out(layer).T + (0 if b_out is None else b_out)
        torch.testing.assert_close(store[f"y{layer}"], expected, atol=ATOL, rtol=1e-4)


def test_weight_orientation(base: ModelAdapter) -> None:
    d, n = base.hidden_size, base.intermediate_size
    assert (d, n) == (16, 32)
    assert base.w_out(1).shape == (d, n)
    for weight in base.w_in(1).values():
        assert weight.shape == (n, d)
    expected = {"llama": {"gate", "up"}, "mistral": {"gate", "up"}}.get(base.family.name, {"fc"})
    assert set(base.w_in(0)) == expected == set(base.in_projs(0))


def _residual_and_hidden(adapter: ModelAdapter, ids: torch.Tensor, mask: torch.Tensor) -> tuple[dict[int, torch.Tensor], Any]:
    store: dict[str, torch.Tensor] = {}
    handles = [_capture(*adapter.residual_site(layer), store, str(layer)) for layer in range(adapter.num_layers)]
    try:
        with torch.no_grad():
            output = adapter.model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    finally:
        for handle in handles:
            handle.remove()
    return {int(k): v for k, v in store.items()}, output


@pytest.mark.parametrize("side", ["right", "left"])
def test_local_readout_at_last_layer_is_the_model_logit(base: ModelAdapter, make_batch: Any, side: str) -> None:
    ids, mask = make_batch(side if base.is_decoder else "right")
    positions = base.readout_positions(mask)
    if not base.is_decoder:
        assert positions.tolist() == [0, 0, 0]  # encoders are right-padded, [CLS] first
    elif side == "right":
        assert positions.tolist() == [6, 2, 4]
    else:
        assert positions.tolist() == [6, 6, 6]
    residual, output = _residual_and_hidden(base, ids, mask)
    rows = torch.arange(ids.shape[0])
    last = residual[base.num_layers - 1][rows, positions]
    with torch.no_grad():
        local = base.local_readout(-1)(last)
    torch.testing.assert_close(local, output.logits.squeeze(-1), atol=ATOL, rtol=1e-4)


def test_residual_site_is_the_stream_after_the_mlp(base: ModelAdapter, make_batch: Any) -> None:
    ids, mask = make_batch("right")
    residual, output = _residual_and_hidden(base, ids, mask)
    for layer in range(base.num_layers - 1):
        stream = residual[layer]
        if not base.is_decoder:
            with torch.no_grad():
                stream = base.readout_norm(layer)(stream)
        torch.testing.assert_close(stream, output.hidden_states[layer + 1], atol=ATOL, rtol=1e-4)


def test_local_readout_is_not_additive(base: ModelAdapter) -> None:
    """The final norm makes f(h + u + v) − f(h + u) − f(h + v) + f(h) non-zero (spec §6 warning)."""
    h, u, v = torch.randn(3, 4, base.hidden_size, generator=torch.Generator().manual_seed(3))
    readout = base.local_readout(0)
    with torch.no_grad():
        interaction = readout(h + u + v) - readout(h + u) - readout(h + v) + readout(h)
    assert readout(h).shape == (4,)
    assert interaction.abs().max() > 1e-3


def test_head_parts_reproduce_the_head(base: ModelAdapter) -> None:
    x = torch.randn(4, base.hidden_size, generator=torch.Generator().manual_seed(5))
    stages = base.head_parts()
    assert stages[-1].weight.shape == (1, base.hidden_size)
    assert [s.activation for s in stages] == (["tanh", None] if base.family.name == "bert" else [None])
    y = x
    for stage in stages:
        y = y @ stage.weight.T + (0 if stage.bias is None else stage.bias)
        y = torch.tanh(y) if stage.activation == "tanh" else y
    with torch.no_grad():
        torch.testing.assert_close(y.squeeze(-1), base.readout_head()(x), atol=ATOL, rtol=1e-4)


def test_layer_indices_are_checked(base: ModelAdapter) -> None:
    assert base.check_layer(-1) == 2 and base.check_layer(0) == 0
    assert base.block(-3) is base.block(0)
    for bad in (3, -4):
        with pytest.raises(ModelError, match=rf"layer {bad} out of range: model has 3 layers \(valid 0..2\)"):
            base.w_out(bad)
    with pytest.raises(ModelError):
        base.neuron_activations(TokenBatch(torch.ones(1, 2, dtype=torch.long), torch.ones(1, 2, dtype=torch.long)), [7])


def test_readout_positions_rejects_bad_mask(base: ModelAdapter) -> None:
    with pytest.raises(ModelError, match="attention_mask"):
        base.readout_positions(torch.ones(3, dtype=torch.long))


def test_two_logit_head_is_rejected() -> None:
    from hedonic.testing import _build, tiny_config

    with pytest.raises(ModelError, match="one-logit"):
        ModelAdapter(_build(tiny_config("llama", num_labels=2), seed=0))


def test_tiny_models_are_deterministic_and_fast() -> None:
    import time

    tiny_model("gpt2", seed=4)
    start = time.perf_counter()
    first = tiny_model("gpt2", seed=4)
    elapsed = time.perf_counter() - start
    second = tiny_model("gpt2", seed=4)
    other = tiny_model("gpt2", seed=5)
    assert torch.equal(first.w_out(0), second.w_out(0))
    assert not torch.equal(first.w_out(0), other.w_out(0))
    assert elapsed < 0.5


def test_linear_readout_is_affine_and_matches_the_head_without_nonlinearities(base: ModelAdapter) -> None:
    h, u, v = torch.randn(3, 4, base.hidden_size, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    readout = base.linear_readout()
    interaction = readout(h + u + v) - readout(h + u) - readout(h + v) + readout(h)
    assert interaction.abs().max() < 1e-9
    y = h.float()
    for stage in base.head_parts():
        y = y @ stage.weight.T + (0 if stage.bias is None else stage.bias)
    torch.testing.assert_close(readout(h.float()), y.squeeze(-1), atol=ATOL, rtol=1e-4)
