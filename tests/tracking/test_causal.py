"""The causal link test (hedonic.tracking.causal): stacked ablations against full forwards, and the tests on an effect table."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
import torch

from hedonic.ablation import zeroed_neurons
from hedonic.data import iter_batches
from hedonic.errors import ConfigError
from hedonic.game import Partition
from hedonic.models import ModelAdapter
from hedonic.stats import hooked_states
from hedonic.testing import tiny_model
from hedonic.tracking import CausalSettings, causal_inputs, causal_links
from hedonic.tracking.causal import ablation_sets, causal_effects, causal_tests
from tests.conftest import tiny_pairs

N = 24


def _source() -> Partition:
    return Partition.from_coalitions([list(range(0, 6)), list(range(6, 10)), list(range(12, 20))], "x", layer=0)


def _target() -> Partition:
    return Partition.from_coalitions([list(range(2, 8)), list(range(10, 24))], "x", layer=1)


def test_ablation_sets_are_the_coalitions_then_size_matched_random_groups() -> None:
    sets = ablation_sets(_source(), 7, seed=3)
    assert sets.shape == (3 + 7, 8)
    rows = [sorted(int(i) for i in row if i >= 0) for row in sets]
    assert rows[:3] == [list(group) for group in _source().coalitions]
    sizes = [len(row) for row in rows[3:]]
    assert all(sizes.count(size) in (2, 3) for size in (4, 6, 8)), "the random groups cycle through the coalitions' sizes"
    assert all(set(row) <= set(_source().neurons) for row in rows[3:])
    assert torch.equal(sets, ablation_sets(_source(), 7, seed=3)) and not torch.equal(sets, ablation_sets(_source(), 7, seed=4))


@contextmanager
def _mean_ablated(adapter: ModelAdapter, layer: int, neurons: list[int], mean: torch.Tensor) -> Any:
    def replace(_module: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
        activation = args[0].clone()
        activation[..., neurons] = mean[neurons].to(activation.dtype)
        return (activation, *args[1:])

    handle = adapter.activation_site(layer).register_forward_pre_hook(replace)
    try:
        yield
    finally:
        handle.remove()


def _reference(adapter: ModelAdapter, batches: list, sets: torch.Tensor, mode: str, mean: torch.Tensor | None) -> np.ndarray:
    """d (K × k') by full forwards: mean over all real tokens of |a_j(ablated) − a_j| at layer 1, per set."""
    targets = list(_target().neurons)
    out = np.zeros((sets.shape[0], len(targets)))
    count = sum(int(batch.attention_mask.sum()) for batch in batches)
    for batch in batches:
        mask = batch.attention_mask.unsqueeze(-1).to(torch.float64)
        with torch.no_grad(), hooked_states(adapter, [1], residual=False) as store:
            adapter.logits(batch)
        clean = store[1]["activations"][..., targets].to(torch.float64)
        for row, members in enumerate(sets):
            neurons = [int(i) for i in members if i >= 0]
            ablation = zeroed_neurons(adapter, 0, neurons) if mode == "zero" else _mean_ablated(adapter, 0, neurons, mean)
            with torch.no_grad(), ablation, hooked_states(adapter, [1], residual=False) as store:
                adapter.logits(batch)
            change = (store[1]["activations"][..., targets].to(torch.float64) - clean).abs() * mask
            out[row] += change.sum(dim=(0, 1)).numpy()
    return out / count


@pytest.mark.parametrize(("family", "mode"), [("llama", "zero"), ("bert", "zero"), ("gpt2", "mean")])
def test_stacked_ablations_match_full_forwards(family: str, mode: str) -> None:
    adapter = tiny_model(family, layers=3, intermediate=N, seed=2, dtype=torch.float64)
    batches = list(iter_batches(adapter, tiny_pairs("q", 3, 2, seed=1), 4, 16))
    sets = ablation_sets(_source(), 3, seed=0)
    settings = CausalSettings(mode=mode, random_groups=3, tokens="all", max_values=4 * 16 * N * 2)  # forces several chunks
    found = causal_effects(adapter, 0, sets, _target(), batches, settings)
    mean = None
    if mode == "mean":
        from hedonic.tracking.causal import mean_activation

        mean = mean_activation(adapter, batches, 0)
    np.testing.assert_allclose(found, _reference(adapter, batches, sets, mode, mean), rtol=1e-9, atol=1e-12)


def test_a_planted_causal_link_is_specific_and_a_loud_source_is_not() -> None:
    rng = np.random.default_rng(0)
    source = Partition.from_coalitions([list(range(k, k + 5)) for k in range(0, 40, 5)], "x", layer=0)
    target = Partition.from_coalitions([list(range(k, k + 6)) for k in range(0, 60, 6)], "x", layer=1)
    groups = 40
    loudness = rng.gamma(2.0, size=(8 + groups, 1))
    loudness[2] *= 30.0  # a loud source: strong into every target
    effects = loudness * rng.gamma(20.0, 0.05, size=(8 + groups, 60)) * rng.gamma(2.0, size=(1, 60))
    effects[5, 12:18] *= 2.5  # source 5 reaches target 2 more than its row and column say
    tests, empirical, table = causal_tests(effects, source, target)
    assert [(p, q) for p, q, _, _ in tests.links] == [(5, 2)] and tests.statistic == "causal" and tests.tested == 80
    assert empirical == (1 / (groups + 1),) and table.shape == (8, 10)


def test_causal_links_on_a_tiny_model_and_its_settings() -> None:
    adapter = tiny_model("llama", layers=2, intermediate=N, seed=1)
    pairs = tiny_pairs("q", 4, 3, seed=2)
    chosen = causal_inputs(pairs, CausalSettings(inputs=5))
    assert len(chosen) == 5 and all(pair in pairs for pair in chosen) and chosen == causal_inputs(pairs, CausalSettings(inputs=5))
    result = causal_links(adapter, 0, _source(), _target(), iter_batches(adapter, chosen, 4, 16), CausalSettings(inputs=5, random_groups=4))
    assert result.ablations == 3 + 4 + 1 and result.inputs == 5 and result.effects.shape == (3, 2) and result.tests.tested == 6
    assert result.decomposition is not None and result.payload()["settings"]["mode"] == "zero"
    with pytest.raises(ConfigError, match="unknown causal ablation mode"):
        CausalSettings(mode="magic")
    with pytest.raises(ConfigError, match="random groups"):
        CausalSettings(random_groups=1)
    with pytest.raises(ConfigError, match="is the last"):
        causal_links(adapter, 1, _source(), _target(), [], CausalSettings())
