"""Who a player's friends are: the friend rule, each player's ranked partners, the friendship digraph.

Definitions (spec §5). Players are ``0..n-1``, the rows of φ (n, n). A :class:`FriendRule` gives
each player ``i`` its friends ``F_i``:

- ``k``: the ``k`` partners ``j != i`` with the largest φ(i, j) (ties go to the lower index), and/or
- ``threshold``: only partners with φ(i, j) > threshold (with ``k=None``: all of them);
- ``mutual``: keep ``j`` only when also ``i ∈ F_j``.

The rule is applied to a :class:`PartnerRanking`, each player's candidate partners best first:
all of φ (:func:`rank_partners`) or the partners seen in sampled coalitions
(:func:`observed_ranking`, PAC). The friendship digraph has an arc i → j for every j ∈ F_i (a
boolean CSR matrix, :func:`friend_graph`); the ``fixed`` choice rule's preference counts friends
in it (:mod:`hedonic.game.friends.fixed_preference`).

Worked example (k = 1):

>>> import numpy as np
>>> phi = np.array([[0, .9, .2, .1], [.9, 0, .3, .4], [.2, .3, 0, .8], [.1, .4, .8, 0]], dtype=np.float32)
>>> friends = friend_sets(phi, FriendRule(k=1, threshold=None))
>>> [friends[i].indices.tolist() for i in range(4)]
[[1], [0], [3], [2]]

With k = 1, players 0 and 1 are each other's only friend, and so are 2 and 3. With k = 2 every
player gains a second friend (F_0 = {1, 2}, F_2 = {3, 1}, ...) and all four become mutually
reachable, the out-degree ≥ 2 effect that :mod:`hedonic.game.friends.size_control` addresses.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from hedonic.errors import ConfigError
from hedonic.game.sampling import Sampler, draw_in_chunks
from hedonic.game.top_k import top_entries

DEFAULT_BLOCK_ROWS = 128
"""Rows of φ processed at once by :func:`rank_partners` (a (128, n) partitioned copy)."""


@dataclass(frozen=True)
class FriendRule:
    """Who counts as a friend: the ``k`` best partners, those with φ > ``threshold``, or both.

    ``k``: friends per player (None: no limit, then ``threshold`` is required); ``threshold``:
    the φ a friend must exceed (None: no floor); ``mutual``: keep only reciprocated friendships.
    """

    k: int | None = 4
    threshold: float | None = 0.0
    mutual: bool = False

    def __post_init__(self) -> None:
        if self.k is None and self.threshold is None:
            raise ConfigError("the friend rule needs k or a threshold", hint="pass k (e.g. 4) and/or a threshold")
        if self.k is not None and (isinstance(self.k, bool) or int(self.k) != self.k or self.k < 1):
            raise ConfigError(f"k must be a positive integer, got {self.k!r}", hint="pass k >= 1")
        if self.threshold is not None and not math.isfinite(self.threshold):
            raise ConfigError(f"the friend threshold must be finite, got {self.threshold!r}", hint="pass a finite number or none")

    def as_dict(self) -> dict[str, Any]:
        """The rule as plain JSON values: {"k", "threshold", "mutual"}."""
        return {"k": self.k, "threshold": self.threshold, "mutual": self.mutual}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> FriendRule:
        """Inverse of :meth:`as_dict`."""
        return cls(k=values["k"], threshold=values["threshold"], mutual=bool(values["mutual"]))


@dataclass(frozen=True)
class PartnerRanking:
    """Candidate friends of every player, best first, as flat arrays of E entries.

    Entry e says: ``cols[e]`` is the ``ranks[e]``-th best partner (0 = best) of player
    ``rows[e]``, with valuation ``values[e]`` = φ(rows[e], cols[e]). Entries are sorted by
    (row, rank); ranks order partners by φ descending, ties by ascending partner index. A friend
    rule with ``k`` uses the entries of rank < k, so the ranking must hold at least those.
    ``observed_pairs``: how many ordered pairs (i, j) the ranking was chosen from when only
    sampled pairs were seen (PAC); None when every pair of φ was.
    """

    n: int
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    ranks: np.ndarray
    observed_pairs: int | None = None

    @classmethod
    def from_entries(cls, n: int, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, k: int | None = None) -> PartnerRanking:
        """Rank arbitrary (row, col, φ) entries (E,) per row, keeping the ``k`` best of each row.

        Entries must be distinct pairs with row != col and finite values (φ checked by
        :func:`~hedonic.game.phi.check_phi`); ``k=None`` keeps them all. One stable sort of a 64-bit key (row, then φ descending) after ordering by (row, col).
        """
        rows, cols = rows.astype(np.int64), cols.astype(np.int64)
        values = np.asarray(values, dtype=np.float32)
        flat = rows * n + cols
        if (np.diff(flat) < 0).any():
            order = np.argsort(flat, kind="stable")
            rows, cols, values = rows[order], cols[order], values[order]
        order = np.argsort(_row_then_descending(rows, values), kind="stable")
        rows, cols, values = rows[order], cols[order], values[order]
        ranks = np.arange(len(rows), dtype=np.int64) - np.searchsorted(rows, np.arange(n))[rows]
        keep = slice(None) if k is None else ranks < k
        return cls(n, rows[keep], cols[keep], values[keep], ranks[keep])


def _row_then_descending(rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """uint64 keys that sort by row ascending, then float32 value descending (-0.0 == 0.0)."""
    bits = (values + np.float32(0.0)).view(np.uint32)
    ascending = np.where(bits >> np.uint32(31), ~bits, bits | np.uint32(0x80000000))
    return (rows.astype(np.uint64) << np.uint64(32)) | (~ascending).astype(np.uint64)


def rank_partners(phi: np.ndarray, k: int | None, threshold: float | None = None, block_rows: int = DEFAULT_BLOCK_ROWS) -> PartnerRanking:
    """Every player's best partners by φ (n, n): its top ``k``, or (``k=None``) all with φ > threshold.

    Works on blocks of ``block_rows`` rows: :func:`~hedonic.game.top_k.top_entries` picks each
    row's k best off-diagonal partners, ties at the k-th value going to the lower partner indices.
    O(n²) time, O(n·k) memory plus one block. With ``k`` set, ``threshold`` is not applied here
    (a :class:`FriendRule` applies it). φ as :func:`~hedonic.game.phi.check_phi` returns it.
    """
    n = phi.shape[0]
    if k is None and threshold is None:
        raise ConfigError("rank_partners needs k or a threshold", hint="pass k (e.g. 4) or a threshold")
    width = None if k is None else min(int(k), n - 1)
    pieces: list[np.ndarray] = []
    for start in range(0, n, block_rows):
        block = phi[start : start + block_rows]
        local = np.arange(block.shape[0])
        if width is None:
            chosen = block > threshold
            chosen[local, start + local] = False
            flat = np.flatnonzero(chosen)
        elif width > 0:
            masked = np.array(block)
            masked[local, start + local] = -np.inf
            rows, cols = top_entries(masked, width)
            flat = rows * n + cols
        else:
            continue
        pieces.append(flat + start * n)
    flat = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
    rows, cols = np.divmod(flat, n)
    return PartnerRanking.from_entries(n, rows, cols, phi[rows, cols], width)


def observed_ranking(
    phi: np.ndarray, sampler: Sampler, rng: np.random.Generator, m: int, k: int | None, threshold: float | None = None
) -> PartnerRanking:
    """Each player's partners seen in m samples from ``sampler``, ranked by φ (n, n), best first.

    Keeps the ``k`` best observed partners per player (with ``k=None``: all observed partners
    with φ > ``threshold``). The pairs of each (chunk, w) sample array are extracted at once and
    deduplicated by sorting, chunk by chunk: memory O(pairs seen + chunk). Only φ at the pairs seen is read.
    """
    n = phi.shape[0]
    distinct = np.zeros(0, dtype=np.int64)
    for chunk in draw_in_chunks(sampler, rng, m, n):
        first, second = chunk[:, :, None], chunk[:, None, :]
        pair = (first >= 0) & (second >= 0) & (first != second)
        distinct = np.unique(np.concatenate((distinct, (first * n + second)[pair])))
    rows, cols = np.divmod(distinct, n)
    values = np.asarray(phi[rows, cols], dtype=np.float32)
    if k is None:
        if threshold is None:
            raise ConfigError("observed_ranking needs k or a threshold", hint="pass k (e.g. 4) or a threshold")
        rows, cols, values = rows[values > threshold], cols[values > threshold], values[values > threshold]
    return dataclasses.replace(PartnerRanking.from_entries(n, rows, cols, values, k), observed_pairs=len(distinct))


def friend_graph(ranking: PartnerRanking, rule: FriendRule, groups: np.ndarray | None = None) -> sp.csr_matrix:
    """The friendship digraph (n, n) bool CSR of ``rule`` over ``ranking``: arc i → j iff j ∈ F_i.

    ``groups`` (n,) int restricts the game to coalitions: an arc is kept only when both ends carry
    the same non-negative group label (the game played inside each group, F_i ∩ group).
    Reciprocity (``rule.mutual``) commutes with that restriction: an arc and its reverse join
    the same two players.
    """
    keep = np.ones(len(ranking.rows), dtype=bool)
    if rule.k is not None:
        keep &= ranking.ranks < rule.k
    if rule.threshold is not None:
        keep &= ranking.values > rule.threshold
    if groups is not None:
        groups = np.asarray(groups)
        keep &= (groups[ranking.rows] == groups[ranking.cols]) & (groups[ranking.rows] >= 0)
    graph = _bool_csr(ranking.rows[keep], ranking.cols[keep], ranking.n)
    if rule.mutual:
        graph = _bool_csr(*_mutual_arcs(graph), ranking.n)
    return graph


def _mutual_arcs(graph: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    coo = graph.tocoo()
    n = graph.shape[0]
    keys = coo.row.astype(np.int64) * n + coo.col
    reverse = coo.col.astype(np.int64) * n + coo.row
    both = np.isin(keys, reverse)
    return coo.row[both], coo.col[both]


def _bool_csr(rows: np.ndarray, cols: np.ndarray, n: int) -> sp.csr_matrix:
    graph = sp.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(n, n))
    graph.sort_indices()
    return graph


def friend_sets(phi: np.ndarray, rule: FriendRule) -> sp.csr_matrix:
    """The friendship digraph (n, n) bool CSR of ``rule`` on the full valuation φ (n, n)."""
    return friend_graph(rank_partners(phi, rule.k, rule.threshold), rule)
