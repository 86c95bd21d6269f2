"""Coalitions given as labels: their canonical numbering, and per-player, per-coalition totals over φ.

:func:`canonical_labels` numbers the coalitions of a labelling 0, 1, ... in the order of their
smallest member (the order of :class:`~hedonic.game.partition.Partition`), the form every game
returns its labels in.

A partition of n players is given by labels (n,). :class:`CoalitionIndex` holds its coalition
membership matrix M (C, n), M[c, j] = 1 iff player j is in coalition c, as a sparse CSR matrix,
so that any per-partner quantity of a block of players, an (n, w) array X[j, p] (partner j,
player p), totals per coalition in one sparse product: (M·X)[c, p] = Σ_{j∈c} X[j, p]. Sums of
valuations, counts of partners that pass a test (X boolean), and therefore "some member
passes" (count > 0) and "every member passes" (count = |c|) all come out of it. Blocks of
players (:func:`player_blocks`) bound the memory to O(n·w); a pass over all players reads each
entry of X once and costs O(n²) in all (the product costs one multiply-add per entry of X).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

BLOCK_ELEMENTS = 1 << 23
"""Entries of an (n, w) per-partner block of players (64 MiB in float64)."""


def canonical_labels(labels: np.ndarray) -> np.ndarray:
    """Relabel coalitions 0, 1, ... in the order of their smallest member: (n,) int64 → (n,) int64."""
    labels = np.asarray(labels)
    if not len(labels):
        return np.zeros(0, dtype=np.int64)
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.ravel()]


@dataclass(frozen=True)
class CoalitionIndex:
    """The coalitions of a labelling: ``labels`` (n,) canonical coalition 0..C−1 of each player,
    ``sizes`` (C,) int64, and the membership matrix ``membership`` (C, n) float64 CSR."""

    labels: np.ndarray
    sizes: np.ndarray
    membership: sp.csr_matrix

    @classmethod
    def of(cls, labels: np.ndarray) -> CoalitionIndex:
        """Index the coalitions of ``labels`` (n,) int (any values; equal labels share a coalition)."""
        _, inverse = np.unique(np.asarray(labels), return_inverse=True)
        inverse = inverse.ravel().astype(np.int64)
        n, count = len(inverse), int(inverse.max(initial=-1)) + 1
        membership = sp.csr_matrix((np.ones(n), (inverse, np.arange(n))), shape=(count, n))
        return cls(inverse, np.bincount(inverse, minlength=count).astype(np.int64), membership)

    @property
    def count(self) -> int:
        """Number of coalitions C."""
        return len(self.sizes)

    def totals(self, values: np.ndarray) -> np.ndarray:
        """Per-coalition totals of per-partner ``values`` (n, w) (bool counts as 0/1): (w, C) float64,
        entry [p, c] = Σ_{j∈c} values[j, p]."""
        return np.asarray(self.membership @ np.asarray(values, dtype=np.float64)).T


def player_blocks(n: int, elements: int = BLOCK_ELEMENTS) -> Iterator[np.ndarray]:
    """Consecutive blocks of player positions 0..n−1, sized so that an (n, w) block has about ``elements`` entries."""
    width = max(1, elements // max(n, 1))
    for first in range(0, n, width):
        yield np.arange(first, min(first + width, n))


OWN_BLOCK_ELEMENTS = 1 << 22
"""Entries of (players, co-members) blocks :func:`coalition_rows` yields at once."""


def coalition_rows(
    labels: np.ndarray, min_size: int = 1, max_elements: int = OWN_BLOCK_ELEMENTS
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every player with the members of its own coalition: blocks (players (r,), members (r, s)).

    Coalitions of equal size s ≥ ``min_size`` are handled together, members in ascending order
    and the player itself among them; r·s ≤ ``max_elements`` (at least one row). Over all blocks
    O(Σ_C |C|²) entries, no loop over coalitions or pairs. ``labels`` (n,) non-negative ints.
    """
    labels = np.asarray(labels, dtype=np.int64)
    order = np.argsort(labels, kind="stable")
    sizes = np.bincount(labels) if len(labels) else np.zeros(0, dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    for size in np.unique(sizes[sizes >= max(1, min_size)]):
        members = order[starts[sizes == size][:, None] + np.arange(size)]
        step = max(1, max_elements // int(size))
        for first in range(0, members.size, step):
            rows = np.arange(first, min(first + step, members.size))
            yield members.ravel()[rows], members[rows // size]
