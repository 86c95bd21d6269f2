"""Why a coalition grew past a fifth of the layer: its likely cause, measured on φ and the coalition.

:func:`~hedonic.game.discover` runs this when a coalition holds more than
:data:`~hedonic.game.partition.LARGE_SHARE` of the players, records it in the partition's
``parameters["large_coalition"]``, and :func:`~hedonic.game.partition_warnings` prints it. Three
measurements, on φ (n, n) and the largest coalition C:

- **rank**: the share of ‖φ‖²_F held by the :data:`RANK_TERMS` eigenvalues of largest magnitude. At
  ≥ :data:`LOW_RANK`, φ is nearly low rank, φ_ij ≈ Σ_k λ_k v_ki v_kj: every pair is coupled through a
  few directions (the demo's PAS-exact φ of MiniLM layer 3, φ ≈ p qᵀ + q pᵀ from the local
  readout's norm), and a coalition aligned with them has a welfare growing as |C|².
- **hubs**: the share of C's welfare W_C = Σ_{i<j∈C} φ_ij on pairs touching its ⌈1%·|C|⌉ members of
  largest Σ_{j∈C} |φ_ij|. At ≥ :data:`HUBS`, a few neurons whose rows dwarf τ hold the coalition
  together; every other member joined for its tie to them.
- **tail**: the off-diagonal std of φ over its robust σ (1.4826 · MAD). At ≥ :data:`HEAVY_TAIL`, a τ
  set on the bulk of φ is low against its tail, so chains of small gains add up.

None of them: the members are densely tied, a coalition the valuation supports.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.sparse.linalg import eigsh

from hedonic.game.additive.resolution import ROW_BLOCK, noise_tau

RANK_TERMS = 5
"""Eigenvalues whose share of ‖φ‖²_F measures how low-rank φ is."""
LOW_RANK = 0.9
"""φ counts as nearly low rank when its top :data:`RANK_TERMS` eigenvalues hold this share of ‖φ‖²_F."""
HUB_SHARE = 0.01
"""Share of a coalition's members counted as its hubs (at least one)."""
HUBS = 0.5
"""The coalition is held by hubs when this share of its welfare is on pairs with them."""
HEAVY_TAIL = 3.0
"""φ counts as heavy-tailed when its std exceeds this many robust σ."""
DENSE_EIGEN = 600
"""Up to this many players the eigenvalues are computed densely; above, the top ones by Lanczos."""
REMEDY = "try tau = 'scaled' (each row's own noise scale), a larger number for tau, or a bound max_size = N"
"""What the warning suggests."""


@dataclass(frozen=True)
class LargeCoalition:
    """The largest coalition (``size``, ``share`` of the players) and what :func:`diagnose` measured (module docstring)."""

    size: int
    share: float
    rank_share: float
    hub_share: float
    hubs: int
    tail_ratio: float
    cause: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def diagnose(phi: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> LargeCoalition:
    """The likely cause (module docstring) of the largest coalition of ``labels`` (n,) on φ (n, n).

    Cost: one pass over φ (‖φ‖_F, the tail), the top eigenvalues (dense up to
    :data:`DENSE_EIGEN` players, else a few Lanczos products with φ) and O(|C|²) for the hubs.
    """
    n = phi.shape[0]
    sizes = np.bincount(labels)
    members = np.flatnonzero(labels == int(np.argmax(sizes)))
    rank_share = _rank_share(phi, rng)
    hub_share, hubs = _hub_share(phi, members)
    estimate = noise_tau(phi, rng)
    tail_ratio = _off_diagonal_std(phi) / estimate.robust_sigma if estimate.robust_sigma > 0 else math.inf
    causes = []
    if rank_share >= LOW_RANK:
        causes.append(
            f"φ is nearly low rank (its {RANK_TERMS} largest eigenvalues hold {rank_share:.2%} of ‖φ‖²_F): a few directions couple every pair, "
            "e.g. the readout's norm (φ_ij ≈ p_i q_j + q_i p_j), so an aligned coalition's welfare grows with its size squared"
        )
    if hub_share >= HUBS:
        causes.append(f"{hub_share:.1%} of its welfare is on pairs with its {hubs} strongest members (hub neurons whose rows dwarf τ)")
    if tail_ratio >= HEAVY_TAIL:
        causes.append(f"φ is heavy-tailed (std {tail_ratio:.3g}× its robust σ): a τ set on the bulk is low against the tail")
    cause = "; ".join(causes) or "its members are densely tied (φ is not low rank, hub-held or heavy-tailed): the valuation supports it"
    return LargeCoalition(len(members), len(members) / n, rank_share, hub_share, hubs, tail_ratio, cause)


def _rank_share(phi: np.ndarray, rng: np.random.Generator) -> float:
    """Share of ‖φ‖²_F in the :data:`RANK_TERMS` eigenvalues of largest magnitude."""
    n = phi.shape[0]
    total = sum(float(np.square(phi[start : start + ROW_BLOCK], dtype=np.float64).sum()) for start in range(0, n, ROW_BLOCK))
    if total == 0:
        return 0.0
    if n <= DENSE_EIGEN:
        values = np.linalg.eigvalsh(np.asarray(phi, dtype=np.float64))
        top = np.sort(np.abs(values))[::-1][:RANK_TERMS]
    else:
        top = np.abs(eigsh(phi, k=RANK_TERMS, which="LM", tol=1e-4, v0=rng.standard_normal(n), return_eigenvectors=False))
    return float(min(1.0, np.square(top).sum() / total))


def _hub_share(phi: np.ndarray, members: np.ndarray) -> tuple[float, int]:
    """(share of the coalition's welfare on pairs touching its hubs, number of hubs)."""
    block = np.asarray(phi[np.ix_(members, members)], dtype=np.float64)
    np.fill_diagonal(block, 0.0)
    hubs = max(1, math.ceil(HUB_SHARE * len(members)))
    chosen = np.zeros(len(members), dtype=bool)
    chosen[np.argsort(-np.abs(block).sum(axis=1), kind="stable")[:hubs]] = True
    welfare = block.sum() / 2
    without = block[np.ix_(~chosen, ~chosen)].sum() / 2
    return (float(np.clip((welfare - without) / welfare, 0.0, 1.0)) if welfare > 0 else 0.0), hubs


def _off_diagonal_std(phi: np.ndarray) -> float:
    """Standard deviation of the off-diagonal entries of φ, in float64, by row blocks."""
    n = phi.shape[0]
    count = n * (n - 1)
    if count == 0:
        return 0.0
    total = squares = 0.0
    for start in range(0, n, ROW_BLOCK):
        block = np.asarray(phi[start : start + ROW_BLOCK], dtype=np.float64)
        diagonal = np.diagonal(block, offset=start)
        total += float(block.sum() - diagonal.sum())
        squares += float(np.square(block).sum() - np.square(diagonal).sum())
    mean = total / count
    return math.sqrt(max(squares / count - mean * mean, 0.0))
