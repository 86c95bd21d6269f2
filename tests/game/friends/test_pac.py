"""Sampling from D, the (ε, δ) sample size, and PAC-Top-Cover."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.errors import ConfigError
from hedonic.game import (
    FriendRule,
    friend_graph,
    observed_ranking,
    pac_sample_size,
    pac_top_cover,
    rank_partners,
    top_cover,
    uniform_coalitions,
    uniform_sampler,
)
from hedonic.game.sampling import check_samples


def _symmetric(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    phi = rng.standard_normal((n, n)).astype(np.float32)
    phi = phi + phi.T
    np.fill_diagonal(phi, 0)
    return phi


def _sets(labels: np.ndarray) -> set[frozenset[int]]:
    return {frozenset(np.flatnonzero(labels == label).tolist()) for label in np.unique(labels)}


def test_uniform_coalitions_shape_sizes_and_padding() -> None:
    samples = uniform_coalitions(np.random.default_rng(0), 30, 4000, 6)
    assert samples.shape == (4000, 6) and samples.dtype == np.int64
    sizes = (samples >= 0).sum(axis=1)
    assert set(sizes.tolist()) == {2, 3, 4, 5, 6}
    assert ((samples >= 0) == (np.arange(6) < sizes[:, None])).all()
    check_samples(samples, 30)
    assert np.array_equal(samples, uniform_coalitions(np.random.default_rng(0), 30, 4000, 6))
    assert uniform_coalitions(np.random.default_rng(0), 3, 10, 6).shape == (10, 3)


def test_uniform_coalitions_are_uniform_subsets() -> None:
    samples = uniform_coalitions(np.random.default_rng(1), 5, 30000, 2)
    counts = Counter(tuple(sorted(row)) for row in samples.tolist())
    assert len(counts) == 10
    expected = 30000 / 10
    assert max(abs(c - expected) for c in counts.values()) < 5 * math.sqrt(expected)


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        (np.array([[0, 0]]), "twice"),
        (np.array([[0, 9]]), "0..4"),
        (np.array([[0.0, 1.0]]), "integer"),
        (np.array([0, 1]), "integer"),
    ],
)
def test_bad_sampler_output_fails_clearly(samples: np.ndarray, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_samples(samples, 5)


def test_sample_size_bound() -> None:
    sizes = np.arange(2, 11)
    pair_chance = np.mean(sizes * (sizes - 1)) / (1536 * 1535)
    expected = math.ceil(math.log(8 * 6 / 0.0025) / pair_chance)
    assert pac_sample_size(1536, 0.05, 0.05, k=8, max_k=10) == expected
    assert 5.0e7 < pac_sample_size(14336, 0.05, 0.05, k=4, max_k=10) < 5.2e7
    assert pac_sample_size(1536, 0.01, 0.05, k=8, max_k=10) > expected
    assert pac_sample_size(1536, 0.05, 0.05, k=8, max_k=10, mutual=True) > expected
    with pytest.raises(ConfigError, match="epsilon"):
        pac_sample_size(100, 0.0, 0.05, k=8, max_k=10)


def test_observing_every_pair_gives_the_exact_ranking_and_cover() -> None:
    phi = _symmetric(9, 4)
    rule = FriendRule(k=3, threshold=None)
    seen = observed_ranking(phi, uniform_sampler(9, 9), np.random.default_rng(0), 3000, 3)
    exact = rank_partners(phi, 3)
    for field in ("rows", "cols", "values", "ranks"):
        assert np.array_equal(getattr(seen, field), getattr(exact, field))
    assert np.array_equal(pac_top_cover(phi, rule, m=3000, max_k=9), top_cover(friend_graph(exact, rule)))


def test_few_samples_see_few_partners() -> None:
    phi = _symmetric(200, 5)
    seen = observed_ranking(phi, uniform_sampler(200, 4), np.random.default_rng(0), 50, None, threshold=-np.inf)
    assert 0 < len(seen.rows) <= 50 * 4 * 3
    assert (seen.values == phi[seen.rows, seen.cols]).all()


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 12), k=st.integers(1, 3), seed=st.integers(0, 2**16), m=st.integers(1, 60))
def test_pac_cover_is_deterministic_and_relabelling_permutes_it(n: int, k: int, seed: int, m: int) -> None:
    phi = _symmetric(n, seed)
    rule = FriendRule(k=k, threshold=0.0)
    first = pac_top_cover(phi, rule, m=m, max_k=4, seed=seed)
    assert np.array_equal(first, pac_top_cover(phi, rule, m=m, max_k=4, seed=seed))
    order = np.random.default_rng(seed + 1).permutation(n)
    new_index = np.argsort(order)
    base = uniform_sampler(n, 4)

    def relabelled(rng: np.random.Generator, count: int) -> np.ndarray:
        drawn = base(rng, count)
        return np.where(drawn >= 0, new_index[np.maximum(drawn, 0)], -1)

    moved = pac_top_cover(phi[np.ix_(order, order)], rule, m=m, seed=seed, sampler=relabelled)
    assert _sets(moved) == {frozenset(new_index[list(group)].tolist()) for group in _sets(first)}
