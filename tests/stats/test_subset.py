"""Neuron subsets: explicit, top-k by LoRA norm or variance, and the CLI text form."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hedonic.errors import ConfigError
from hedonic.models import lora_profile, tiny_lora, tiny_model
from hedonic.stats import ActivationStats
from hedonic.valuation import (
    SubsetSpec,
    explicit_subset,
    parse_subset,
    resolve_subset,
    top_k,
    top_k_by_lora,
    top_k_by_variance,
)


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
