"""The additive games' resolution: τ rules by name, one table (:data:`TAU_RULES`).

The additively separable game (:mod:`hedonic.game.additive.preference`) gives player i in S

    u_i(S) = Σ_{j∈S, j≠i} (φ_ij − τ_ij),   τ_ij = τ + t_i·t_j,

a threshold per pair made of a constant τ and a rank-one part (t = None: τ_ij = τ). A rule reads φ
and returns its :class:`Resolution` (τ, t and what it measured). With τ_ij = 0 the noise in φ
between unrelated neurons sums up and unrelated groups merge; the rules differ in what they call
noise:

- ``noise``: τ_ij = m + 1.5 σ̂ for every pair, m the median and σ̂ = 1.4826 · median |φ − m| the
  robust standard deviation of φ's off-diagonal entries (:func:`noise_tau`, the previous default).
  One threshold for all pairs assumes every row of φ is equally noisy.
- ``scaled`` (default): τ_ij = m + 1.5 σ̂_i σ̂_j / σ̂, σ̂_i the robust σ of row i: a pair must clear
  1.5 noise standard deviations of its own two rows, i.e. the ``noise`` rule applied to
  φ_ij σ̂ / (σ̂_i σ̂_j), the valuation with each neuron's scale divided out. It equals ``noise`` when
  all rows are alike (planted groups under Gaussian noise), and raises the bar for rows whose
  entries are large throughout.
- ``modularity``: τ_ij = k_i k_j / K with k_i = Σ_j max(φ_ij, 0) and K = Σ_i k_i, the
  configuration-model null of the positive part of φ (Newman's modularity, resolution 1).
- a number: τ_ij = τ.

Why the previous default failed on the demo (README, "The game"): the PAS-exact φ of MiniLM's
layers 2–3 is rank two to 0.2% (‖φ − φ₂‖_F / ‖φ‖_F: its two largest eigenvalues, ±λ, hold all but
10⁻⁵ of ‖φ‖²_F; φ_ij ≈ p_i q_j + q_i p_j, the local readout's norm coupling every pair). Its
entries span decades: the off-diagonal std is 1643 σ̂ at layer 3 (and 6.8 σ̂ at layer 4, where φ is
not low rank but heavy-tailed). A τ calibrated on the bulk (8·10⁻⁹ at layer 3) is far below the
entries of the few neurons with large p, q; the uncapped ``noise`` game put 729 of 1536 neurons in
one coalition whose welfare is 99.9% on pairs with its 7 largest-scale members. Dividing out each
row's noise scale (``scaled``) left a largest coalition of 161 (layer 3) and 59 (layer 4).

Robust σ: where more than half the values share one value (MAD = 0) the mean absolute deviation ·
1.2533 stands in. Sampling: the global statistics use :data:`TAU_PAIRS` uniform off-diagonal
pairs, each row's :data:`ROW_SAMPLES` off-diagonal entries at common column offsets (all of them
when there are fewer).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hedonic.errors import ConfigError
from hedonic.spelling import AUTO

TAU_MULTIPLIER = 1.5
"""τ = median + this many robust standard deviations (``noise`` and ``scaled``)."""
TAU_PAIRS = 1_000_000
"""Off-diagonal pairs sampled (uniformly, seeded) for the global estimate; all of them when fewer."""
ROW_SAMPLES = 2048
"""Off-diagonal entries per row sampled for the row scales σ̂_i of ``scaled``; all of them when fewer."""
ROW_BLOCK = 2048
"""Rows gathered at once for the row scales."""
MAD_TO_SIGMA = 1.4826
"""σ of a normal distribution per unit of median absolute deviation."""
MEAN_ABS_TO_SIGMA = 1.2533
"""σ of a normal distribution per unit of mean absolute deviation (fallback when the MAD is 0)."""


@dataclass(frozen=True)
class TauEstimate:
    """The global τ = ``median`` + ``multiplier`` · ``robust_sigma`` from ``pairs`` sampled pairs."""

    tau: float
    median: float
    robust_sigma: float
    multiplier: float
    pairs: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "tau": self.tau,
            "median": self.median,
            "robust_sigma": self.robust_sigma,
            "multiplier": self.multiplier,
            "pairs": self.pairs,
        }


@dataclass(frozen=True)
class Resolution:
    """τ_ij = ``tau`` + ``factors``_i · ``factors``_j (``factors`` (n,) float64, or None: τ_ij = ``tau``),
    chosen by ``rule``; ``estimate``: what the rule measured (JSON-ready)."""

    rule: str
    tau: float
    factors: np.ndarray | None = field(default=None, repr=False)
    estimate: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the rule, τ, the estimate and, with factors, the median and largest pair term t_i t_i."""
        extra = (
            {}
            if self.factors is None
            else {"pair_term_median": float(np.median(self.factors) ** 2), "pair_term_max": float(self.factors.max(initial=0.0) ** 2)}
        )
        return {"rule": self.rule, "tau": self.tau, **self.estimate, **extra}


