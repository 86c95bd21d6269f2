"""The one top-k-with-ties kernel of the package: each row's ``width`` largest entries.

Ties at a row's k-th value go to the lower columns, so the choice is a function of the values
alone (no dependence on :func:`numpy.partition`'s internal order). Used by the friend rankings
(:func:`~hedonic.game.friends.rule.rank_partners`), the partner lists
(:func:`~hedonic.game.friends.partner_lists.best_columns`) and the Louvain baseline's friendship graph.
"""

from __future__ import annotations

import numpy as np


def top_entries(values: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) (E,) int64 of the ``width`` largest entries of each row of ``values`` (b, s).

    Entries equal to −inf are never chosen (they mark disallowed columns: a row with fewer
    allowed entries gives all of them); NaN must not occur. Ties at a row's k-th value go to the
    lower columns. Output in row-major order. One :func:`numpy.partition` of the block, O(b·s).
    """
    count, columns = values.shape
    width = min(int(width), columns)
    if width <= 0 or count == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    kth = np.partition(values, columns - width, axis=1)[:, columns - width]
    flat = np.flatnonzero(values >= np.maximum(kth, np.finfo(values.dtype).min)[:, None])
    rows, cols = np.divmod(flat, columns)
    tie = values[rows, cols] == kth[rows]
    above = np.bincount(rows[~tie], minlength=count)
    ties_before = np.concatenate(([0], np.cumsum(tie)))
    tie_rank = ties_before[1:] - 1 - ties_before[np.searchsorted(rows, np.arange(count))[rows]]
    keep = ~tie | (tie_rank < width - above[rows])
    return rows[keep], cols[keep]
