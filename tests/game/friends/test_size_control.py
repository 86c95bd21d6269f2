"""Size control: oversized coalitions re-covered with stricter friend rules."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components

from hedonic.errors import ConfigError
from hedonic.game import FriendRule, PartnerRanking, friend_graph, rank_partners, refine, top_cover
from hedonic.game.friends.fixed_cover import top_cover_within
from hedonic.game.friends.size_control import stricter_rule


def _symmetric(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    phi = rng.standard_normal((n, n)).astype(np.float32)
    phi = phi + phi.T
    np.fill_diagonal(phi, 0)
    return phi


def _sets(labels: np.ndarray) -> set[frozenset[int]]:
    return {frozenset(np.flatnonzero(labels == label).tolist()) for label in np.unique(labels)}


def _recursive(ranking: PartnerRanking, rule: FriendRule, players: np.ndarray, max_size: int) -> set[frozenset[int]]:
    """Reference: split one oversized coalition at a time, recursing into each piece."""
    groups = np.full(ranking.n, -1)
    groups[players] = 0
    pieces = top_cover(friend_graph(ranking, rule, groups))
    result: set[frozenset[int]] = set()
    for label in np.unique(pieces[players]):
        piece = players[pieces[players] == label]
        stricter = stricter_rule(rule, ranking, np.where(np.isin(np.arange(ranking.n), piece), 0, -1))
        if len(piece) > max_size and stricter is not None:
            result |= _recursive(ranking, stricter, piece, max_size)
        else:
            result.add(frozenset(piece.tolist()))
    return result


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 80), k=st.integers(1, 6), max_size=st.integers(1, 12), mutual=st.booleans(), seed=st.integers(0, 2**16))
def test_levels_match_coalition_by_coalition_refinement(n: int, k: int, max_size: int, mutual: bool, seed: int) -> None:
    phi = _symmetric(n, seed)
    rule = FriendRule(k=k, threshold=None, mutual=mutual)
    ranking = rank_partners(phi, k)
    base = top_cover(friend_graph(ranking, rule))
    refined = refine(ranking, rule, base, max_size, cover=top_cover_within(ranking))
    assert _sets(refined.labels) == _recursive(ranking, rule, np.arange(n), max_size)
    assert np.bincount(refined.labels).max() <= max(max_size, 2)
    for label, level in enumerate(refined.coalition_levels()):
        members = np.flatnonzero(refined.labels == label)
        level_rule = FriendRule.from_dict(refined.levels[level])
        inside = friend_graph(ranking, level_rule, np.where(refined.labels == label, 0, -1))[members][:, members]
        assert connected_components(inside, directed=True, connection="strong")[0] == 1
    assert [record["k"] for record in refined.levels] == list(range(k, k - len(refined.levels), -1))


def test_giant_component_is_split_and_recorded() -> None:
    phi = _symmetric(400, 0)
    rule = FriendRule(k=6, threshold=None)
    ranking = rank_partners(phi, 6)
    base = top_cover(friend_graph(ranking, rule))
    assert np.bincount(base).max() > 300
    refined = refine(ranking, rule, base, 32, cover=top_cover_within(ranking))
    sizes = np.bincount(refined.labels)
    assert sizes.max() <= 32
    assert refined.levels[0] == {
        "level": 0,
        "k": 6,
        "threshold": None,
        "mutual": False,
        "players": 400,
        "split": 0,
        "coalitions": len(np.unique(base)),
    }
    assert refined.levels[1]["players"] == np.bincount(base).max() and refined.levels[1]["split"] == 1
    assert len(refined.coalition_levels()) == len(sizes)
    assert refine(ranking, rule, base, None, cover=top_cover_within(ranking)).levels == refined.levels[:1]


def test_threshold_rule_raises_the_threshold() -> None:
    phi = _symmetric(120, 1)
    rule = FriendRule(k=None, threshold=0.0)
    ranking = rank_partners(phi, None, 0.0)
    base = top_cover(friend_graph(ranking, rule))
    refined = refine(ranking, rule, base, 10, cover=top_cover_within(ranking))
    thresholds = [record["threshold"] for record in refined.levels]
    assert thresholds == sorted(thresholds) and len(set(thresholds)) == len(thresholds) > 1
    assert np.bincount(refined.labels).max() <= 10


def test_a_rule_that_cannot_get_stricter_stops() -> None:
    phi = np.array([[0, 3, 1], [1, 0, 3], [3, 1, 0]], dtype=np.float32)
    rule = FriendRule(k=1, threshold=None)
    ranking = rank_partners(phi, 1)
    refined = refine(ranking, rule, top_cover(friend_graph(ranking, rule)), 2, cover=top_cover_within(ranking))
    assert refined.labels.tolist() == [0, 0, 0] and len(refined.levels) == 1


@pytest.mark.parametrize("max_size", [0, -3, 2.5, True])
def test_bad_max_size(max_size: object) -> None:
    ranking = rank_partners(_symmetric(5, 0), 2)
    with pytest.raises(ConfigError, match="max_size"):
        refine(ranking, FriendRule(k=2), np.zeros(5, dtype=np.int64), max_size, cover=top_cover_within(ranking))  # type: ignore[arg-type]


def test_empty_game() -> None:
    empty = np.zeros(0, dtype=np.int64)
    ranking = PartnerRanking.from_entries(0, empty, empty, np.zeros(0, dtype=np.float32), 3)
    refined = refine(ranking, FriendRule(k=3), np.zeros(0, dtype=np.int64), 4, cover=top_cover_within(ranking))
    assert refined.labels.tolist() == [] and refined.coalition_levels() == []
    assert isinstance(friend_graph(ranking, FriendRule(k=3)), sp.csr_matrix)
