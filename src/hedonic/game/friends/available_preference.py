"""The preference of the ``available`` choice rule: each player values its k best partners in a coalition.

Definition (the paper's multi-friend utility made strict). Player i orders its partners j ≠ i by
φ(i, j) descending, ties to the lower index; a partner *qualifies* when φ(i, j) > threshold (any
partner when the threshold is None). For a coalition S ∋ i, B_k(i, S) is the list of i's k best
qualifying partners in S, best first (shorter when S holds fewer). Player i prefers S to S'
when B_k(i, S) is better than B_k(i, S') at the first position where they differ (a partner
ahead in i's order beats a later one; any partner beats none), and, when the two lists are the
same, when |S| < |S'|.

This is top-responsive: the best coalitions inside R that contain i are those holding
B_k(i, R), the smallest of them is the choice set Ch(i, R) = {i} ∪ B_k(i, R), and a coalition is
ranked first by its choice set, then by size. The paper's utility, the mean φ of the k best
partners (a missing one counting 0), has the same choice sets when threshold ≥ 0; it differs in
how it ranks two lists that differ in more than one position ((5, 1) beats (3, 3) here, they tie
under the mean). The cover is core stable under either (proof in
:mod:`hedonic.game.friends.available_cover`, which uses only the choice sets and that a list can only get
worse in a subset, assuming no ties of means); the checks here implement the order above, exact
for any threshold and any ties. Values compare in float32, the precision of every ranking in
the game.

Worked example (k = 2, threshold 0):

>>> import numpy as np
>>> phi = np.array([[0, 5, 4, 1], [5, 0, 3, 2], [4, 3, 0, 1], [1, 2, 1, 0]], dtype=np.float32)
>>> preference = RankedPreference(phi, k=2, threshold=0.0)
>>> preference.best_in_samples(np.array([[0, 1, 2, 3]]))[0, 0].tolist()
[1, 2]
>>> preference.compare(0, [0, 1, 2], [0, 1, 2, 3])
1
>>> preference.compare(0, [0, 1, 3], [0, 2, 3])
1
>>> preference.compare(3, [0, 3], [1, 2, 3])
-1

Player 0 has the same list (1, 2) in {0, 1, 2} and in {0, 1, 2, 3} and prefers the smaller
coalition; (1, 3) beats (2, 3) for it at the first position. Player 3 ranks partner 1 first, so
{1, 2, 3} (list (1, 2)) beats {0, 3} (list (0,)).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hedonic.errors import ConfigError
from hedonic.game.coalition_index import CoalitionIndex, coalition_rows, player_blocks
from hedonic.game.friends.partner_lists import PartnerLists, best_columns
from hedonic.game.preference import Deviations, MoveCheck, summarise_moves


@dataclass(frozen=True)
class RankedPreference:
    """The ``available`` rule's preference over φ (n, n) (as :func:`~hedonic.game.phi.check_phi`
    returns it): ``k`` best qualifying partners, then size.

    ``candidates``: exact partner lists of φ with this threshold (:meth:`PartnerLists.from_phi`),
    when already built, for :meth:`largest_gaining`; built there otherwise.
    """

    phi: np.ndarray
    k: int
    threshold: float | None = 0.0
    candidates: PartnerLists | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.k, bool) or int(self.k) != self.k or self.k < 1:
            raise ConfigError(f"the available choice rule needs a positive k, got {self.k!r}", hint="pass k >= 1")

    @property
    def n(self) -> int:
        """Number of players."""
        return int(self.phi.shape[0])

    def describe(self) -> dict[str, Any]:
        """JSON description: {"choice": "available", "k", "threshold", "utility"}."""
        return {
            "choice": "available",
            "k": int(self.k),
            "threshold": self.threshold,
            "utility": "k best partners with φ > threshold in the coalition, compared position by position; then the smaller coalition",
        }

    def _values(self, players: np.ndarray, partners: np.ndarray) -> np.ndarray:
        """φ(players, partners) as float32, −inf where the partner is absent (−1) or does not qualify."""
        values = np.asarray(self.phi[players, np.maximum(partners, 0)], dtype=np.float32)
        barred = (partners < 0) | (partners == players)
        if self.threshold is not None:
            barred |= values <= self.threshold
        return np.where(barred, np.float32(-np.inf), values)

    def ahead(self, players: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Whether ``first`` precedes ``second`` in each player's order (arrays broadcast; −1 = no partner)."""
        value_first = np.asarray(self.phi[players, np.maximum(first, 0)], dtype=np.float32)
        value_second = np.asarray(self.phi[players, np.maximum(second, 0)], dtype=np.float32)
        better = (value_first > value_second) | ((value_first == value_second) & (first < second))
        return (first >= 0) & ((second < 0) | better)

    def compare_lists(self, players: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """1 / 0 / −1 per player: its partner list ``first`` (..., k) is better / the same / worse than ``second``."""
        differ = first != second
        at = differ.argmax(axis=-1)[..., None]
        a, b = np.take_along_axis(first, at, -1)[..., 0], np.take_along_axis(second, at, -1)[..., 0]
        return np.where(differ.any(axis=-1), np.where(self.ahead(players, a, b), 1, -1), 0)

    def best_in_samples(self, samples: np.ndarray) -> np.ndarray:
        """B_k of every member of every coalition: (m, w) players (−1 padded) → (m, w, k) partners, −1 padded."""
        member = samples >= 0
        players = np.maximum(samples, 0)
        partners = np.broadcast_to(np.where(member, samples, -1)[:, None, :], (*samples.shape, samples.shape[1]))
        values = self._values(players[:, :, None], partners)
        values = np.where(member[:, :, None], values, np.float32(-np.inf))
        order = np.lexsort((np.where(partners < 0, self.n, partners), -values), axis=-1)[..., : self.k]
        best = np.where(np.take_along_axis(values, order, -1) > -np.inf, np.take_along_axis(partners, order, -1), -1)
        return np.pad(best, ((0, 0), (0, 0), (0, self.k - best.shape[2])), constant_values=-1)

    def own_partners(self, labels: np.ndarray) -> np.ndarray:
        """B_k(i, π(i)) of every player for the partition ``labels`` (n,): (n, k) int64, −1 padded.

        Coalitions of equal size are handled together (:func:`coalition_rows`): O(Σ|C|²) work,
        no loop over coalitions or pairs.
        """
        out = np.full((len(labels), self.k), -1, dtype=np.int64)
        for players, partners in coalition_rows(labels, min_size=2):
            best = best_columns(self._values(players[:, None], partners), self.k)
            out[players, : best.shape[1]] = np.where(best >= 0, np.take_along_axis(partners, np.maximum(best, 0), 1), -1)
        return out

    def blocking(self, samples: np.ndarray, labels: np.ndarray, own: np.ndarray | None = None) -> np.ndarray:
        """Which coalitions of ``samples`` (m, w) block the partition ``labels`` (n,): (m,) bool.

        ``own``: :meth:`own_partners` of ``labels`` when already computed.
        """
        own = self.own_partners(labels) if own is None else own
        member = samples >= 0
        players = np.maximum(samples, 0)
        verdict = self.compare_lists(players, self.best_in_samples(samples), own[players])
        size = member.sum(axis=1)
        own_size = np.bincount(labels)[labels[players]]
        prefers = (verdict > 0) | ((verdict == 0) & (size[:, None] < own_size))
        return (prefers | ~member).all(axis=1) & (size > 0)

    def compare(self, i: int, first: Iterable[int] | np.ndarray, second: Iterable[int] | np.ndarray) -> int:
        """Player ``i``'s preference between two coalitions containing it: 1 (``first``), −1 (``second``), 0."""
        a, b = (np.unique(np.fromiter(c, dtype=np.int64)) for c in (first, second))
        for members in (a, b):
            if len(members) and (members[0] < 0 or members[-1] >= self.n):
                raise ConfigError(f"coalition member out of range 0..{self.n - 1}", hint="use player indices, the rows of φ")
        if i not in a or i not in b:
            raise ConfigError(f"player {i} must belong to both coalitions it compares", hint="add the player to both")
        samples = np.full((2, max(len(a), len(b))), -1, dtype=np.int64)
        samples[0, : len(a)], samples[1, : len(b)] = a, b
        best = self.best_in_samples(samples)
        lists = best[0, int(np.searchsorted(a, i))], best[1, int(np.searchsorted(b, i))]
        verdict = int(self.compare_lists(np.array(i), lists[0], lists[1]))
        return verdict if verdict else (len(a) < len(b)) - (len(a) > len(b))

    def largest_gaining(self, labels: np.ndarray) -> np.ndarray:
        """The largest coalition in which every member's partner list beats its own: (n,) bool.

        A member's list can only get worse in a subset, so dropping, round after round, every
        member whose list in the current set is not strictly better than B_k(i, π(i)) ends at the
        largest such coalition (empty when none exists). The lists in the shrinking set come from
        :class:`PartnerLists`, re-ranked only for players whose partners were dropped.
        """
        labels = np.asarray(labels, dtype=np.int64)
        own = self.own_partners(labels)
        lists = (self.candidates or PartnerLists.from_phi(self.phi, self.threshold)).within()
        players = np.arange(self.n)
        current = lists.choose(players, self.k)
        gains = self.compare_lists(players, current, own) > 0
        while True:
            dropped = lists.alive & ~gains
            if not dropped.any():
                return lists.alive.copy()
            lists.remove(np.flatnonzero(dropped))
            inside = np.flatnonzero(lists.alive)
            partners = current[inside]
            affected = inside[((partners >= 0) & ~lists.alive[np.maximum(partners, 0)]).any(axis=1)]
            current[affected] = lists.choose(affected, self.k)
            gains[affected] = self.compare_lists(affected, current[affected], own[affected]) > 0

    def welfare(self, labels: np.ndarray) -> None:
        """None: the ranked-partner game has no potential."""
        return None

    def deviations(self, labels: np.ndarray, cap: int | None = None) -> Deviations:
        """Nash and individual stability of ``labels`` (n,) under the size ``cap``, over all moves.

        Moving into C ≠ π(i) gives i the list B_k(i, C); C and π(i) are disjoint, so the lists
        differ at their first entry and i gains when C's best qualifying partner is ahead of its
        current first one (or, both lists empty, when |C| + 1 < |π(i)|); alone, i gains when its
        list is empty and |π(i)| > 1. A member j of C gains a better list when i qualifies for j
        and is ahead of j's k-th partner in C (or j has fewer than k); otherwise j's list is the
        same in a larger coalition and j loses. One (b, n) block of φ per block of players.
        """
        return summarise_moves(self._move_checks(CoalitionIndex.of(labels), cap))

    def _move_checks(self, index: CoalitionIndex, cap: int | None) -> Iterator[MoveCheck]:
        """Per block of players P, (n, |P|) per-partner tests totalled per coalition (:class:`CoalitionIndex`)."""
        own = self.own_partners(index.labels)
        everyone = np.arange(self.n)[:, None]
        kth = own[:, -1][:, None]
        room = np.ones(index.count, dtype=bool) if cap is None else index.sizes < cap
        for players in player_blocks(self.n):
            local = np.arange(len(players))
            values = self._values(players[None, :], everyone)
            first = own[players, 0]
            first_value = np.where(first >= 0, values[np.maximum(first, 0), local], np.float32(-np.inf))
            qualifying = values > -np.inf
            ahead = qualifying & ((values > first_value) | ((values == first_value) & (everyone < first)))
            own_size = index.sizes[index.labels[players]]
            neither = (index.totals(qualifying) == 0) & (first < 0)[:, None]
            better = ((index.totals(ahead) > 0) | (neither & (index.sizes + 1 < own_size[:, None]))) & room
            better[local, index.labels[players]] = False
            welcome = self._values(everyone, players[None, :]) > -np.inf
            accepts = welcome & ((kth < 0) | self.ahead(everyone, players[None, :], kth))
            unanimous = index.totals(accepts) == index.sizes
            alone = (first < 0) & (own_size > 1)
            target = np.where(better.any(axis=1), better.argmax(axis=1), -1)
            yield MoveCheck(players, better.any(axis=1) | alone, (better & unanimous).any(axis=1) | alone, target)
