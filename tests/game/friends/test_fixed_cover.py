"""The exact Top Cover equals the literal Top Covering Algorithm and is core stable."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.game import (
    FriendPreference,
    FriendRule,
    Partition,
    canonical_labels,
    core_blocking_coalition,
    friend_sets,
    largest_blocking_coalition,
    top_cover,
)


def literal_top_covering(arcs: np.ndarray) -> set[frozenset[int]]:
    """Spec §5 word for word: take the smallest closure CC(i, R), remove it, repeat."""
    remaining = set(range(len(arcs)))
    coalitions: set[frozenset[int]] = set()
    while remaining:
        closures = []
        for start in sorted(remaining):
            reached, frontier = {start}, [start]
            while frontier:
                node = frontier.pop()
                for nxt in np.flatnonzero(arcs[node]):
                    if int(nxt) in remaining and int(nxt) not in reached:
                        reached.add(int(nxt))
                        frontier.append(int(nxt))
            closures.append(frozenset(reached))
        smallest = min(closures, key=len)
        coalitions.add(smallest)
        remaining -= smallest
    return coalitions


def _as_sets(labels: np.ndarray) -> set[frozenset[int]]:
    return {frozenset(np.flatnonzero(labels == label).tolist()) for label in np.unique(labels)}


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 11).flatmap(lambda n: st.lists(st.booleans(), min_size=n * n, max_size=n * n)))
def test_top_cover_is_the_top_covering_algorithm(bits: list[bool]) -> None:
    n = int(round(len(bits) ** 0.5))
    arcs = np.array(bits, dtype=bool).reshape(n, n)
    np.fill_diagonal(arcs, False)
    labels = top_cover(sp.csr_matrix(arcs))
    assert _as_sets(labels) == literal_top_covering(arcs)
    assert np.array_equal(labels, canonical_labels(labels))


def test_canonical_labels_number_by_smallest_member() -> None:
    assert canonical_labels(np.array([7, 3, 7, 9, 3])).tolist() == [0, 1, 0, 2, 1]
    assert canonical_labels(np.array([], dtype=np.int64)).tolist() == []


def test_giant_component_from_out_degree_two() -> None:
    phi = np.array([[0, 0.9, 0.2, 0.1], [0.9, 0, 0.3, 0.4], [0.2, 0.3, 0, 0.8], [0.1, 0.4, 0.8, 0]], dtype=np.float32)
    assert top_cover(friend_sets(phi, FriendRule(k=1, threshold=None))).tolist() == [0, 0, 1, 1]
    assert top_cover(friend_sets(phi, FriendRule(k=2, threshold=None))).tolist() == [0, 0, 0, 0]


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(1, 10),
    k=st.integers(1, 4),
    threshold=st.sampled_from([None, 0.0, 0.5]),
    mutual=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_exact_cover_is_core_stable(n: int, k: int, threshold: float | None, mutual: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    phi = rng.standard_normal((n, n)).astype(np.float32)
    phi = phi + phi.T
    np.fill_diagonal(phi, 0)
    friends = friend_sets(phi, FriendRule(k=k, threshold=threshold, mutual=mutual))
    partition = Partition.from_labels(top_cover(friends), "top_cover")
    assert core_blocking_coalition(partition, FriendPreference(friends)) is None
    assert largest_blocking_coalition(partition, FriendPreference(friends)) == ()
