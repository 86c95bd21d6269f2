"""Norm freezing: the norms from the analysed layer to the readout held at their clean statistics."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
import torch

from hedonic.ablation import AblationEngine, reference_effects
from hedonic.ablation.norms import clean_scale, downstream_norms, frozen, frozen_norm, recorded_scales
from hedonic.models import ModelAdapter, TokenBatch
from hedonic.testing import TINY_FAMILIES, tiny_model

QUERIES = ["read the file", "a list of python code", "test the class"]
TEXTS = ["open the file and read it now", "the list is a type", "true false none value"]
SETS = [[0], [1], [0, 1], [3, 7, 9, 20], [], [31, 2]]
LAYER = 1
LINEAR_HEADS = ("llama", "mistral", "gpt_neox", "gpt2")


@pytest.fixture(scope="module", params=TINY_FAMILIES)
def model(request: pytest.FixtureRequest) -> ModelAdapter:
    return tiny_model(request.param, seed=0, layers=3, dtype=torch.float64)


def batch_of(adapter: ModelAdapter) -> TokenBatch:
    return adapter.encode(QUERIES, TEXTS)


def pair_synergy(delta: np.ndarray, neurons: list[int]) -> np.ndarray:
    """ψ_ij(x) for every pair of ``neurons``, from effects of the singles followed by the pairs."""
    single = dict(zip(neurons, delta[: len(neurons)], strict=True))
    pairs = list(combinations(neurons, 2))
    return np.array([row - single[i] - single[j] for (i, j), row in zip(pairs, delta[len(neurons) :], strict=True)])


def singles_and_pairs(neurons: list[int]) -> list[list[int]]:
    return [[i] for i in neurons] + [list(pair) for pair in combinations(neurons, 2)]


def test_norms_on_the_way_to_the_readout(model: ModelAdapter) -> None:
    norms = downstream_norms(model, LAYER)
    per_block = {"llama": 2, "mistral": 2, "gpt_neox": 2, "gpt2": 2, "bert": 2}[model.family.name]
    own = 1 if model.family.name == "bert" else 0
    final = 0 if model.family.name == "bert" else 1
    assert len(norms) == own + per_block * (model.num_layers - LAYER - 1) + final
    assert len({id(norm) for norm in norms}) == len(norms)


def test_a_frozen_norm_on_its_clean_input_is_the_norm(model: ModelAdapter) -> None:
    states = torch.randn(3, 5, model.hidden_size, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for norm in downstream_norms(model, LAYER):
        expected = norm(states)
        np.testing.assert_allclose(frozen_norm(norm, states, clean_scale(norm, states)).detach(), expected.detach(), rtol=1e-6, atol=1e-6)
        with frozen([norm], [clean_scale(norm, states)]):
            np.testing.assert_allclose(norm(states).detach(), expected.detach(), rtol=1e-6, atol=1e-6)
        assert "forward" not in vars(norm)


@pytest.mark.parametrize("family", LINEAR_HEADS)
def test_frozen_norms_make_the_local_readout_of_a_linear_head_exactly_additive(family: str) -> None:
    adapter = tiny_model(family, seed=0, layers=3, dtype=torch.float64)
    neurons = list(range(0, 32, 3))
    engine = AblationEngine(adapter, LAYER, batch_of(adapter))
    free = engine.effects(singles_and_pairs(neurons), "local")
    held = engine.effects(singles_and_pairs(neurons), "local", freeze_norms=True)
    scale = np.abs(held.delta).max()
    assert held.freeze_norms and not free.freeze_norms
    assert np.abs(pair_synergy(held.delta, neurons)).max() <= 1e-13 * scale
    assert np.abs(pair_synergy(free.delta, neurons)).max() > 1e-4 * scale
    whole = engine.effects([neurons], "local", freeze_norms=True).delta[0]
    np.testing.assert_allclose(whole, held.delta[: len(neurons)].sum(axis=0), rtol=1e-12, atol=1e-14 * scale)


def test_frozen_norms_leave_the_bert_pooler_nonlinear() -> None:
    adapter = tiny_model("bert", seed=0, layers=3, dtype=torch.float64)
    neurons = list(range(0, 32, 3))
    held = AblationEngine(adapter, LAYER, batch_of(adapter)).effects(singles_and_pairs(neurons), "local", freeze_norms=True)
    assert np.abs(pair_synergy(held.delta, neurons)).max() > 1e-4 * np.abs(held.delta).max()


@pytest.mark.parametrize("readout", ["local", "model"])
def test_frozen_engine_equals_the_frozen_hook_and_forward_reference(model: ModelAdapter, readout: str) -> None:
    batch = batch_of(model)
    engine = AblationEngine(model, LAYER, batch, max_rows=2 * len(batch))
    effects = engine.effects(SETS, readout, freeze_norms=True)
    _, delta = reference_effects(model, batch, LAYER, SETS, readout=readout, freeze_norms=True)
    scale = np.abs(delta).max()
    assert scale > 0
    assert np.abs(effects.delta - delta).max() <= 1e-9 * scale
    assert np.abs(effects.delta[SETS.index([])]).max() <= 1e-12 * scale


def test_the_model_readout_keeps_nonlinear_computation_with_frozen_norms(model: ModelAdapter) -> None:
    neurons = list(range(0, 32, 3))
    engine = AblationEngine(model, 0, batch_of(model))
    held = engine.effects(singles_and_pairs(neurons), "model", freeze_norms=True)
    free = engine.effects(singles_and_pairs(neurons), "model")
    scale = np.abs(held.delta).max()
    assert np.abs(pair_synergy(held.delta, neurons)).max() > 1e-4 * scale
    assert np.abs(held.delta - free.delta).max() > 1e-6 * scale


def test_the_empty_set_has_no_effect_beyond_float32_rounding() -> None:
    adapter = tiny_model("bert", seed=3, layers=3)
    engine = AblationEngine(adapter, 0, batch_of(adapter), max_rows=6)
    ulp = np.spacing(np.abs(engine.clean("model")).astype(np.float32)).max()
    for freeze in (False, True):
        delta = engine.effects([[], [1, 2], [], [5]], "model", freeze_norms=freeze).delta
        assert np.abs(delta[[0, 2]]).max() <= 4 * ulp and np.abs(delta[1]).max() > 100 * ulp


def test_recorded_scales_are_those_of_the_clean_forward(model: ModelAdapter) -> None:
    batch = batch_of(model)
    norms = downstream_norms(model, LAYER)
    inputs: list[torch.Tensor] = []
    handles = [norm.register_forward_pre_hook(lambda _m, args: inputs.append(args[0])) for norm in norms]
    with recorded_scales(norms) as scales:
        model.logits(batch)
    for handle in handles:
        handle.remove()
    assert all(scale is not None for scale in scales)
    for norm, scale, seen in zip(norms, scales, inputs, strict=True):
        np.testing.assert_allclose(scale.rstd, clean_scale(norm, seen).rstd)
    assert all(not norm._forward_pre_hooks for norm in norms)
