"""Which coalition links are stronger than chance: each link tested against size-matched random groups.

The share rules read S; they cannot tell a specific link from an even spread. This test can.
Every link (p, q) between source coalition C_p (layer ℓ) and target coalition C'_q (ℓ+1) is
the mean of a block of per-player terms, seen from two sides:

- source side: x_i(q), the term of source player i on target coalition q (k × Q); the link is
  the mean of x over the |C_p| members of p, compared with random groups of |C_p| of the k
  tracked source players;
- target side: y_j(p), the term of source coalition p on target player j (k' × P); the mean of
  y over C'_q, compared with random groups of |C'_q| target players.

Under the null that C_p is a random group of its size, its mean has variance σ² / |C_p| ·
(N − |C_p|) / (N − 1) (σ² the variance of the column over the N players, sampling without
replacement); each side gives a z-score and a link is *specific* when both sides reject
(intersection–union: z = the smaller, one-sided p = 1 − Φ(z), normal approximation of a group
mean), Benjamini–Hochberg at ``level`` over the P × Q links. A loud source, strong into every
target, passes the source side only; a target drawing on everything, the target side only.

Two statistics (:data:`LINK_STATISTICS`), which differ in the terms and their centre:

- ``polish`` (the default): x_i(q) = R[i, q] = Σ_{j∈C'_q} |W[j, i]| / |C'_q| and
  y_j(p) = Σ_{i∈C_p} |W[j, i]| / |C_p|, unweighted (no E|a|). Each table is replaced by its log
  residuals after a two-way median polish, log t = μ + row_i + column_c + r_ic (rows and columns
  centred by medians, four sweeps; r clipped below at −3 so that exact zeros stay finite), and a
  group's mean residual is compared with the column's **median** (scale: the column's standard
  deviation). The row effect removes each player's own scale — its loudness, |w_i| or |r_j| —
  and the column effect each coalition's, so that a few very loud neurons cannot dominate the
  random-group variance; medians (for the fit and the centre) keep a few specific links, and
  players with planted or real routing elsewhere, from shifting the null of the other links.
- ``influence``: the E|a|-weighted terms of S itself, x_i(q) = E|a_i| R[i, q] and
  y_j(p) = Σ_{i∈C_p} E|a_i| |W[j, i]| / |C_p|, compared with the column's mean. Sound on random
  weights but nearly blind on real models, whose heavy-tailed E|a| makes the random-group
  variance that of a few loud neurons (README "Reading the results").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
from scipy import stats

from hedonic.errors import ConfigError

if TYPE_CHECKING:
    from hedonic.game import Partition

DEFAULT_LEVEL = 0.05
POLISH_SWEEPS = 4
"""Sweeps of the two-way median polish (each centres rows, then columns)."""
LOW_RESIDUAL = -3.0
"""Lower clip of a log residual: a term below e^−3 ≈ 5% of its fit counts as 5%."""


@dataclass(frozen=True)
class LinkTests:
    """The specific links of one layer pair: ``links`` (p, q, z, q-value) at BH ``level``, of ``tested`` links, sorted by (p, q).

    ``statistic``: the name of the test that found them (:data:`LINK_STATISTICS`, or ``causal``).
    """

    links: tuple[tuple[int, int, float, float], ...]
    tested: int
    level: float = DEFAULT_LEVEL
    statistic: str = "polish"

    def describe(self) -> str:
        """``"k of N"``: specific links of those tested."""
        return f"{len(self.links)} of {self.tested}"

    def pairs(self) -> set[tuple[int, int]]:
        """The specific links as (p, q) pairs."""
        return {(p, q) for p, q, _, _ in self.links}

    def payload(self) -> dict[str, object]:
        """The JSON form: ``statistic``, ``level``, ``tested`` and ``specific`` = [[p, q, z, q], ...]."""
        return {"statistic": self.statistic, "level": self.level, "tested": self.tested, "specific": [list(link) for link in self.links]}


def polish_residuals(terms: np.ndarray, sweeps: int = POLISH_SWEEPS, low: float = LOW_RESIDUAL) -> np.ndarray:
    """Log residuals r (N, C) of a two-way median polish of positive ``terms`` (N, C): log t = fit + r.

    The fit is additive in log space (overall + row + column effects, each the median of what
    is left); r is clipped below at ``low``; entries of a row or column that is all zero get 0.
    """
    with np.errstate(divide="ignore"):
        logs = np.log(np.asarray(terms, dtype=np.float64))
    fit = np.zeros_like(logs)
    for _ in range(sweeps):
        fit = fit + _finite(np.median(logs - fit, axis=1, keepdims=True))
        fit = fit + _finite(np.median(logs - fit, axis=0, keepdims=True))
    with np.errstate(invalid="ignore"):
        residuals = np.clip(logs - fit, low, None)
    live = np.isfinite(logs)
    residuals[~live.any(axis=1)] = 0.0
    residuals[:, ~live.any(axis=0)] = 0.0
    return residuals


def _finite(effects: np.ndarray) -> np.ndarray:
    """Effects with the undefined ones (a row or column of zeros: −∞ or NaN) set to 0."""
    return np.where(np.isfinite(effects), effects, 0.0)


@dataclass(frozen=True)
class LinkStatistic:
    """One statistic: whether its terms carry E|a| (``weighted``), how a term table becomes the
    tested values (``transform``), and the ``centre`` (``mean`` or ``median``) of a column's null."""

    weighted: bool
    transform: Callable[[np.ndarray], np.ndarray]
    centre: str


