"""Streaming statistics: the sums equal the captured activations' moments, padding never counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
import torch

from hedonic.errors import ConfigError, MemoryBudgetError, ModelError, NumericalError
from hedonic.models import ModelAdapter, TokenBatch
from hedonic.stats import ActivationStats, at_readout, capture_layer_states, collect_stats
from hedonic.stats.capture import unhooked
from hedonic.testing import TINY_FAMILIES, tiny_model

ROTARY = ("llama", "mistral", "gpt_neox")
BatchesMaker = Any


@pytest.fixture(scope="module", params=TINY_FAMILIES)
def adapter(request: pytest.FixtureRequest) -> ModelAdapter:
    return tiny_model(request.param, seed=0, layers=3)


def _close(left: ActivationStats, right: ActivationStats, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    assert (left.count, left.num_inputs, left.neurons.tolist()) == (right.count, right.num_inputs, right.neurons.tolist())
    for name in ("sum", "sum_abs", "sum_sq", "sum_outer", "sum_v", "sum_vv"):
        a, b = getattr(left, name), getattr(right, name)
        assert (a is None) == (b is None), name
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=name)


@pytest.mark.parametrize("tokens", ["readout", "all"])
def test_sums_are_the_moments_of_the_captured_rows(adapter: ModelAdapter, tokens: str, make_batches: BatchesMaker) -> None:
    batches = make_batches(adapter, 3)
    neurons = [3, 0, 17, 30]
    stats = collect_stats(adapter, batches, [2, 0], neurons={2: neurons}, tokens=tokens, stop_early=False)
    assert list(stats) == [0, 2] and stats[2].neurons.tolist() == [0, 3, 17, 30] and stats[0].k == 32
    for layer in (0, 2):
        rows = []
        for batch in batches:
            a = capture_layer_states(adapter, batch, [layer], residual=False)[layer].activations
            rows.append(at_readout(adapter, a, batch.attention_mask) if tokens == "readout" else a[batch.attention_mask.bool()])
        x = torch.cat(rows).double().numpy()[:, stats[layer].neurons]
        expected_rows = 7 if tokens == "readout" else sum(int(b.attention_mask.sum()) for b in batches)
        assert stats[layer].count == x.shape[0] == expected_rows and stats[layer].num_inputs == 7
        np.testing.assert_allclose(stats[layer].sum, x.sum(0), rtol=1e-12)
        np.testing.assert_allclose(stats[layer].sum_abs, np.abs(x).sum(0), rtol=1e-12)
        np.testing.assert_allclose(stats[layer].sum_sq, (x**2).sum(0), rtol=1e-12)
        np.testing.assert_allclose(stats[layer].sum_outer, x.T @ x, rtol=1e-10, atol=1e-12)
        assert stats[layer].sum.dtype == np.float64 and stats[layer].readout is None and stats[layer].sum_vv is None


def test_padding_and_batch_size_never_change_the_statistics(adapter: ModelAdapter, make_batches: BatchesMaker) -> None:
    sides = ("right", "left") if adapter.family.name in ROTARY else ("right",)
    for tokens, grad in (("readout", None), ("all", None), ("readout", "local"), ("readout", "model")):
        alone = collect_stats(adapter, make_batches(adapter, 1, count=5), [1], tokens=tokens, grad=grad)[1]
        for side in sides:
            batched = collect_stats(adapter, make_batches(adapter, 3, side, count=5), [1], tokens=tokens, grad=grad)[1]
            _close(batched, alone)


def test_stopping_early_changes_nothing(adapter: ModelAdapter, make_batches: BatchesMaker) -> None:
    batches = make_batches(adapter, 4)
    for grad in (None, "local"):
        early = collect_stats(adapter, batches, [0, 1], grad=grad, stop_early=True)
        full = collect_stats(adapter, batches, [0, 1], grad=grad, stop_early=False)
        for layer in (0, 1):
            _close(early[layer], full[layer], rtol=0, atol=0)


def _local_attributions(adapter: ModelAdapter, batch: TokenBatch, layer: int) -> np.ndarray:
    """v = a ⊙ W_outᵀ ∇_h f at the readout token, f the local readout of the residual h."""
    states = capture_layer_states(adapter, batch, [layer])[layer]
    h = at_readout(adapter, states.residual, batch.attention_mask).detach().requires_grad_(True)
    (grad_h,) = torch.autograd.grad(adapter.local_readout(layer)(h).sum(), h)
    a = at_readout(adapter, states.activations, batch.attention_mask)
    return (a * (grad_h @ adapter.w_out(layer))).double().numpy()


def test_local_attributions_match_the_chain_rule(adapter: ModelAdapter, make_batches: BatchesMaker) -> None:
    batches = make_batches(adapter, 4)
    stats = collect_stats(adapter, batches, [0, 2], grad="local")
    for layer in (0, 2):
        v = np.concatenate([_local_attributions(adapter, batch, layer) for batch in batches])
        assert stats[layer].readout == "local" and stats[layer].num_inputs == v.shape[0]
        np.testing.assert_allclose(stats[layer].sum_v, v.sum(0), rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(stats[layer].sum_vv, v.T @ v, rtol=1e-4, atol=1e-7)
        assert np.abs(stats[layer].sum_vv).max() > 0


def test_local_and_model_readouts_agree_at_the_last_layer(adapter: ModelAdapter, make_batches: BatchesMaker) -> None:
    batches = make_batches(adapter, 4)
    local = collect_stats(adapter, batches, [-1], grad="local")[2]
    model = collect_stats(adapter, batches, [-1], grad="model")[2]
    np.testing.assert_allclose(local.sum_vv, model.sum_vv, rtol=1e-4, atol=1e-7)


@contextmanager
def _scaled(adapter: ModelAdapter, layer: int, neuron: int, factor: float) -> Iterator[None]:
    def scale(_module: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
        a = args[0].clone()
        a[..., neuron] *= factor
        return (a, *args[1:])

    handle = adapter.activation_site(layer).register_forward_pre_hook(scale)
    try:
        yield
    finally:
        handle.remove()


@pytest.mark.parametrize("family", ["bert", "gpt2", "gpt_neox"])
def test_model_attribution_is_the_derivative_of_scaling_a_neuron(family: str, make_batches: BatchesMaker) -> None:
    """v_i = d/dε f(a with a_i → (1 + ε) a_i on every token) at ε = 0 (central differences, float64)."""
    adapter = tiny_model(family, seed=2, layers=3, dtype=torch.float64)
    (batch,) = make_batches(adapter, 3, count=3)
    neurons = [1, 5, 20]
    stats = collect_stats(adapter, [batch], [1], neurons=neurons, grad="model")[1]
    eps = 1e-3  # the norms compute in float32 even in a float64 model: a larger step, central differences
    for column, neuron in enumerate(neurons):
        with _scaled(adapter, 1, neuron, 1 + eps):
            up = adapter.logits(batch)
        with _scaled(adapter, 1, neuron, 1 - eps):
            down = adapter.logits(batch)
        v = ((up - down) / (2 * eps)).numpy()
        np.testing.assert_allclose(stats.sum_v[column], v.sum(), rtol=2e-3, atol=1e-6)
        np.testing.assert_allclose(stats.sum_vv[column, column], (v**2).sum(), rtol=4e-3, atol=1e-6)


def test_non_finite_activation_names_layer_and_batch(make_batches: BatchesMaker) -> None:
    adapter = tiny_model("llama", seed=0, layers=3)
    batches = make_batches(adapter, 2)
    calls = {"count": 0}

    def poison(_module: Any, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        calls["count"] += 1
        if calls["count"] == 3:
            a = args[0].clone()
            a[0, :, 4] = float("nan")
            return (a, *args[1:])
        return None

    handle = adapter.activation_site(1).register_forward_pre_hook(poison)
    try:
        with pytest.raises(NumericalError, match="layer 1 in batch 2"):
            collect_stats(adapter, batches, [1, 2])
    finally:
        handle.remove()
    assert all(unhooked(module) for module in adapter.model.modules())


def test_half_precision_model_keeps_float64_sums(make_batches: BatchesMaker) -> None:
    exact = tiny_model("llama", seed=0, layers=2)
    half = tiny_model("llama", seed=0, layers=2, dtype=torch.bfloat16)
    batches = make_batches(exact, 4)
    low = collect_stats(half, batches, [1], grad="local")[1]
    high = collect_stats(exact, batches, [1], grad="local")[1]
    assert low.sum_outer.dtype == np.float64 and low.sum_vv.dtype == np.float64
    np.testing.assert_allclose(low.sum_outer, high.sum_outer, rtol=0.1, atol=0.05 * np.abs(high.sum_outer).max())


def test_diagonal_mode_keeps_only_vectors(adapter: ModelAdapter, make_batches: BatchesMaker) -> None:
    batches = make_batches(adapter, 4)
    diagonal = collect_stats(adapter, batches, [1], outer=False)[1]
    full = collect_stats(adapter, batches, [1])[1]
    assert diagonal.sum_outer is None
    np.testing.assert_allclose(diagonal.sum_sq, np.diagonal(full.sum_outer), rtol=1e-12)
    np.testing.assert_array_equal(diagonal.mean_abs(), full.mean_abs())


def test_memory_budget_is_checked_before_allocating() -> None:
    adapter = tiny_model("gpt2", seed=0)
    with pytest.raises(MemoryBudgetError, match="above the memory budget") as raised:
        collect_stats(adapter, [], [0, 1], grad="model", memory_budget=10_000)
    # 2 layers × 8 B × (2 k² + 4 k) ≤ 10 000 ⇒ k ≤ 16
    assert "at most 16 neurons" in str(raised.value)
    assert collect_stats(adapter, [], [0, 1], grad="model", neurons=range(16), memory_budget=10_000)[0].k == 16


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"layers": [5]}, ModelError),
        ({"layers": []}, ConfigError),
        ({"layers": [0], "neurons": [32]}, ModelError),
        ({"layers": [0], "neurons": []}, ModelError),
        ({"layers": [0], "tokens": "some"}, ConfigError),
        ({"layers": [0], "grad": "logit"}, ConfigError),
    ],
)
def test_bad_options_fail_clearly(options: dict[str, Any], error: type) -> None:
    adapter = tiny_model("bert", seed=0)
    with pytest.raises(error) as raised:
        collect_stats(adapter, [], **options)
    assert raised.value.hint


def test_hooks_are_removed_after_a_gradient_pass(adapter: ModelAdapter, make_batches: BatchesMaker) -> None:
    collect_stats(adapter, make_batches(adapter, 4), [0, 2], grad="local")
    collect_stats(adapter, make_batches(adapter, 4), [1], grad="model")
    assert all(unhooked(module) for module in adapter.model.modules())


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu(make_batches: BatchesMaker) -> None:
    cpu = tiny_model("llama", seed=0, layers=2)
    gpu = tiny_model("llama", seed=0, layers=2)
    gpu.model.cuda()
    batches = make_batches(cpu, 3)
    for grad in (None, "model"):
        on_gpu = collect_stats(gpu, batches, [0, 1], grad=grad)
        on_cpu = collect_stats(cpu, batches, [0, 1], grad=grad)
        for layer in (0, 1):
            _close(on_gpu[layer], on_cpu[layer], rtol=1e-4, atol=1e-5)
