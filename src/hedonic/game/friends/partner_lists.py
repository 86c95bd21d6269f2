"""Each player's partners among the players still available, best first, kept incrementally.

The ``available`` choice rule (:mod:`hedonic.game.friends.available_cover`) asks again and again for a
player's ``k`` best partners in the shrinking set R of available players. :class:`PartnerLists`
answers without re-reading φ each time. Player i's partners are ordered strictly: j before j' when
φ(i, j) > φ(i, j'), or when they are equal and j < j'. Only *qualifying* partners are listed:
φ(i, j) > threshold (when a threshold is set), j ≠ i, and j in i's group (when the game is played
inside groups, as size control does).

Per player the structure holds a list of candidates in that order (``ids`` (n, W) int32, −1
padded, ``length`` of each row) and a pointer ``start``: every entry before it has left R (or
belongs to another group). Players only ever leave R, so the k best partners in R are the first
k entries at or after the pointer whose player is still in R, and the pointer only moves
forward. A row built from φ holds the ``width`` best qualifying partners among R at the time it
was built; those are still the best among any smaller R, so the list stays correct until fewer
than k of its entries remain in R. Only then is the row rebuilt from φ, over the players still
in R of its group (its width doubled, up to :data:`MAX_WIDTH`, so that a row consumed far down
its order is rebuilt a few times, not once per k partners); a row that held every qualifying
partner (``complete``) is never rebuilt. Rows are built in blocks with :func:`numpy.partition`,
O(|R|) per row. Lists built from a sampled ranking (PAC) hold every observed partner and are
complete. Lists are built once and each game (the cover, each size-control level, the
stability oracle) plays on its own copy (:meth:`PartnerLists.within`).
"""

from __future__ import annotations

import numpy as np

from hedonic.game.friends.rule import DEFAULT_BLOCK_ROWS, PartnerRanking
from hedonic.game.top_k import top_entries

DEFAULT_WIDTH = 128
"""Partners kept per player when its list is first built from φ."""
MAX_WIDTH = 1024
"""Largest width a rebuilt row grows to (doubling from :data:`DEFAULT_WIDTH`)."""


def best_columns(values: np.ndarray, width: int) -> np.ndarray:
    """The ``width`` largest entries of each row of ``values`` (b, s), as column positions.

    Entries equal to −inf are left out (they mark disallowed partners). Ties go to the lower
    column. Returns (b, min(width, s)) int64, best first, −1 padded where a row has fewer allowed
    entries. :func:`~hedonic.game.top_k.top_entries`, then one sort of the selected entries
    only, on a 64-bit key (value descending, then column). Values compare as float32.
    """
    rows_count, columns = values.shape
    width = min(int(width), columns)
    if width == 0 or rows_count == 0:
        return np.full((rows_count, width), -1, dtype=np.int64)
    rows, cols = top_entries(values, width)
    keys = np.full((rows_count, width), np.iinfo(np.uint64).max, dtype=np.uint64)
    keys[rows, np.arange(len(rows)) - np.searchsorted(rows, np.arange(rows_count))[rows]] = _descending_then_column(
        values[rows, cols], cols
    )
    keys.sort(axis=1)
    return np.where(keys == np.iinfo(np.uint64).max, -1, (keys & np.uint64(0xFFFFFFFF)).astype(np.int64))