@dataclass(frozen=True)
class TauRule:
    """A τ rule by name: ``resolve`` (φ (n, n), the game's generator) → :class:`Resolution`, and a one-line ``description``."""

    name: str
    resolve: Callable[[np.ndarray, np.random.Generator], Resolution]
    description: str


def robust_sigma(values: np.ndarray, axis: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(median, robust σ) of ``values`` along ``axis``: 1.4826 · MAD, or 1.2533 · mean absolute deviation where the MAD is 0."""
    median = np.median(values, axis=axis, keepdims=True)
    deviation = np.abs(values - median)
    mad = MAD_TO_SIGMA * np.median(deviation, axis=axis)
    fallback = MEAN_ABS_TO_SIGMA * deviation.mean(axis=axis)
    return np.squeeze(median, axis=axis), np.where(mad > 0, mad, fallback)


def noise_tau(phi: np.ndarray, rng: np.random.Generator, multiplier: float = TAU_MULTIPLIER, pairs: int = TAU_PAIRS) -> TauEstimate:
    """The ``noise`` rule's τ = median + ``multiplier`` · robust σ of the off-diagonal entries of φ (n, n) (module docstring).

    Over ``pairs`` uniform off-diagonal pairs i ≠ j (all pairs i < j when there are fewer). A
    game of fewer than 2 players gets τ = 0.
    """
    n = phi.shape[0]
    total = n * (n - 1) // 2
    if total == 0:
        return TauEstimate(0.0, 0.0, 0.0, multiplier, 0)
    if total <= pairs:
        rows, cols = np.triu_indices(n, 1)
    else:
        rows = rng.integers(0, n, size=pairs)
        cols = (rows + rng.integers(1, n, size=pairs)) % n
    values = np.asarray(phi[rows, cols], dtype=np.float64)
    median, sigma = (float(value) for value in robust_sigma(values))
    return TauEstimate(median + multiplier * sigma, median, sigma, multiplier, len(values))


def row_sigmas(phi: np.ndarray, rng: np.random.Generator, samples: int = ROW_SAMPLES) -> np.ndarray:
    """Robust σ̂_i (n,) float64 of each row's off-diagonal entries, from ``samples`` of them per row.

    Row i reads the columns (i + o) mod n for one seeded set of offsets o in 1..n−1 (all of them
    when n − 1 ≤ ``samples``), so no row reads its diagonal; O(n · samples).
    """
    n = phi.shape[0]
    if n < 2:
        return np.zeros(n, dtype=np.float64)
    offsets = np.arange(1, n) if n - 1 <= samples else np.sort(rng.choice(np.arange(1, n), size=samples, replace=False))
    sigmas = np.empty(n, dtype=np.float64)
    for start in range(0, n, ROW_BLOCK):
        rows = np.arange(start, min(start + ROW_BLOCK, n))
        block = np.asarray(phi[rows[:, None], (rows[:, None] + offsets[None, :]) % n], dtype=np.float64)
        sigmas[rows] = robust_sigma(block, axis=1)[1]
    return sigmas


def _bulk(estimate: TauEstimate) -> dict[str, Any]:
    """The global statistics of ``estimate`` without its τ (the rule's τ is the resolution's own)."""
    return {key: value for key, value in estimate.as_dict().items() if key != "tau"}


def _noise(phi: np.ndarray, rng: np.random.Generator) -> Resolution:
    estimate = noise_tau(phi, rng)
    return Resolution("noise", estimate.tau, None, _bulk(estimate))


def _scaled(phi: np.ndarray, rng: np.random.Generator) -> Resolution:
    estimate = noise_tau(phi, rng)
    record = {**_bulk(estimate), "row_samples": min(ROW_SAMPLES, max(phi.shape[0] - 1, 0))}
    if estimate.robust_sigma <= 0:
        return Resolution("scaled", estimate.median, None, record)
    factors = np.sqrt(estimate.multiplier / estimate.robust_sigma) * row_sigmas(phi, rng)
    return Resolution("scaled", estimate.median, factors, record)


def _modularity(phi: np.ndarray, rng: np.random.Generator) -> Resolution:
    strengths = np.zeros(phi.shape[0], dtype=np.float64)
    for start in range(0, phi.shape[0], ROW_BLOCK):
        block = np.asarray(phi[start : start + ROW_BLOCK], dtype=np.float64)
        strengths[start : start + ROW_BLOCK] = np.maximum(block, 0.0).sum(axis=1) - np.maximum(np.diagonal(block, offset=start), 0.0)
    total = float(strengths.sum())
    factors = strengths / np.sqrt(total) if total > 0 else None
    return Resolution("modularity", 0.0, factors, {"total_strength": total})


TAU_RULES: dict[str, TauRule] = {
    rule.name: rule
    for rule in (
        TauRule("scaled", _scaled, "median + 1.5 robust σ, scaled by the two rows' robust σ (default)"),
        TauRule("noise", _noise, "median + 1.5 robust σ of φ, one threshold for every pair"),
        TauRule("modularity", _modularity, "k_i k_j / K, the configuration null of φ's positive part"),
    )
}
"""Every τ rule by name; ``tau = "auto"`` is :data:`DEFAULT_TAU_RULE`."""
DEFAULT_TAU_RULE = "scaled"
"""The rule ``tau = "auto"`` plays (module docstring: why)."""


def check_tau(tau: float | str) -> float | str:
    """``tau`` when it is a finite number, "auto" or a rule of :data:`TAU_RULES`; :class:`ConfigError` otherwise."""
    if isinstance(tau, str):
        if tau != AUTO and tau not in TAU_RULES:
            raise ConfigError(
                f"tau must be a finite number, 'auto' or a rule name, got {tau!r}",
                hint=f"use a number, 'auto' or one of {', '.join(TAU_RULES)}",
            )
        return tau
    if isinstance(tau, bool) or not isinstance(tau, (int, float)) or not np.isfinite(tau):
        raise ConfigError(
            f"tau must be a finite number, 'auto' or a rule name, got {tau!r}", hint=f"e.g. tau = 0.5, or one of {', '.join(TAU_RULES)}"
        )
    return tau


def resolve_tau(tau: float | str, phi: np.ndarray, rng: np.random.Generator) -> Resolution:
    """The :class:`Resolution` of ``tau`` (a number, "auto" or a rule name) on φ (n, n), drawing from ``rng``."""
    check_tau(tau)
    if isinstance(tau, str):
        return TAU_RULES[DEFAULT_TAU_RULE if tau == AUTO else tau].resolve(phi, rng)
    return Resolution("fixed", float(tau))
