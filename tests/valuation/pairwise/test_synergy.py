"""Exact all-pairs synergy of the local readout against brute-force hook-and-forward ablation."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from hedonic.ablation import zeroed_neurons
from hedonic.ablation.norm_readout import NormReadout, norm_readout
from hedonic.errors import ConfigError, ModelError
from hedonic.models import ModelAdapter, TokenBatch
from hedonic.stats import at_readout, capture_layer_states
from hedonic.testing import TINY_FAMILIES, tiny_model
from hedonic.valuation.pairwise import PairwiseSynergy

QUERIES = ["read the file", "a list", "python code"]
TEXTS = ["open the file and read it", "the list is a type of data set", "import the code and test it with a loop"]
Readout = Callable[[torch.Tensor], torch.Tensor]


@pytest.fixture(scope="module", params=TINY_FAMILIES)
def model(request: pytest.FixtureRequest) -> ModelAdapter:
    return tiny_model(request.param, seed=3, layers=2, dtype=torch.float64)


def readout_states(adapter: ModelAdapter, batch: TokenBatch, layer: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(residual (B, d), activations (B, n)) at the readout token from one forward."""
    states = capture_layer_states(adapter, batch, [layer])[layer]
    mask = batch.attention_mask
    return at_readout(adapter, states.residual, mask), at_readout(adapter, states.activations, mask)


def reference_readout(adapter: ModelAdapter, layer: int) -> Readout:
    """The model's own local readout in float64; an RMSNorm (which rounds through float32) is redone here."""
    norm = adapter.readout_norm(layer)
    if isinstance(norm, nn.LayerNorm):
        return adapter.local_readout(layer)
    head = adapter.readout_head()
    return lambda h: head(h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + norm.variance_epsilon) * norm.weight.detach())


