"""The size distribution of a partition: log₂ size bands and a discrete power-law fit (pure functions of the sizes).

Bands. Sizes are grouped into the log₂-spaced bands 1, 2, 3–4, 5–8, 9–16, … (:func:`size_bands`);
each band reports its coalitions, its neurons and their share of the players. The CLI, the
partition artifact and the report all use these bands.

Power law (:func:`power_law_fit`). The paper reports heavy-tailed coalition sizes; whether a
partition's sizes follow P(s) ∝ s^(−α) is a question for the data (Clauset, Shalizi & Newman 2009,
"Power-law distributions in empirical data"). Coalition sizes are integers bounded by the number of
players N, so the model is the discrete power law truncated to [s_min, N]:

    P(s) = s^(−α) / Z(α),   Z(α) = Σ_{k=s_min}^{N} k^(−α),

fitted by maximum likelihood (ℓ(α) = −α Σ ln s_i − m ln Z(α) over the m coalitions of size ≥ s_min,
maximised over α ∈ [0, 6]). s_min ≥ 2 (singletons are no coalition) is the candidate size that
minimises the Kolmogorov–Smirnov distance D between the fitted and the empirical CDF of the tail,
among those leaving at least :data:`MIN_TAIL` coalitions. Goodness of fit: the p-value of D by a
seeded parametric bootstrap (``draws`` samples of m sizes from the fitted law, each refitted with
s_min fixed; p = (1 + #{D* ≥ D}) / (draws + 1)). A small p (e.g. < 0.1) rejects the power law; a
large p only says the law is not rejected at this many coalitions. Fixing s_min in the bootstrap
makes p slightly optimistic (Clauset et al. re-select it in every draw).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import zeta

MIN_TAIL = 10
"""Fewest coalitions (of size ≥ s_min) a power law is fitted to; fewer give no fit."""
BOOTSTRAP_DRAWS = 200
"""Parametric bootstrap samples of the goodness-of-fit p-value."""
EXPONENT_BOUNDS = (0.0, 6.0)
"""Range of α searched by the maximum likelihood."""
DIRECT_SUM = 1024
"""Terms of the normaliser Z(α) summed directly; beyond, Hurwitz ζ (α > 1)."""


@dataclass(frozen=True)
class SizeBand:
    """Coalitions of ``low``..``high`` members: how many (``coalitions``), their ``neurons``, and that ``share`` of the players."""

    low: int
    high: int
    coalitions: int
    neurons: int
    share: float

    @property
    def label(self) -> str:
        """ "1", "3–4", …"""
        return str(self.low) if self.low == self.high else f"{self.low}–{self.high}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


@dataclass(frozen=True)
class PowerLawFit:
    """The discrete power law P(s) ∝ s^(−``exponent``) on [``x_min``, ``upper``] fitted to ``tail`` coalitions.

    ``ks``: the Kolmogorov–Smirnov distance of the fit; ``p_value``: its bootstrap p-value over
    ``draws`` samples (module docstring); ``tail_share``: share of the players in the fitted tail.
    """

    exponent: float
    x_min: int
    upper: int
    tail: int
    tail_share: float
    ks: float
    p_value: float
    draws: int

    def statement(self) -> str:
        """One line, e.g. ``power law α = 2.13 for sizes ≥ 3 (54 coalitions, 61% of neurons): KS D = 0.071, p = 0.42``."""
        verdict = "rejected" if self.p_value < 0.1 else "not rejected"
        return (
            f"power law α = {self.exponent:.2f} for sizes ≥ {self.x_min} ({self.tail} coalitions, {self.tail_share:.0%} of neurons): "
            f"KS D = {self.ks:.3f}, bootstrap p = {self.p_value:.2f} ({verdict} at 0.1)"
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def band_edges(largest: int) -> list[tuple[int, int]]:
    """The log₂ bands [1, 1], [2, 2], [3, 4], [5, 8], … up to the band holding ``largest``."""
    bands, low = [(1, 1)], 2
    while low <= max(largest, 1):
        high = 2 if low == 2 else 2 * (low - 1)
        bands.append((low, high))
        low = high + 1
    return bands


def size_bands(sizes: np.ndarray | list[int], n_players: int | None = None, largest: int | None = None) -> list[SizeBand]:
    """Coalitions, neurons and the players' share per log₂ band (:func:`band_edges`), empty bands included.

    ``sizes`` (k,) coalition sizes; ``n_players`` defaults to their sum; the bands run up to the one
    holding ``largest`` (default the largest size; pass a common one to align several partitions).
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    total = int(sizes.sum()) if n_players is None else n_players
    bands = []
    for low, high in band_edges(int(sizes.max(initial=1)) if largest is None else largest):
        chosen = sizes[(sizes >= low) & (sizes <= high)]
        bands.append(SizeBand(low, high, len(chosen), int(chosen.sum()), float(chosen.sum() / total) if total else 0.0))
    return bands


