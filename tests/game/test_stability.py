"""The stability oracle: blocking, exhaustive core check, the polynomial oracle and the PAC bound."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.errors import ConfigError
from hedonic.game import (
    FriendPreference,
    Partition,
    blocks,
    clopper_pearson_upper,
    compare,
    core_blocking_coalition,
    largest_blocking_coalition,
    pac_stability,
    uniform_sampler,
)


def _graph(n: int, arcs: list[tuple[int, int]]) -> FriendPreference:
    dense = np.zeros((n, n), dtype=bool)
    for i, j in arcs:
        dense[i, j] = True
    return FriendPreference(sp.csr_matrix(dense))


def _brute_blocks(friends: FriendPreference, labels: np.ndarray, coalition: tuple[int, ...]) -> bool:
    return all(friends.compare(i, coalition, np.flatnonzero(labels == labels[i])) == 1 for i in coalition)


def test_separated_mutual_friends_block() -> None:
    friends = _graph(4, [(0, 1), (1, 0), (2, 3), (3, 2)])
    split = Partition.from_coalitions([[0], [1], [2, 3]], "test")
    assert blocks([0, 1], split, friends)
    assert not blocks([2, 3], split, friends)
    assert not blocks([0, 1, 2], split, friends)
    assert core_blocking_coalition(split, friends) == (0, 1)
    assert largest_blocking_coalition(split, friends) == (0, 1)


def test_blocking_by_the_size_tie_break_only_shows_in_the_exhaustive_check() -> None:
    friends = _graph(3, [(0, 1), (1, 0)])
    padded = Partition.from_coalitions([[0, 1, 2]], "test")
    assert core_blocking_coalition(padded, friends) == (2,)
    assert blocks([0, 1], padded, friends)
    assert largest_blocking_coalition(padded, friends) == ()
    assert core_blocking_coalition(Partition.from_coalitions([[0, 1], [2]], "test"), friends) is None


def test_friendless_member_blocks_alone_and_the_cycle_with_the_pair_gains() -> None:
    friends = _graph(6, [(0, 1), (1, 2), (2, 0), (3, 4), (4, 3), (5, 3)])
    partition = Partition.from_coalitions([[0, 3, 5], [1, 4], [2]], "test")
    assert core_blocking_coalition(partition, friends) == (0,)
    assert largest_blocking_coalition(partition, friends) == (0, 1, 2, 3, 4)
    assert core_blocking_coalition(Partition.from_coalitions([[0, 1, 2], [3, 4], [5]], "test"), friends) is None


def test_neuron_ids_are_used_for_coalitions() -> None:
    friends = _graph(3, [(0, 1), (1, 0)])
    partition = Partition.from_coalitions([[10], [20], [30]], "test")
    assert blocks([10, 20], partition, friends)
    assert core_blocking_coalition(partition, friends) == (10, 20)
    with pytest.raises(ConfigError, match="partition's neurons"):
        blocks([10, 11], partition, friends)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 7), seed=st.integers(0, 2**16))
def test_checks_agree_with_brute_force(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    dense = rng.random((n, n)) < 0.4
    np.fill_diagonal(dense, False)
    friends = FriendPreference(sp.csr_matrix(dense))
    labels = rng.integers(0, max(1, n // 2), size=n)
    partition = Partition.from_labels(labels, "test")
    labels = partition.labels()
    every = [c for size in range(1, n + 1) for c in itertools.combinations(range(n), size)]
    blocking = [c for c in every if _brute_blocks(friends, labels, c)]
    witness = core_blocking_coalition(partition, friends)
    assert (witness is None) == (not blocking)
    if witness is not None:
        assert witness in blocking and len(witness) == min(len(c) for c in blocking)
    gainers = [c for c in every if all(np.isin(dense[i].nonzero()[0], c).sum() > dense[i, labels == labels[i]].sum() for i in c)]
    largest = largest_blocking_coalition(partition, friends)
    assert all(set(c) <= set(largest) for c in gainers)
    assert (largest == ()) or largest in gainers
    samples = np.full((len(every), n), -1)
    for row, c in enumerate(every):
        samples[row, : len(c)] = c
    assert friends.blocking(samples, labels).tolist() == [c in blocking for c in every]
    assert compare(friends.friends, 0, every[-1], every[-1]) == 0


def test_clopper_pearson_upper_bound() -> None:
    assert clopper_pearson_upper(0, 20000, 0.05) == pytest.approx(1 - 0.05 ** (1 / 20000), rel=1e-9)
    assert clopper_pearson_upper(10, 10, 0.05) == 1.0
    assert clopper_pearson_upper(5, 100, 0.05) > 0.05 > clopper_pearson_upper(0, 100, 0.05)


def test_pac_stability_rates_and_determinism() -> None:
    complete = FriendPreference(sp.csr_matrix(~np.eye(6, dtype=bool)))
    lonely = Partition.from_labels(np.arange(6), "test")
    report = pac_stability(lonely, complete, uniform_sampler(6, 4), np.random.default_rng(0), samples=500, delta=0.1)
    assert report.blocking == 500 and report.rate == 1.0 and report.epsilon_upper == 1.0
    together = Partition.from_labels(np.zeros(6, dtype=int), "test")
    stable = pac_stability(together, complete, uniform_sampler(6, 4), np.random.default_rng(0), samples=500, delta=0.1)
    assert stable.blocking == 0 and stable.confidence == pytest.approx(0.9)
    assert stable.epsilon_upper == pytest.approx(1 - 0.1 ** (1 / 500))
    assert "PAC stable at confidence 0.9" in stable.statement
    again = pac_stability(together, complete, uniform_sampler(6, 4), np.random.default_rng(0), samples=500, delta=0.1)
    assert again == stable


def test_bad_stability_inputs_fail_clearly() -> None:
    big = Partition.from_labels(np.arange(15), "test")
    with pytest.raises(ConfigError, match="limited to 14"):
        core_blocking_coalition(big, FriendPreference(sp.csr_matrix((15, 15), dtype=bool)))
    with pytest.raises(ConfigError, match="build both from the same"):
        largest_blocking_coalition(big, FriendPreference(sp.csr_matrix((3, 3), dtype=bool)))
    with pytest.raises(ConfigError, match="delta"):
        pac_stability(
            big, FriendPreference(sp.csr_matrix((15, 15), dtype=bool)), uniform_sampler(15, 3), np.random.default_rng(0), delta=1.5
        )