@torch.no_grad()
def ablated_scores(adapter: ModelAdapter, batch: TokenBatch, layer: int, sets: list[list[int]], readout: Readout) -> torch.Tensor:
    """f (K, B) of the inputs with each set zeroed on every token: one full forward of K stacked copies.

    A forward pre-hook multiplies copy k's activations of ``layer`` by the 0/1 mask of set k.
    """
    keep = torch.ones(len(sets), adapter.intermediate_size, dtype=torch.float64)
    for k, neurons in enumerate(sets):
        keep[k, neurons] = 0
    rows = keep.repeat_interleave(len(batch), dim=0)[:, None, :]

    def mask(_module: nn.Module, args: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        return (args[0] * rows.to(args[0]), *args[1:])

    handle = adapter.activation_site(layer).register_forward_pre_hook(mask)
    stacked = batch.repeat(len(sets))
    try:
        residual, _ = readout_states(adapter, stacked, layer)
    finally:
        handle.remove()
    return readout(residual).reshape(len(sets), len(batch))


def brute_force_psi(adapter: ModelAdapter, batch: TokenBatch, layer: int, readout: Readout) -> torch.Tensor:
    """ψ (B, n, n) by hooked full forwards of the model with nothing, every neuron and every pair zeroed."""
    n = adapter.intermediate_size
    pairs = list(itertools.combinations(range(n), 2))
    scores = ablated_scores(adapter, batch, layer, [[]] + [[i] for i in range(n)] + [list(p) for p in pairs], readout)
    clean, singles, joint = scores[0], scores[1 : n + 1], scores[n + 1 :]
    psi = torch.zeros(len(batch), n, n, dtype=torch.float64)
    for (i, j), both in zip(pairs, joint, strict=True):
        psi[:, i, j] = psi[:, j, i] = singles[i] + singles[j] - both - clean
    return psi


def test_stacked_brute_force_is_the_reference_zeroing_hook() -> None:
    adapter = tiny_model("llama", seed=3, layers=2, dtype=torch.float64)
    batch = adapter.encode(QUERIES, TEXTS)
    readout = reference_readout(adapter, 0)
    sets = [[], [4], [2, 31], [0, 5, 7]]
    expected = []
    for neurons in sets:
        with torch.no_grad(), zeroed_neurons(adapter, 0, neurons):
            expected.append(readout(readout_states(adapter, batch, 0)[0]))
    torch.testing.assert_close(ablated_scores(adapter, batch, 0, sets, readout), torch.stack(expected), rtol=1e-13, atol=1e-13)


def test_norm_readout_is_the_models_local_and_linear_readout(model: ModelAdapter) -> None:
    batch = model.encode(QUERIES, TEXTS)
    for layer in range(model.num_layers):
        residual, _ = readout_states(model, batch, layer)
        residual = residual.detach()
        local = norm_readout(model, layer)
        torch.testing.assert_close(local(residual), reference_readout(model, layer)(residual), rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(local(residual), model.local_readout(layer)(residual), rtol=1e-6, atol=1e-6)
        linear = norm_readout(model, layer, "linear")
        torch.testing.assert_close(linear(residual), model.linear_readout()(residual), rtol=1e-12, atol=1e-12)
        assert linear.affine and not local.affine


@pytest.mark.parametrize("layer", [0, 1])
def test_all_pairs_equal_brute_force_ablation(model: ModelAdapter, layer: int) -> None:
    batch = model.encode(QUERIES, TEXTS)
    psi = brute_force_psi(model, batch, layer, reference_readout(model, layer))
    residual, activations = readout_states(model, batch, layer)
    synergy = PairwiseSynergy(norm_readout(model, layer), model.w_out(layer), absolute=True, tile_elements=300)
    synergy.update(residual[:1], activations[:1])
    synergy.update(residual[1:], activations[1:])
    scale = float(psi.abs().max())
    assert scale > 1e-3
    assert synergy.count == len(batch)
    assert torch.allclose(synergy.mean(), psi.mean(0), rtol=0, atol=1e-9 * scale)
    assert torch.allclose(synergy.mean_abs(), psi.abs().mean(0), rtol=0, atol=1e-9 * scale)


def test_result_is_symmetric_with_zero_diagonal(model: ModelAdapter) -> None:
    residual, activations = readout_states(model, model.encode(QUERIES, TEXTS), 1)
    synergy = PairwiseSynergy(norm_readout(model, 1), model.w_out(1), tile_elements=100)
    synergy.update(residual, activations)
    phi = synergy.mean()
    assert torch.equal(phi, phi.T)
    assert torch.equal(torch.diagonal(phi), torch.zeros(model.intermediate_size, dtype=torch.float64))
    assert phi.abs().max() > 0


def test_linear_readout_has_exactly_zero_synergy(model: ModelAdapter) -> None:
    batch = model.encode(QUERIES[:2], TEXTS[:2])
    brute = brute_force_psi(model, batch, 0, model.linear_readout())
    assert brute.abs().max() < 1e-12
    residual, activations = readout_states(model, batch, 0)
    synergy = PairwiseSynergy(norm_readout(model, 0, "linear"), model.w_out(0), absolute=True)
    synergy.update(residual, activations)
    assert not synergy.mean().any() and not synergy.mean_abs().any()
    assert synergy.count == 2


def test_neuron_subset_gives_the_submatrix() -> None:
    model = tiny_model("gpt2", seed=1, dtype=torch.float64)
    residual, activations = readout_states(model, model.encode(QUERIES, TEXTS), 0)
    readout, w_out = norm_readout(model, 0), model.w_out(0)
    full = PairwiseSynergy(readout, w_out)
    full.update(residual, activations)
    subset = torch.tensor([3, 17, 4, 30, 9])
    part = PairwiseSynergy(readout, w_out[:, subset])
    part.update(residual, activations[:, subset])
    torch.testing.assert_close(part.mean(), full.mean()[subset][:, subset], rtol=1e-12, atol=1e-15)


def synthetic_readout(seed: int, norm: str, tanh: bool, d: int) -> NormReadout:
    generator = torch.Generator().manual_seed(seed)
    m = d if tanh else 1

    def draw(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=generator, dtype=torch.float64)

    return NormReadout(
        norm, 1e-5, draw(m, d), 0.1 * draw(m), "tanh" if tanh else None, draw(m) if tanh else torch.ones(1, dtype=torch.float64), 0.3
    )  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    norm=st.sampled_from(["rms", "layer"]),
    tanh=st.booleans(),
    n=st.integers(1, 23),
    inputs=st.integers(1, 6),
    tile=st.integers(1, 2000),
    split=st.integers(0, 6),
)
def test_tiling_and_streaming_do_not_change_the_sums(seed: int, norm: str, tanh: bool, n: int, inputs: int, tile: int, split: int) -> None:
    d = 6
    readout = synthetic_readout(seed, norm, tanh, d)
    generator = torch.Generator().manual_seed(seed + 1)
    w_out = torch.randn(d, n, generator=generator, dtype=torch.float64)
    residual = torch.randn(inputs, d, generator=generator, dtype=torch.float64)
    activations = torch.randn(inputs, n, generator=generator, dtype=torch.float64)
    whole = PairwiseSynergy(readout, w_out, absolute=True)
    whole.update(residual, activations)
    tiled = PairwiseSynergy(readout, w_out, absolute=True, tile_elements=tile)
    tiled.update(residual[:split], activations[:split])
    tiled.update(residual[split:], activations[split:])
    torch.testing.assert_close(tiled.mean(), whole.mean(), rtol=1e-10, atol=1e-13)
    torch.testing.assert_close(tiled.mean_abs(), whole.mean_abs(), rtol=1e-10, atol=1e-13)
    direct = torch.stack([_psi_by_readout(readout, w_out, residual[k], activations[k]) for k in range(inputs)])
    torch.testing.assert_close(whole.mean(), direct.mean(0), rtol=1e-9, atol=1e-12)


def _psi_by_readout(readout: NormReadout, w_out: torch.Tensor, residual: torch.Tensor, activations: torch.Tensor) -> torch.Tensor:
    """ψ (n, n) of one input by evaluating the readout on every ablated residual."""
    n = w_out.shape[1]
    removed = activations * w_out
    singles = readout(residual - removed.T)
    pairs = readout(residual - removed.T[:, None, :] - removed.T[None, :, :])
    psi = singles[:, None] + singles[None, :] - pairs - readout(residual)
    return psi * (1 - torch.eye(n, dtype=torch.float64))


def test_bad_shapes_and_options_are_rejected() -> None:
    readout = synthetic_readout(0, "rms", False, 4)
    with pytest.raises(ModelError, match="write directions"):
        PairwiseSynergy(readout, torch.zeros(5, 3))
    synergy = PairwiseSynergy(readout, torch.zeros(4, 3))
    with pytest.raises(ModelError, match="do not match"):
        synergy.update(torch.zeros(2, 4), torch.zeros(2, 2))
    with pytest.raises(ModelError, match="same inputs"):
        synergy.update(torch.zeros(2, 4), torch.zeros(3, 3))
    with pytest.raises(ConfigError, match="not accumulated"):
        synergy.mean_abs()
    with pytest.raises(ConfigError, match="tile_elements"):
        PairwiseSynergy(readout, torch.zeros(4, 3), tile_elements=-1)


def test_unsupported_norm_is_rejected() -> None:
    model = tiny_model("gpt_neox", seed=0)
    model.model.gpt_neox.final_layer_norm = nn.Identity()
    with pytest.raises(ModelError, match="no closed form"):
        norm_readout(model, 0)