def share_above(sizes: np.ndarray | list[int], size: int) -> float:
    """Share of the players (the sum of ``sizes``) in coalitions larger than ``size``."""
    sizes = np.asarray(sizes, dtype=np.int64)
    return float(sizes[sizes > size].sum() / sizes.sum()) if sizes.sum() else 0.0


def power_law_fit(
    sizes: np.ndarray | list[int], *, upper: int | None = None, draws: int = BOOTSTRAP_DRAWS, seed: int = 0, min_tail: int = MIN_TAIL
) -> PowerLawFit | None:
    """The truncated discrete power law fitted to the coalition ``sizes`` (module docstring), or None
    when fewer than ``min_tail`` coalitions have two members or more.

    ``upper``: the largest possible size (default the number of players, the sum of ``sizes``);
    ``draws`` bootstrap samples of the p-value from ``seed`` (same inputs, same fit).
    Cost: O(candidates · U) for the s_min scan and O(draws · U) for the bootstrap, U = ``upper``.
    """
    sizes = np.sort(np.asarray(sizes, dtype=np.int64))
    total = int(sizes.sum())
    upper = total if upper is None else upper
    coalitions = sizes[sizes >= 2]
    if len(coalitions) < min_tail:
        return None
    candidates = np.unique(coalitions)
    candidates = candidates[np.searchsorted(coalitions, candidates) <= len(coalitions) - min_tail]
    fits = []
    for x_min in candidates:
        exponent = _mle(coalitions[coalitions >= x_min], x_min, upper)
        fits.append((_ks(coalitions[coalitions >= x_min], x_min, upper, exponent), int(x_min), exponent))
    ks, x_min, exponent = min(fits)
    tail = coalitions[coalitions >= x_min]
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(_pmf(np.arange(x_min, upper + 1), exponent))
    exceed = 0
    for _ in range(draws):
        sample = x_min + np.minimum(np.searchsorted(cumulative, rng.random(len(tail)) * cumulative[-1], side="right"), upper - x_min)
        sample.sort()
        exceed += _ks(sample, x_min, upper, _mle(sample, x_min, upper)) >= ks
    return PowerLawFit(
        exponent=float(exponent),
        x_min=int(x_min),
        upper=int(upper),
        tail=len(tail),
        tail_share=float(tail.sum() / total),
        ks=float(ks),
        p_value=float((1 + exceed) / (draws + 1)),
        draws=draws,
    )


def _pmf(support: np.ndarray, exponent: float) -> np.ndarray:
    """P(s) ∝ s^(−α) over ``support`` (consecutive integers), normalised."""
    weights = np.exp(-exponent * np.log(support))
    return weights / weights.sum()


def _mle(tail: np.ndarray, x_min: int, upper: int) -> float:
    """α maximising the truncated discrete power-law likelihood of ``tail`` (sizes in [x_min, upper])."""
    logs = np.log(np.arange(x_min, min(upper, DIRECT_SUM) + 1, dtype=np.float64))
    total = float(np.log(tail).sum())

    def negative(exponent: float) -> float:
        return exponent * total + len(tail) * _log_normaliser(exponent, logs, x_min, upper)

    return float(minimize_scalar(negative, bounds=EXPONENT_BOUNDS, method="bounded", options={"xatol": 1e-6}).x)


def _log_normaliser(exponent: float, logs: np.ndarray, x_min: int, upper: int) -> float:
    """ln Z(α) = ln Σ_{k=x_min}^{upper} k^(−α): summed directly up to :data:`DIRECT_SUM` (``logs`` = ln k
    there), the rest as ζ(α, DIRECT_SUM + 1) − ζ(α, upper + 1) (Hurwitz ζ) where α > 1, else directly."""
    shifted = -exponent * logs
    peak = float(shifted.max())
    head = float(np.exp(shifted - peak).sum())
    if upper > DIRECT_SUM:
        if exponent > 1.0 + 1e-9:
            rest = float(zeta(exponent, DIRECT_SUM + 1) - zeta(exponent, upper + 1))
        else:
            rest = float(np.exp(-exponent * np.log(np.arange(DIRECT_SUM + 1, upper + 1, dtype=np.float64))).sum())
        head += rest * np.exp(-peak)
    return peak + float(np.log(head))


def _ks(tail: np.ndarray, x_min: int, upper: int, exponent: float) -> float:
    """Kolmogorov–Smirnov distance between the empirical CDF of the sorted ``tail`` and the fitted law's, on [x_min, max(tail)]."""
    support = np.arange(x_min, int(tail[-1]) + 1, dtype=np.float64)
    logs = np.log(np.arange(x_min, min(upper, DIRECT_SUM) + 1, dtype=np.float64))
    model = np.cumsum(np.exp(-exponent * np.log(support) - _log_normaliser(exponent, logs, x_min, upper)))
    empirical = np.searchsorted(tail, support, side="right") / len(tail)
    return float(np.abs(empirical - model).max())