LINK_STATISTICS: dict[str, LinkStatistic] = {
    "polish": LinkStatistic(weighted=False, transform=polish_residuals, centre="median"),
    "influence": LinkStatistic(weighted=True, transform=np.asarray, centre="mean"),
}
DEFAULT_STATISTIC: Final = "polish"


def check_statistic(name: str) -> LinkStatistic:
    """The link statistic called ``name``; :class:`ConfigError` listing them otherwise."""
    if name not in LINK_STATISTICS:
        raise ConfigError(f"unknown link statistic {name!r}", hint=f"choose one of {', '.join(LINK_STATISTICS)}")
    return LINK_STATISTICS[name]


def check_level(level: float) -> float:
    """``level`` if it lies in (0, 1); :class:`ConfigError` otherwise."""
    if not 0.0 < level < 1.0:
        raise ConfigError(f"link test level must lie in (0, 1), got {level}", hint="e.g. 0.05")
    return level


def group_mean_z(observed: np.ndarray, values: np.ndarray, sizes: np.ndarray, centre: str = "mean") -> np.ndarray:
    """z-scores of group means ``observed`` against random groups of ``sizes`` drawn without replacement.

    ``values`` (N, C): per-player values of C columns; ``observed`` and ``sizes`` broadcast to the
    result (G, C), row g being a group of ``sizes[g]`` players. The null centre is the column's
    ``mean`` (the expectation of a random group's mean) or ``median`` (robust to a minority of
    extreme players); the scale is the column's standard deviation. A column without spread, or
    a group holding all N players, gets z = 0 (no evidence either way).
    """
    count = values.shape[0]
    middle = np.median(values, axis=0) if centre == "median" else values.mean(axis=0)
    correction = np.where(count > 1, (count - sizes) / max(count - 1, 1), 0.0)
    scale = np.sqrt(np.clip(values.var(axis=0) / sizes * correction, 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(scale > 0, (observed - middle) / scale, 0.0)
    return z


def member_means(values: np.ndarray, partition: Partition) -> np.ndarray:
    """Per coalition the mean of the rows of ``values`` (k, C) of its members (rows in ``partition.neurons`` order) → (P, C)."""
    sums = np.zeros((len(partition.coalitions), values.shape[1]))
    np.add.at(sums, partition.labels(), values)
    return sums / partition.sizes()[:, None]


def side_z(values: np.ndarray, partition: Partition, centre: str) -> np.ndarray:
    """z (P × C) of each coalition's mean of ``values`` (k × C, rows the players of ``partition``) against random groups of its size."""
    return group_mean_z(member_means(values, partition), values, partition.sizes()[:, None].astype(np.float64), centre)


def bh_links(z: np.ndarray, level: float, statistic: str) -> LinkTests:
    """The links of a z table (P × Q) whose BH-adjusted one-sided normal p-value is below ``level``."""
    if z.size == 0:
        return LinkTests((), 0, level, statistic)
    q_values = stats.false_discovery_control(stats.norm.sf(z).ravel(), method="bh").reshape(z.shape)
    specific = np.argwhere(q_values < level)
    return LinkTests(tuple((int(p), int(q), float(z[p, q]), float(q_values[p, q])) for p, q in specific), int(z.size), level, statistic)


def specific_links(
    source_terms: np.ndarray,
    source: Partition,
    target_terms: np.ndarray,
    target: Partition,
    level: float = DEFAULT_LEVEL,
    statistic: str = DEFAULT_STATISTIC,
) -> LinkTests:
    """Specific links from the terms x (k × Q) and y (k' × P) of ``statistic``, as in the module docstring.

    Rows of x follow ``source.neurons``, rows of y ``target.neurons``.
    """
    check_level(level)
    test = check_statistic(statistic)
    if source_terms.size == 0 or target_terms.size == 0:
        return LinkTests((), 0, level, statistic)
    z_source = side_z(test.transform(source_terms), source, test.centre)
    z_target = side_z(test.transform(target_terms), target, test.centre).T
    return bh_links(np.minimum(z_source, z_target), level, statistic)
