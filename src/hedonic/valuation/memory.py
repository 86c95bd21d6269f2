"""Memory of a valuation build: estimate the bytes before allocating φ, and fill φ in row blocks.

A valuation of k players allocates φ (k, k) float32 (4 k² bytes) plus temporaries of a few rows
at a time (:func:`symmetric_from_blocks`), never a second k×k matrix. Sizes are in bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from hedonic.stats.budget import check_budget, resolve_budget

BLOCK_ROWS = 512
"""Rows of φ computed at a time."""
SUBSET_HINT = "hedonic valuation --neurons variance:{k}, or hedonic.valuation.top_k_by_variance(stats, {k})"
_TEMPORARIES_PER_ENTRY = 24
"""Bytes per entry of a row block: float64 moments, a float32 cosine block and a float64 product."""


def phi_bytes(k: int, *, d: int = 0, block_rows: int = BLOCK_ROWS) -> int:
    """Peak bytes of building φ for ``k`` players: φ float32 plus one row block of temporaries.

    ``d`` > 0 adds the unit write directions (d, k) float32 that OCA needs.
    """
    return 4 * k * k + _TEMPORARIES_PER_ENTRY * min(block_rows, k) * k + 4 * d * k


def stats_file_bytes(path: str | Path) -> int:
    """Peak bytes of loading a statistics file: its bytes read, plus the arrays decoded from them."""
    return 2 * Path(path).stat().st_size


def check_phi_memory(what: str, k: int, *, d: int = 0, memory_budget: int | None = None) -> int:
    """Raise :class:`~hedonic.errors.MemoryBudgetError` if building φ of ``k`` players exceeds the budget.

    The budget defaults as in :func:`hedonic.stats.budget.resolve_budget`; the error suggests the
    largest subset size that fits. Returns the estimate in bytes.
    """
    budget = resolve_budget(memory_budget)
    return check_budget(what, lambda size: phi_bytes(size, d=d), k, budget, SUBSET_HINT)


def symmetric_from_blocks(k: int, block: Callable[[slice, slice], np.ndarray], *, block_rows: int = BLOCK_ROWS) -> np.ndarray:
    """A symmetric (k, k) float32 matrix with zero diagonal, filled from its upper row blocks.

    ``block(rows, cols)`` returns the entries (len(rows), len(cols)) for rows ``start:stop`` and
    columns ``start:k``; each block is written above the diagonal and mirrored below it (its
    square part symmetrised), so the result is exactly symmetric and only half of the entries are
    computed.
    """
    phi = np.empty((k, k), dtype=np.float32)
    for start in range(0, k, block_rows):
        rows, cols = slice(start, min(start + block_rows, k)), slice(start, k)
        values = block(rows, cols)
        square = values[:, : rows.stop - start]
        square[...] = (square + square.T) / 2
        phi[rows, cols] = values
        phi[cols, rows] = values.T
    np.fill_diagonal(phi, 0.0)
    return phi
