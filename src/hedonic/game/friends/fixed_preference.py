"""The preference of the ``fixed`` choice rule: a player counts its friends in a coalition.

Player i ranks coalitions S ∋ i by |F_i ∩ S| (more friends is better), then by |S| (smaller is
better), F_i its friends in the friendship digraph (:mod:`hedonic.game.friends.rule`): the
"friend-appreciation" instance of top-responsive preferences. Its choice set in R ∋ i is
Ch(i, R) = {i} ∪ (F_i ∩ R), the smallest best coalition inside R. The digraph is a boolean CSR
matrix (n, n) with sorted indices, arc i → j iff j ∈ F_i. :func:`choice_set`,
:func:`friend_count` and :func:`compare` read it for one player; :class:`FriendPreference` is the
preference as a :class:`~hedonic.game.preference.Preference`.

Worked example (k = 1; F_0 = {1}, F_1 = {0}, F_2 = {3}, F_3 = {2}):

>>> import numpy as np
>>> from hedonic.game.friends.rule import FriendRule, friend_sets
>>> phi = np.array([[0, .9, .2, .1], [.9, 0, .3, .4], [.2, .3, 0, .8], [.1, .4, .8, 0]], dtype=np.float32)
>>> friends = friend_sets(phi, FriendRule(k=1, threshold=None))
>>> choice_set(friends, 1, [1, 2, 3]).tolist()
[1]
>>> compare(friends, 0, [0, 1], [0, 1, 2])
1
>>> compare(friends, 0, [0, 2, 3], [0, 1, 2])
-1

Checks over a partition (labels (n,)):

- core blocking of sampled coalitions: arcs looked up by binary search in the sorted arc keys,
  O(m·w²·log nnz), no Python loop;
- the polynomial oracle: gaining a friend is monotone (a player with no more friends in T than in
  π(i) has no more in any subset of T), so repeatedly dropping every member who would not gain a
  friend ends at the largest coalition in which every member gains one (one sparse mat-vec per
  round); coalitions that block only through the size tie-break are left to the other checks;
- unilateral moves, exact: F·M (M the (n, C) coalition indicator) counts each player's friends in
  every coalition, Fᵀ·M the members of each coalition that count the player as a friend. Moving
  into C gives (|F_i ∩ C|, |C| + 1); each member j of C keeps its friends and gets a larger
  coalition, so j accepts the newcomer only when i ∈ F_j (then j gains a friend).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from hedonic.errors import ConfigError
from hedonic.game.coalition_index import CoalitionIndex
from hedonic.game.preference import Deviations, MoveCheck, summarise_moves

if TYPE_CHECKING:
    from hedonic.game.friends.rule import FriendRule


def _members(coalition: Iterable[int] | np.ndarray, n: int) -> np.ndarray:
    members = np.unique(np.fromiter(coalition, dtype=np.int64))
    if len(members) and (members[0] < 0 or members[-1] >= n):
        raise ConfigError(f"coalition member out of range 0..{n - 1}", hint="use player indices, the rows of φ")
    return members


def choice_set(friends: sp.csr_matrix, i: int, coalition: Iterable[int] | np.ndarray) -> np.ndarray:
    """Ch(i, R) = {i} ∪ (F_i ∩ R), sorted player indices, for ``i`` and R = ``coalition``.

    ``friends`` is the (n, n) friendship digraph; ``i`` need not belong to R.
    """
    members = _members(coalition, friends.shape[0])
    own = friends.indices[friends.indptr[i] : friends.indptr[i + 1]]
    return np.union1d([i], np.intersect1d(own, members))


def friend_count(friends: sp.csr_matrix, i: int, coalition: Iterable[int] | np.ndarray) -> int:
    """|F_i ∩ S|: how many of player ``i``'s friends are in ``coalition`` (player ids, (s,)).

    ``friends`` is the (n, n) sparse friendship matrix (row i: F_i).
    """
    members = _members(coalition, friends.shape[0])
    own = friends.indices[friends.indptr[i] : friends.indptr[i + 1]]
    return int(np.isin(own, members).sum())


def compare(friends: sp.csr_matrix, i: int, first: Iterable[int] | np.ndarray, second: Iterable[int] | np.ndarray) -> int:
    """Player ``i``'s preference between two coalitions (player ids, (s₁,) and (s₂,)) that both contain it.

    ``friends`` is the (n, n) sparse friendship matrix (row i: F_i).

    Returns 1 when i strictly prefers ``first`` (more friends, or as many friends and fewer
    members), -1 when it strictly prefers ``second``, 0 when indifferent.
    """
    n = friends.shape[0]
    a, b = _members(first, n), _members(second, n)
    if i not in a or i not in b:
        raise ConfigError(f"player {i} must belong to both coalitions it compares", hint="add the player to both")
    key_a = (friend_count(friends, i, a), -len(a))
    key_b = (friend_count(friends, i, b), -len(b))
    return (key_a > key_b) - (key_a < key_b)


@dataclass(frozen=True)
class FriendPreference:
    """Friend-appreciation preference over the friendship digraph ``friends`` (n, n) bool CSR."""

    friends: sp.csr_matrix
    rule: FriendRule | None = None

    def __post_init__(self) -> None:
        graph = sp.csr_matrix(self.friends, dtype=bool)
        graph.sort_indices()
        object.__setattr__(self, "friends", graph)

    @property
    def n(self) -> int:
        """Number of players."""
        return int(self.friends.shape[0])

    def describe(self) -> dict[str, Any]:
        """JSON description: {"choice": "fixed", "k", "threshold", "mutual"} (the rule, when known)."""
        return {"choice": "fixed", **(self.rule.as_dict() if self.rule else {})}

    def compare(self, i: int, first: Iterable[int] | np.ndarray, second: Iterable[int] | np.ndarray) -> int:
        """1 / −1 / 0: player ``i`` prefers ``first`` / ``second`` / neither (more friends, then smaller)."""
        return compare(self.friends, i, first, second)

    def own_friends(self, labels: np.ndarray) -> np.ndarray:
        """|F_i ∩ π(i)| (n,) int64: friends each player has in its own coalition (labels (n,))."""
        friends = self.friends
        rows = np.repeat(np.arange(self.n), np.diff(friends.indptr))
        same = labels[rows] == labels[friends.indices]
        return np.bincount(rows[same], minlength=self.n).astype(np.int64)

    def blocking(self, samples: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Which coalitions of ``samples`` (m, w) (−1 padded) block ``labels`` (n,): (m,) bool."""
        friends, n = self.friends, self.n
        keys = np.repeat(np.arange(n, dtype=np.int64), np.diff(friends.indptr)) * n + friends.indices
        member = samples >= 0
        first, second = samples[:, :, None], samples[:, None, :]
        pair = member[:, :, None] & member[:, None, :] & (first != second)
        query = np.where(pair, first * n + second, -1)
        found = np.searchsorted(keys, query)
        hit = pair & (keys[np.minimum(found, len(keys) - 1)] == query) if len(keys) else np.zeros_like(pair)
        gained = hit.sum(axis=2)
        size = member.sum(axis=1)
        players = np.where(member, samples, 0)
        own = self.own_friends(labels)[players]
        own_size = np.bincount(labels)[labels[players]]
        prefers = (gained > own) | ((gained == own) & (size[:, None] < own_size))
        return (prefers | ~member).all(axis=1) & (size > 0)

    def largest_gaining(self, labels: np.ndarray) -> np.ndarray:
        """(n,) bool: the largest coalition in which every member gains a friend (module docstring)."""
        own = self.own_friends(labels)
        inside = np.ones(self.n, dtype=bool)
        while True:
            keep = inside & (self.friends @ inside.astype(np.int64) > own)
            if (keep == inside).all():
                return inside
            inside = keep

    def welfare(self, labels: np.ndarray) -> None:
        """None: the friend game has no potential."""
        return None

    def deviations(self, labels: np.ndarray, cap: int | None = None) -> Deviations:
        """Nash and individual stability of ``labels`` (n,) under the size ``cap``, over all moves."""
        return summarise_moves(self._move_checks(CoalitionIndex.of(labels), cap))

    def _move_checks(self, index: CoalitionIndex, cap: int | None) -> Iterator[MoveCheck]:
        """One block: every player against every coalition, from the sparse counts F·M and Fᵀ·M."""
        n, sizes = self.n, index.sizes
        indicator = index.membership.T.astype(np.int64).tocsc()
        friends = self.friends.astype(np.int64)
        counts = (friends @ indicator).tocsr()
        welcomed = (friends.T @ indicator).tocsr()
        own = index.labels
        own_count = np.asarray(counts[np.arange(n), own]).ravel()
        own_key = own_count * (n + 2) - sizes[own]
        counts = counts.tocoo()
        rows, cols = counts.row.astype(np.int64), counts.col.astype(np.int64)
        movable = (cols != own[rows]) & (True if cap is None else sizes[cols] < cap)
        key = counts.data * (n + 2) - (sizes[cols] + 1)
        accepted = np.asarray(welcomed[rows, cols]).ravel() == sizes[cols]
        best_key = np.full(n, -1, dtype=np.int64)
        np.maximum.at(best_key, rows[movable], key[movable])
        accepted_key = np.full(n, -1, dtype=np.int64)
        np.maximum.at(accepted_key, rows[movable & accepted], key[movable & accepted])
        target = np.full(n, -1, dtype=np.int64)
        improving = movable & (key == best_key[rows])
        target[rows[improving][::-1]] = cols[improving][::-1]
        yield MoveCheck(np.arange(n), best_key > own_key, accepted_key > own_key, target)
