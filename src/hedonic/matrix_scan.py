"""One cache-friendly pass over a square matrix: finiteness, row maxima of |x|, asymmetry, diagonal.

Used by every stage that must check a valuation φ (n, n) before trusting it (the valuation
artifact, the additive game), so that each check reads φ about 1.5 times, in square tiles, and
never forms |φ|, φ − φᵀ or a boolean copy of the whole matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TILE = 256
"""Side of the square tiles compared against their mirror (a tile and its mirror stay in cache)."""
ROWS = 1024
"""Rows read at once for the row maxima."""


@dataclass(frozen=True)
class MatrixScan:
    """What :func:`scan_square` found: ``non_finite`` entries (NaN or ±inf), ``row_abs_max`` (n,)
    float64 max_j |x_ij| (inf for a row with a non-finite entry), ``max_asymmetry`` max |x_ij − x_ji|
    (over pairs without NaN), ``diagonal_abs_max`` max |x_ii|."""

    non_finite: int
    row_abs_max: np.ndarray
    max_asymmetry: float
    diagonal_abs_max: float

    @property
    def scale(self) -> float:
        """max |x_ij| (0 for an empty matrix)."""
        return float(self.row_abs_max.max(initial=0.0))


def row_abs_max(matrix: np.ndarray) -> np.ndarray:
    """max_j |x_ij| of each row of ``matrix`` (n, w): (n,) float64, inf for a row holding NaN or ±inf.

    One pass by blocks of :data:`ROWS` rows (their maxima and minima); no copy of the matrix.
    """
    n = matrix.shape[0]
    out = np.zeros(n, dtype=np.float64)
    for start in range(0, n, ROWS):
        rows = matrix[start : start + ROWS]
        largest = np.maximum(rows.max(axis=1, initial=-np.inf), -rows.min(axis=1, initial=np.inf))
        out[start : start + ROWS] = np.where(np.isnan(largest), np.inf, largest)
    return out


def max_asymmetry(matrix: np.ndarray, tile: int = TILE, skip_nan: bool = False) -> float:
    """max |x_ij − x_ji| of a square ``matrix`` (n, n), comparing each tile with its mirror; O(n) extra memory.

    ``skip_nan``: leave out pairs with a NaN (else a NaN there makes the result NaN); 0 when every pair has one.
    """
    n = matrix.shape[0]
    buffer = np.empty((tile, tile), dtype=np.result_type(matrix.dtype, np.float32))
    asymmetry = 0.0
    for start in range(0, n, tile):
        for other in range(start, n, tile):
            block = matrix[start : start + tile, other : other + tile]
            out = buffer[: block.shape[0], : block.shape[1]]
            np.subtract(block, matrix[other : other + tile, start : start + tile].T, out=out)
            np.abs(out, out=out)
            asymmetry = max(asymmetry, float(np.fmax.reduce(out, axis=None, initial=0.0)) if skip_nan else float(out.max()))
    return asymmetry


def scan_square(matrix: np.ndarray, tile: int = TILE) -> MatrixScan:
    """Scan a square ``matrix`` (n, n) tile by tile (module docstring); O(n²) time, O(n) extra memory.

    Finiteness comes from the row maxima and minima (:func:`row_abs_max`: a NaN or ±inf shows in
    them); entries are counted only when some row is not finite.
    """
    n = matrix.shape[0]
    row_max = row_abs_max(matrix)
    non_finite = 0
    if not np.isfinite(row_max).all():
        for start in range(0, n, ROWS):
            rows = matrix[start : start + ROWS]
            non_finite += int(rows.size - np.count_nonzero(np.isfinite(rows)))
    asymmetry = max_asymmetry(matrix, tile, skip_nan=bool(non_finite))
    diagonal = np.abs(np.diagonal(matrix))
    return MatrixScan(non_finite, row_max, asymmetry, float(diagonal.max(initial=0.0)))