def _descending_then_column(values: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """uint64 keys (E,) that sort by value descending, then column ascending (-0.0 == 0.0)."""
    bits = (np.asarray(values, dtype=np.float32) + np.float32(0.0)).view(np.uint32)
    ascending = np.where(bits >> np.uint32(31), ~bits, bits | np.uint32(0x80000000))
    return ((~ascending).astype(np.uint64) << np.uint64(32)) | cols.astype(np.uint64)


class PartnerLists:
    """Every player's qualifying partners in R, best first, with a forward pointer (module docstring).

    Build with :meth:`from_phi` (exact φ; rows rebuilt from φ when they run out) or
    :meth:`from_ranking` (a sampled ranking; complete rows), then play a game on a copy from
    :meth:`within`. ``alive`` (n,) bool is R: the players of the game not yet removed.
    ``groups`` (n,) int64: players only partner within their group; label −1 means not in the
    game.
    """

    def __init__(self, ids: np.ndarray, length: np.ndarray, complete: np.ndarray, phi: np.ndarray | None, threshold: float | None) -> None:
        self.ids = ids
        self.length = length
        self.complete = complete
        self.phi = phi
        self.threshold = threshold
        n = len(length)
        self.groups = np.zeros(n, dtype=np.int64)
        self.alive = np.ones(n, dtype=bool)
        self.start = np.zeros(n, dtype=np.int64)
        self.capacity = np.full(n, ids.shape[1], dtype=np.int64)
        self.rebuilt_rows = 0

    @property
    def n(self) -> int:
        """Number of players."""
        return len(self.groups)

    @classmethod
    def from_phi(cls, phi: np.ndarray, threshold: float | None, width: int = DEFAULT_WIDTH) -> PartnerLists:
        """The ``width`` best qualifying partners of every player of φ (n, n) (as
        :func:`~hedonic.game.phi.check_phi` returns it), in row blocks."""
        n = phi.shape[0]
        width = max(1, min(int(width), n))
        lists = cls(np.full((n, width), -1, dtype=np.int32), np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool), phi, threshold)
        lists.rebuild(np.arange(n), np.full(n, width, dtype=np.int64))
        lists.rebuilt_rows = 0
        return lists

    @classmethod
    def from_ranking(cls, ranking: PartnerRanking, threshold: float | None) -> PartnerLists:
        """Complete lists of the entries of ``ranking`` (e.g. every observed partner, PAC).

        Keeps the entries with value > ``threshold`` (when set), in the ranking's order. Rows
        are never rebuilt.
        """
        n = ranking.n
        keep = slice(None) if threshold is None else ranking.values > threshold
        rows, cols = ranking.rows[keep], ranking.cols[keep]
        length = np.bincount(rows, minlength=n).astype(np.int64)
        ids = np.full((n, max(1, int(length.max(initial=0)))), -1, dtype=np.int32)
        ids[rows, np.arange(len(rows)) - np.searchsorted(rows, np.arange(n))[rows]] = cols
        return cls(ids, length, np.ones(n, dtype=bool), None, threshold)

    def within(self, groups: np.ndarray | None = None) -> PartnerLists:
        """A fresh game on a copy of these lists: R = the players with ``groups`` (n,) label ≥ 0,
        each partnering only within its group (default: everyone, one group).

        Call it on lists no game has consumed: rows rebuilt during a game hold only the players
        then in R. Entries of other groups are skipped like removed players; a row whose list
        has fewer than k left in its group is rebuilt from φ over its group only.
        """
        copy = PartnerLists(self.ids.copy(), self.length.copy(), self.complete.copy(), self.phi, self.threshold)
        if groups is not None:
            copy.groups = np.asarray(groups, dtype=np.int64)
            copy.alive = copy.groups >= 0
        return copy

    def remove(self, players: np.ndarray) -> None:
        """Take ``players`` out of R (they are no longer anyone's partner)."""
        self.alive[players] = False

    def choose(self, rows: np.ndarray, k: int) -> np.ndarray:
        """The ``k`` best partners in R of each player of ``rows`` (r,): (r, k) int64, −1 padded.

        Scans each row from its pointer in windows that double until k partners in R are found
        or the list ends; rows that run out are rebuilt from φ and scanned again. Advances the
        pointers past entries whose player has left R.
        """
        rows = np.asarray(rows, dtype=np.int64)
        out = np.full((len(rows), k), -1, dtype=np.int64)
        todo = np.arange(len(rows))
        span = 2 * k
        while len(todo):
            players = rows[todo]
            window = min(span, self.ids.shape[1])
            ends = self.start[players] + window >= self.length[players]
            positions = self.start[players][:, None] + np.arange(window)
            listed = positions < self.length[players][:, None]
            candidates = np.where(listed, self.ids[players[:, None], np.minimum(positions, self.ids.shape[1] - 1)], -1)
            partners = np.maximum(candidates, 0)
            valid = (candidates >= 0) & self.alive[partners] & (self.groups[partners] == self.groups[players][:, None])
            self.start[players] += np.where(valid.any(axis=1), valid.argmax(axis=1), listed.sum(axis=1))
            found = valid.sum(axis=1)
            done = (found >= k) | ends
            short = done & (found < k) & ~self.complete[players]
            rank = np.cumsum(valid, axis=1) - 1
            take = valid & (rank < k) & (done & ~short)[:, None]
            out[np.repeat(todo, window)[take.ravel()], rank[take]] = candidates[take]
            self.rebuild(players[short], np.minimum(2 * self.capacity[players[short]], MAX_WIDTH))
            todo = todo[~done | short]
            span *= 2
        return out

    def rebuild(self, rows: np.ndarray, widths: np.ndarray) -> None:
        """Rebuild the lists of ``rows`` (r,) from φ: the ``widths`` (r,) best qualifying partners in R.

        Rows are processed group by group, in blocks of at most ``DEFAULT_BLOCK_ROWS``, each
        against the players still in R of its group only. A row with fewer qualifying partners
        in R than its width is marked complete (one with exactly as many is not, and may be
        rebuilt once more for nothing).
        """
        if self.phi is None or not len(rows):
            return
        widths = np.minimum(widths, self.n)
        if widths.max() > self.ids.shape[1]:
            grown = np.full((self.n, int(widths.max())), -1, dtype=np.int32)
            grown[:, : self.ids.shape[1]] = self.ids
            self.ids = grown
        order = np.argsort(self.groups[rows], kind="stable")
        rows, widths = rows[order], widths[order]
        segments = np.flatnonzero(np.diff(self.groups[rows])) + 1
        for segment_rows, segment_widths in zip(np.split(rows, segments), np.split(widths, segments), strict=True):
            columns = np.flatnonzero(self.alive & (self.groups == self.groups[segment_rows[0]]))
            for first in range(0, len(segment_rows), DEFAULT_BLOCK_ROWS):
                self._rebuild_block(
                    segment_rows[first : first + DEFAULT_BLOCK_ROWS], segment_widths[first : first + DEFAULT_BLOCK_ROWS], columns
                )
        self.rebuilt_rows += len(rows)

    def _rebuild_block(self, block: np.ndarray, widths: np.ndarray, columns: np.ndarray) -> None:
        """Rebuild the rows ``block`` (b,) of one group from φ(block, ``columns``): their ``widths`` (b,) best.

        The threshold is applied to the selected entries, not to the block: a row half of −inf
        would slow :func:`numpy.partition` down several times (many equal values).
        """
        rows = np.take(self.phi, block, axis=0)  # type: ignore[arg-type]
        values = np.asarray(rows if len(columns) == self.n else np.take(rows, columns, axis=1), dtype=np.float32)
        own = np.searchsorted(columns, block)
        present = (own < len(columns)) & (columns[np.minimum(own, len(columns) - 1)] == block)
        values[np.flatnonzero(present), own[present]] = -np.inf
        best = best_columns(values, int(widths.max()))
        keep = (best >= 0) & (np.arange(best.shape[1]) < widths[:, None])
        if self.threshold is not None:
            keep &= np.take_along_axis(values, np.maximum(best, 0), axis=1) > np.float32(self.threshold)
        length = keep.sum(axis=1)
        self.ids[block] = -1
        self.ids[block, : best.shape[1]] = np.where(keep, columns[np.maximum(best, 0)], -1)
        self.length[block] = length
        self.complete[block] = length < widths
        self.capacity[block] = widths
        self.start[block] = 0
