"""The ablation engine against the hook-and-forward reference (float64 tiny models of every family)."""

from __future__ import annotations

import copy
from itertools import combinations

import numpy as np
import pytest
import torch

from hedonic.ablation import AblationEngine, reference_effects, zeroed_neurons
from hedonic.ablation.cache import build_cache
from hedonic.ablation.stacked import resumed_after
from hedonic.errors import ConfigError, DataError, ModelError
from hedonic.models import ModelAdapter, TokenBatch
from hedonic.testing import TINY_FAMILIES, tiny_lora, tiny_model

QUERIES = ["read the file", "a list of python code", "test the class"]
TEXTS = ["open the file and read it now", "the list is a type", "true false none value"]
SETS = [[0], [1], [0, 1], [3, 7, 9, 20], [], [31, 2]]
LAYER = 1


@pytest.fixture(scope="module", params=TINY_FAMILIES)
def model(request: pytest.FixtureRequest) -> ModelAdapter:
    return tiny_model(request.param, seed=0, layers=3, dtype=torch.float64)


def batch_of(adapter: ModelAdapter) -> TokenBatch:
    return adapter.encode(QUERIES, TEXTS)


def assert_relatively_close(got: np.ndarray, expected: np.ndarray, rtol: float) -> None:
    assert got.shape == expected.shape
    scale = np.abs(expected).max()
    assert scale > 0
    assert np.abs(got - expected).max() <= rtol * scale


@pytest.mark.parametrize("readout", ["local", "linear"])
def test_closed_form_equals_hook_and_forward(model: ModelAdapter, readout: str) -> None:
    batch = batch_of(model)
    engine = AblationEngine(model, LAYER, batch, token_states=False)
    effects = engine.effects(SETS, readout)
    clean, delta = reference_effects(model, batch, LAYER, SETS, readout=readout)
    assert effects.delta.dtype == np.float64 and effects.delta.shape == (len(SETS), len(batch))
    assert_relatively_close(effects.delta, delta, 1e-9)
    np.testing.assert_allclose(effects.clean, clean, rtol=1e-12)
    assert np.abs(effects.delta[SETS.index([])]).max() <= 1e-12 * np.abs(delta).max()
    assert effects.sets[3] == (3, 7, 9, 20) and effects.readout == readout and effects.mode == "zero"


def test_batched_model_readout_equals_one_forward_per_set(model: ModelAdapter) -> None:
    batch = batch_of(model)
    engine = AblationEngine(model, LAYER, batch, max_rows=2 * len(batch))
    effects = engine.effects(SETS, "model")
    clean, delta = reference_effects(model, batch, LAYER, SETS, readout="model")
    assert_relatively_close(effects.delta, delta, 1e-9)
    np.testing.assert_allclose(effects.clean, model.logits(batch).numpy(), rtol=1e-12)
    np.testing.assert_allclose(clean, effects.clean, rtol=1e-12)


def test_model_readout_restores_the_blocks(model: ModelAdapter) -> None:
    batch = batch_of(model)
    before = model.logits(batch)
    AblationEngine(model, 2, batch).effects([[1, 2]], "model")
    with pytest.raises(RuntimeError, match="boom"):
        with resumed_after(model, 1, torch.zeros(1)):
            raise RuntimeError("boom")
    assert all("forward" not in vars(model.block(j)) for j in range(model.num_layers))
    assert torch.equal(model.logits(batch), before)


@pytest.mark.parametrize("family", TINY_FAMILIES)
def test_pre_lora_equals_a_model_with_the_neurons_weights_reset(family: str) -> None:
    base = tiny_model(family, seed=0, layers=3, dtype=torch.float64)
    tuned = tiny_lora(base, seed=1)
    batch = batch_of(tuned)
    neurons = [2, 5, 11]
    reset = ModelAdapter(copy.deepcopy(tuned.model), tuned.tokenizer)
    transposed = tuned.family.transposed
    with torch.no_grad():
        for name, module in reset.in_projs(LAYER).items():
            original = base.in_projs(LAYER)[name].weight
            target = (module.weight.T, original.T) if transposed else (module.weight, original)
            target[0][neurons] = target[1][neurons]
        module, original = reset.out_proj(LAYER), base.out_proj(LAYER).weight
        target = (module.weight.T, original.T) if transposed else (module.weight, original)
        target[0][:, neurons] = target[1][:, neurons]
    expected = tuned.logits(batch).numpy() - reset.logits(batch).numpy()
    engine = AblationEngine(tuned, LAYER, batch, mode="pre-lora")
    effects = engine.effects([neurons], "model")
    # ΔW is stored from float32 LoRA factors: the pre-LoRA weights are exact to ~1e-7 relative.
    assert_relatively_close(effects.delta[0], expected, 1e-5)
    for readout in ("local", "linear", "model"):
        _, delta = reference_effects(tuned, batch, LAYER, SETS, readout=readout, mode="pre-lora")
        assert_relatively_close(engine.effects(SETS, readout).delta, delta, 1e-9)


def test_pre_lora_needs_an_update_on_the_layer() -> None:
    base = tiny_model("llama", seed=0, layers=3, dtype=torch.float64)
    batch = batch_of(base)
    with pytest.raises(ModelError, match="no LoRA adapter is loaded"):
        AblationEngine(base, LAYER, batch, mode="pre-lora")
    with pytest.raises(ModelError, match=r"updates on layers \[0\]"):
        AblationEngine(tiny_lora(base, seed=1, lora_layers=[0]), LAYER, batch, mode="pre-lora")
    with pytest.raises(ConfigError, match="unknown ablation mode"):
        AblationEngine(base, LAYER, batch, mode="mean")


