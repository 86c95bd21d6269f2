"""Friend sets, ranking of partners, choice sets and the friend-appreciation preference (the fixed rule's)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.errors import ConfigError
from hedonic.game import FriendRule, choice_set, compare, friend_count, friend_graph, friend_sets, rank_partners
from hedonic.game.friends import fixed_preference, rule


def test_docstring_examples_hold() -> None:
    for module, examples in ((rule, 4), (fixed_preference, 7)):
        result = doctest.testmod(module)
        assert result.attempted >= examples and result.failed == 0, module.__name__


def _reference_top(phi: np.ndarray, i: int, k: int) -> list[int]:
    others = [j for j in range(len(phi)) if j != i]
    return sorted(others, key=lambda j: (-phi[i, j], j))[:k]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 25), k=st.integers(1, 12), block=st.integers(1, 9), seed=st.integers(0, 2**16))
def test_rank_partners_matches_sorting_with_many_ties(n: int, k: int, block: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    phi = rng.integers(-2, 3, size=(n, n)).astype(np.float32)
    phi = phi + phi.T
    np.fill_diagonal(phi, rng.integers(-5, 6))
    ranking = rank_partners(phi, k, block_rows=block)
    for i in range(n):
        mine = ranking.rows == i
        assert ranking.cols[mine].tolist() == _reference_top(phi, i, min(k, n - 1))
        assert ranking.ranks[mine].tolist() == list(range(min(k, n - 1)))
        assert np.array_equal(ranking.values[mine], phi[i, ranking.cols[mine]])


def test_threshold_only_ranking_keeps_everything_above() -> None:
    rng = np.random.default_rng(3)
    phi = rng.standard_normal((30, 30)).astype(np.float32)
    phi = phi + phi.T
    np.fill_diagonal(phi, 5.0)
    ranking = rank_partners(phi, None, threshold=0.5, block_rows=7)
    expected = {(i, j) for i in range(30) for j in range(30) if i != j and phi[i, j] > 0.5}
    assert set(zip(ranking.rows.tolist(), ranking.cols.tolist(), strict=True)) == expected
    assert (np.diff(ranking.values[ranking.rows == 4]) <= 0).all()


def test_friend_rules_top_k_threshold_and_mutual() -> None:
    phi = np.array(
        [[0, 5, 4, -1], [5, 0, 1, 3], [4, 1, 0, 2], [-1, 3, 2, 0]],
        dtype=np.float32,
    )
    top2 = friend_sets(phi, FriendRule(k=2, threshold=None))
    assert [top2[i].indices.tolist() for i in range(4)] == [[1, 2], [0, 3], [0, 3], [1, 2]]
    floored = friend_sets(phi, FriendRule(k=3, threshold=1.5))
    assert [floored[i].indices.tolist() for i in range(4)] == [[1, 2], [0, 3], [0, 3], [1, 2]]
    only_above = friend_sets(phi, FriendRule(k=None, threshold=3.5))
    assert [only_above[i].indices.tolist() for i in range(4)] == [[1, 2], [0], [0], []]
    mutual = friend_sets(phi, FriendRule(k=1, threshold=None, mutual=True))
    assert [mutual[i].indices.tolist() for i in range(4)] == [[1], [0], [], []]


def test_friend_graph_restricted_to_groups() -> None:
    phi = np.array([[0, 3, 2, 1], [3, 0, 1, 2], [2, 1, 0, 3], [1, 2, 3, 0]], dtype=np.float32)
    ranking = rank_partners(phi, 3)
    graph = friend_graph(ranking, FriendRule(k=2, threshold=None), groups=np.array([0, 0, 1, -1]))
    assert [graph[i].indices.tolist() for i in range(4)] == [[1], [0], [], []]


def test_choice_set_and_compare() -> None:
    phi = np.array([[0, 9, 8, 1, 1], [9, 0, 1, 1, 1], [8, 1, 0, 1, 1], [1, 1, 1, 0, 9], [1, 1, 1, 9, 0]], dtype=np.float32)
    friends = friend_sets(phi, FriendRule(k=2, threshold=1.5))
    assert choice_set(friends, 0, [1, 3, 4]).tolist() == [0, 1]
    assert choice_set(friends, 3, range(5)).tolist() == [3, 4]
    assert friend_count(friends, 0, {0, 1, 2, 3}) == 2
    assert compare(friends, 0, [0, 1, 2], [0, 1, 2, 3]) == 1
    assert compare(friends, 0, [0, 1, 3], [0, 1, 2, 3, 4]) == -1
    assert compare(friends, 0, [0, 1], [0, 2]) == 0
    with pytest.raises(ConfigError, match="belong to both"):
        compare(friends, 0, [1, 2], [0, 1])
    with pytest.raises(ConfigError, match="out of range"):
        choice_set(friends, 0, [7])


@pytest.mark.parametrize(("k", "threshold"), [(0, None), (None, None), (2.5, None), (2, float("inf"))])
def test_bad_rules_fail_clearly(k: object, threshold: float | None) -> None:
    with pytest.raises(ConfigError):
        FriendRule(k=k, threshold=threshold)  # type: ignore[arg-type]
