"""Neuron subsets: explicit, top-k by LoRA norm or variance, the CLI text form, per layer and among collected neurons."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hedonic.errors import ConfigError
from hedonic.models import lora_profile
from hedonic.stats import ActivationStats, SubsetSpec, explicit_subset, parse_subset, resolve_subset, top_k
from hedonic.stats.subset import resolve_layer_subsets, subset_of_stats, top_k_by_lora, top_k_by_variance
from hedonic.testing import tiny_lora, tiny_model


@given(scores=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=40), data=st.data())
def test_top_k_picks_the_largest(scores: list[float], data: st.DataObject) -> None:
    k = data.draw(st.integers(1, len(scores)))
    chosen = top_k(np.array(scores), k)
    assert chosen.tolist() == sorted(chosen.tolist()) and len(set(chosen.tolist())) == k
    rest = np.setdiff1d(np.arange(len(scores)), chosen)
    if rest.size:
        assert min(scores[i] for i in chosen) >= max(scores[i] for i in rest)


def test_top_k_names_ids_and_checks_k() -> None:
    assert top_k(np.array([0.1, 5.0, 3.0]), 2, ids=np.array([7, 8, 9])).tolist() == [8, 9]
    assert top_k(np.array([1.0, 1.0, 1.0]), 2).tolist() == [0, 1]
    with pytest.raises(ConfigError, match="top 4 of 3"):
        top_k(np.zeros(3), 4)


def test_top_k_by_lora_norm() -> None:
    adapter = tiny_lora(tiny_model("llama", seed=0), seed=1)
    profile = lora_profile(adapter)
    chosen = top_k_by_lora(profile, 1, 5)
    norms = profile.neuron_norms(1)
    assert chosen.tolist() == sorted(np.argsort(-norms)[:5].tolist())


def test_top_k_by_variance() -> None:
    x = np.random.default_rng(0).normal(size=(100, 4)) * np.array([1.0, 5.0, 0.1, 3.0])
    stats = ActivationStats(1, np.array([3, 5, 8, 13]), "readout", 100, 100, x.sum(0), np.abs(x).sum(0), (x**2).sum(0))
    assert top_k_by_variance(stats, 2).tolist() == [5, 13]
    assert resolve_subset(SubsetSpec(ranking="variance", k=1), 20, layer=1, stats=stats).tolist() == [5]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("all", SubsetSpec()),
        ("lora:64", SubsetSpec(ranking="lora", k=64)),
        ("variance:3", SubsetSpec(ranking="variance", k=3)),
    ],
)
def test_parse_rankings(text: str, expected: SubsetSpec) -> None:
    assert parse_subset(text) == expected


def test_parse_ids_and_ranges() -> None:
    spec = parse_subset("5, 0-3,3,10-10")
    assert spec.ids is not None and spec.ids.tolist() == [0, 1, 2, 3, 5, 10]
    assert resolve_subset(spec, 11, layer=0).tolist() == [0, 1, 2, 3, 5, 10]
    assert resolve_subset(SubsetSpec(), 11, layer=0) is None


@pytest.mark.parametrize("text", ["", "a", "3-", "5-2", "lora:", "lora:0", "top:5", "1,,2", "-3"])
def test_parse_rejects_bad_text(text: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_subset(text)
    assert raised.value.hint


def test_explicit_and_resolution_errors() -> None:
    assert explicit_subset([4, 1, 4], 5).tolist() == [1, 4]
    with pytest.raises(ConfigError, match=r"0\.\.4"):
        explicit_subset([5], 5)
    with pytest.raises(ConfigError, match="needs the model's adapter"):
        resolve_subset(SubsetSpec(ranking="lora", k=2), 5, layer=0)
    with pytest.raises(ConfigError, match="needs activation statistics"):
        resolve_subset(SubsetSpec(ranking="variance", k=2), 5, layer=0)


def _stats(layer: int, neurons: list[int], scale: list[float]) -> ActivationStats:
    x = np.random.default_rng(layer).normal(size=(50, len(neurons))) * np.array(scale)
    return ActivationStats(layer, np.array(neurons), "readout", 50, 50, x.sum(0), np.abs(x).sum(0), (x**2).sum(0), x.T @ x)


def test_layer_subsets_run_the_variance_pass_only_for_variance() -> None:
    adapter = tiny_lora(tiny_model("llama", seed=0, layers=3), seed=1)
    calls = []

    def variance_pass() -> dict[int, ActivationStats]:
        calls.append(1)
        return {layer: _stats(layer, list(range(32)), list(1.5 ** np.arange(32))) for layer in (0, 2)}

    assert resolve_layer_subsets(adapter, "all", [0, 2], variance_pass) is None
    explicit = resolve_layer_subsets(adapter, "7,1-2", [0, -1], variance_pass)
    assert explicit is not None and {k: v.tolist() for k, v in explicit.items()} == {0: [1, 2, 7], 2: [1, 2, 7]}
    norms = lora_profile(adapter)
    by_lora = resolve_layer_subsets(adapter, "lora:3", [1], variance_pass)
    assert by_lora is not None and by_lora[1].tolist() == top_k(norms.neuron_norms(1), 3).tolist()
    assert not calls
    by_variance = resolve_layer_subsets(adapter, "variance:4", [0, -1], variance_pass)
    assert calls == [1] and by_variance is not None and sorted(by_variance) == [0, 2]
    assert by_variance[2].tolist() == [28, 29, 30, 31]
    with pytest.raises(ConfigError, match="0..31"):
        resolve_layer_subsets(adapter, "32", [0], variance_pass)


def test_subset_of_collected_statistics() -> None:
    stats = _stats(1, [2, 4, 6, 8, 10], [1.0, 9.0, 0.1, 5.0, 0.2])
    assert subset_of_stats(stats, "all", lambda: pytest.fail("no profile needed")) is stats
    assert subset_of_stats(stats, "variance:2", lambda: pytest.fail("no profile needed")).neurons.tolist() == [4, 8]
    assert subset_of_stats(stats, "10,2", lambda: pytest.fail("no profile needed")).neurons.tolist() == [2, 10]
    adapter = tiny_lora(tiny_model("llama", seed=0), seed=1)
    profile = lora_profile(adapter)
    chosen = subset_of_stats(stats, "lora:2", lambda: profile)
    norms = profile.neuron_norms(1)[[2, 4, 6, 8, 10]]
    assert chosen.neurons.tolist() == sorted(np.array([2, 4, 6, 8, 10])[np.argsort(-norms)[:2]].tolist())
    with pytest.raises(ConfigError, match=r"neurons \[3\] of layer 1 are not in the collected"):
        subset_of_stats(stats, "2-4", lambda: profile)