def test_linear_readout_has_zero_synergy_and_the_nonlinear_readouts_do_not(model: ModelAdapter) -> None:
    neurons = list(range(0, 32, 3))
    pairs = list(combinations(neurons, 2))
    engine = AblationEngine(model, LAYER, batch_of(model))
    for readout in ("linear", "local", "model"):
        effects = engine.effects([[i] for i in neurons] + [list(p) for p in pairs], readout)
        single = dict(zip(neurons, effects.delta[: len(neurons)], strict=True))
        rows = effects.delta[len(neurons) :]
        psi = np.array([row - single[i] - single[j] for (i, j), row in zip(pairs, rows, strict=True)])
        scale = np.abs(effects.delta).max()
        if readout == "linear":
            assert np.abs(psi).max() <= 1e-9 * scale
        else:
            assert np.abs(psi).max() > 1e-3 * scale


def test_results_do_not_depend_on_chunks_or_batches(model: ModelAdapter) -> None:
    batch = batch_of(model)
    whole = AblationEngine(model, LAYER, batch)
    split = AblationEngine(model, LAYER, batch, batch_size=2, max_elements=1, max_rows=1)
    assert len(split.caches) == 2 and split.num_inputs == len(batch)
    for readout in ("local", "model"):
        expected = whole.effects(SETS, readout).delta
        np.testing.assert_allclose(split.effects(SETS, readout).delta, expected, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("family", ["llama", "gpt2"])
def test_left_padded_decoder_inputs(family: str) -> None:
    adapter = tiny_model(family, seed=2, layers=3, dtype=torch.float64)
    ids = torch.tensor([[0, 0, 7, 8, 9, 10], [11, 12, 13, 14, 15, 16], [0, 0, 0, 20, 21, 22]])
    batch = TokenBatch(ids, (ids != 0).long())
    engine = AblationEngine(adapter, LAYER, batch)
    for readout in ("local", "model"):
        _, delta = reference_effects(adapter, batch, LAYER, SETS, readout=readout)
        assert_relatively_close(engine.effects(SETS, readout).delta, delta, 1e-9)


def test_float32_models_agree_with_the_reference_to_float32_precision() -> None:
    adapter = tiny_model("bert", seed=3, layers=3)
    batch = batch_of(adapter)
    engine = AblationEngine(adapter, 0, batch)
    for readout in ("local", "model"):
        _, delta = reference_effects(adapter, batch, 0, SETS, readout=readout)
        assert_relatively_close(engine.effects(SETS, readout).delta, delta, 1e-4)


def test_a_cache_hands_out_its_token_states_or_names_what_needs_them() -> None:
    adapter = tiny_model("llama", seed=0, layers=2, dtype=torch.float64)
    kept = build_cache(adapter, batch_of(adapter), 0)
    residual, terms = kept.token_states("the causal test")
    assert residual is kept.token_residual and terms is kept.token_terms
    with pytest.raises(ModelError, match="which the causal test needs") as raised:
        build_cache(adapter, batch_of(adapter), 0, token_states=False).token_states("the causal test")
    assert "token_states=True" in str(raised.value.hint)


def test_bad_requests_fail_with_hints() -> None:
    adapter = tiny_model("gpt_neox", seed=0, layers=2, dtype=torch.float64)
    batch = batch_of(adapter)
    engine = AblationEngine(adapter, -1, batch, token_states=False)
    assert engine.layer == 1
    with pytest.raises(ModelError, match="no token states"):
        engine.effects([[0]], "model")
    with pytest.raises(ConfigError, match="outside 0..31"):
        engine.effects([[32]])
    with pytest.raises(ConfigError, match="unknown readout"):
        engine.effects([[0]], "logit")
    with pytest.raises(ModelError, match="layer 5 out of range"):
        AblationEngine(adapter, 5, batch)
    with pytest.raises(DataError, match="no inputs"):
        AblationEngine(adapter, 0, [])
    with pytest.raises(ConfigError, match="batch_size"):
        AblationEngine(adapter, 0, batch, batch_size=0)
    assert engine.effects([], "local").delta.shape == (0, len(batch))


def test_zero_mode_reference_is_the_zeroing_hook() -> None:
    adapter = tiny_model("mistral", seed=0, layers=2, dtype=torch.float64)
    batch = batch_of(adapter)
    clean, delta = reference_effects(adapter, batch, 0, [[4, 6]], readout="model")
    with zeroed_neurons(adapter, 0, [4, 6]):
        ablated = adapter.logits(batch).numpy()
    np.testing.assert_array_equal(delta[0], clean - ablated)


@pytest.mark.parametrize("mode", ["zero", "pre-lora"])
def test_activations_are_the_readout_token_activations(mode: str) -> None:
    adapter = tiny_lora(tiny_model("llama", layers=2, intermediate=32, seed=0, dtype=torch.float64), seed=1)
    batch = batch_of(adapter)
    engine = AblationEngine(adapter, LAYER, batch, mode=mode, batch_size=2, token_states=False)
    every_token = adapter.neuron_activations(batch, [LAYER])[LAYER]
    rows = torch.arange(len(QUERIES))
    expected = every_token[rows, adapter.readout_positions(batch.attention_mask)].numpy()
    assert engine.activations().shape == (len(QUERIES), 32)
    assert np.allclose(engine.activations(), expected, atol=1e-12)


def test_batches_share_one_copy_of_the_direction_tensors(model: ModelAdapter) -> None:
    engine = AblationEngine(model, LAYER, batch_of(model), batch_size=1)
    first, *others = engine.caches
    assert others
    for cache in others:
        assert all(mine.directions is theirs.directions for mine, theirs in zip(cache.terms, first.terms, strict=True))
        assert all(mine.directions is theirs.directions for mine, theirs in zip(cache.token_terms, first.token_terms, strict=True))
