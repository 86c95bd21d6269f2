"""φ's spectrum as a diagnostic: how much of ‖φ‖²_F its few largest eigencomponents hold.

φ is symmetric, so φ = Σ_k λ_k v_k v_kᵀ and ‖φ‖²_F = Σ_k λ_k². The share of the top m components
(by |λ|) is Σ_{k ≤ m} λ_k² / ‖φ‖²_F. A share near 1 for m = 1 or 5 means φ is nearly low-rank:
φ(i, j) ≈ Σ_k λ_k v_k(i) v_k(j) with few k, so which neurons gain from each other is decided by
their loadings on a few eigenvectors (for one positive λ: neurons whose loadings share a sign,
the largest loadings most), and the coalitions reflect a few shared directions rather than many
independent pairwise interactions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOP = 20
"""Eigenvalues kept (by magnitude)."""
SHARES = (1, 5, 20)
"""The component counts whose shares of ‖φ‖²_F are reported."""
DENSE_MAX = 256
"""Up to this many players the spectrum is computed densely (numpy.linalg.eigvalsh)."""
_ROWS = 1024


@dataclass(frozen=True)
class Spectrum:
    """The ``eigenvalues`` (m,) float64 of φ with the largest |λ| (m = min(20, n)), by descending |λ|,
    and ``frobenius_sq`` = ‖φ‖²_F = Σ over all n eigenvalues of λ²."""

    eigenvalues: np.ndarray
    frobenius_sq: float

    def share(self, count: int) -> float:
        """Σ of λ² over the ``count`` largest |λ| / ‖φ‖²_F, in [0, 1] (0 for φ = 0); at most the kept eigenvalues."""
        if self.frobenius_sq <= 0:
            return 0.0
        return float(min(1.0, np.sum(self.eigenvalues[:count] ** 2) / self.frobenius_sq))

    def shares(self) -> dict[int, float]:
        """{m: share(m)} for m in :data:`SHARES`."""
        return {count: self.share(count) for count in SHARES}

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready record (the valuation artifact's ``spectrum`` metadata)."""
        return {"eigenvalues": [float(value) for value in self.eigenvalues], "frobenius_sq": float(self.frobenius_sq)}

    @classmethod
    def from_dict(cls, record: dict[str, object]) -> Spectrum:
        """The inverse of :meth:`to_dict`."""
        return cls(np.asarray(record["eigenvalues"], dtype=np.float64), float(record["frobenius_sq"]))  # type: ignore[arg-type]


def phi_spectrum(phi: np.ndarray, top: int = TOP) -> Spectrum:
    """The ``top`` eigenvalues of largest |λ| of the symmetric ``phi`` (n, n) and ‖φ‖²_F (float64).

    Dense (numpy) for n ≤ :data:`DENSE_MAX`, else Lanczos (scipy's ``eigsh``, ``which="LM"``) from
    a fixed start vector, so that equal φ give equal eigenvalues. ‖φ‖²_F is summed in float64
    over row blocks (no float64 copy of φ).
    """
    from scipy.sparse.linalg import eigsh

    n = phi.shape[0]
    frobenius_sq = sum(float(np.square(phi[start : start + _ROWS], dtype=np.float64).sum()) for start in range(0, n, _ROWS))
    count = min(top, n)
    if n <= DENSE_MAX or count >= n - 1:
        values = np.linalg.eigvalsh(phi.astype(np.float64))
    else:
        values = eigsh(phi, k=count, which="LM", v0=np.ones(n, dtype=phi.dtype), return_eigenvectors=False).astype(np.float64)
    order = np.argsort(-np.abs(values), kind="stable")[:count]
    return Spectrum(values[order], frobenius_sq)
