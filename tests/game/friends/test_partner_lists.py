"""Partner lists: best columns with ties, and k best partners in a shrinking R against brute force."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.game import PartnerLists, rank_partners
from hedonic.game.friends.partner_lists import best_columns


def _reference_best(phi: np.ndarray, i: int, members: np.ndarray, k: int, threshold: float | None) -> list[int]:
    """i's k best qualifying partners among ``members``: φ descending, ties to the lower index."""
    qualifying = [int(j) for j in members if j != i and (threshold is None or phi[i, j] > threshold)]
    return sorted(qualifying, key=lambda j: (-float(phi[i, j]), j))[:k]


def _tied_phi(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    phi = rng.integers(-3, 4, size=(n, n)).astype(np.float32)
    phi = phi + phi.T
    np.fill_diagonal(phi, 0)
    return phi


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 6), cols=st.integers(1, 20), width=st.integers(1, 25), seed=st.integers(0, 2**16))
def test_best_columns_sorts_like_python_with_ties_and_barred_entries(rows: int, cols: int, width: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.integers(-2, 3, size=(rows, cols)).astype(np.float32)
    values[rng.random((rows, cols)) < 0.2] = -np.inf
    best = best_columns(values, width)
    assert best.shape == (rows, min(width, cols))
    for r in range(rows):
        allowed = [c for c in range(cols) if values[r, c] > -np.inf]
        expected = sorted(allowed, key=lambda c: (-values[r, c], c))[:width]
        assert best[r].tolist() == expected + [-1] * (best.shape[1] - len(expected))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 30),
    k=st.integers(1, 5),
    width=st.integers(1, 6),
    threshold=st.sampled_from([None, 0.0, 2.0]),
    grouped=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_choose_is_the_k_best_in_r_as_players_leave(n: int, k: int, width: int, threshold: float | None, grouped: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    phi = _tied_phi(n, seed)
    groups = rng.integers(-1, 3, size=n) if grouped else np.zeros(n, dtype=np.int64)
    lists = PartnerLists.from_phi(phi, threshold, width=width).within(groups if grouped else None)
    for leaving in np.array_split(rng.permutation(np.flatnonzero(groups >= 0)), 4):
        players = np.flatnonzero(lists.alive)
        chosen = lists.choose(players, k)
        for row, i in enumerate(players):
            members = np.flatnonzero(lists.alive & (groups == groups[i]))
            expected = _reference_best(phi, int(i), members, k, threshold)
            assert chosen[row].tolist() == expected + [-1] * (k - len(expected))
        lists.remove(leaving)


def test_rows_that_run_out_are_rebuilt_and_grow() -> None:
    phi = _tied_phi(40, 3)
    base = PartnerLists.from_phi(phi, None, width=2)
    lists = base.within()
    lists.remove(np.arange(20))
    chosen = lists.choose(np.arange(20, 40), 3)
    assert lists.rebuilt_rows > 0 and lists.ids.shape[1] >= 4
    assert chosen.tolist() == [_reference_best(phi, i, np.arange(20, 40), 3, None) for i in range(20, 40)]
    assert base.rebuilt_rows == 0 and base.alive.all() and base.ids.shape[1] == 2


def test_lists_from_a_ranking_are_complete_and_never_read_phi() -> None:
    phi = _tied_phi(12, 5)
    lists = PartnerLists.from_ranking(rank_partners(phi, None, threshold=-np.inf), 1.0).within()
    assert lists.phi is None and lists.complete.all()
    lists.remove(np.arange(6))
    assert lists.choose(np.arange(6, 12), 20).tolist() == [
        _reference_best(phi, i, np.arange(6, 12), 20, 1.0) + [-1] * (20 - len(_reference_best(phi, i, np.arange(6, 12), 20, 1.0)))
        for i in range(6, 12)
    ]
