"""Which coalition links are stronger than chance: each link of S tested against size-matched random groups.

The event rules read shares of S; they cannot tell a specific link from an even spread. This test
can. For a link (p, q), with x_i = E|a_i| · R[i, q] the influence of source player i on target
coalition q and y_j = Σ_{i∈C_p} E|a_i| |W[j, i]| / |C_p| the influence of source coalition p on
target player j,

    S[p, q] = mean_{i∈C_p} x_i = mean_{j∈C'_q} y_j,

so S[p, q] is the mean of a group of |C_p| source players (or |C'_q| target players). Under the
null that C_p is a random group of its size among the N tracked source players, that mean has
expectation x̄ and variance σ_x² / |C_p| · (N − |C_p|) / (N − 1) (sampling without replacement;
σ² the population variance over the players), and likewise on the target side. Each side gives a
z-score; a link is *specific* when both sides reject (intersection–union: z = the smaller of the
two, one-sided p = 1 − Φ(z), normal approximation of a group mean), at Benjamini–Hochberg
level ``level`` over all P × Q links. A loud source, strong into every target, passes the source
side but not the target side; a target that draws on everything passes neither.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from hedonic.errors import ConfigError
from hedonic.game import Partition

DEFAULT_LEVEL = 0.05


@dataclass(frozen=True)
class LinkTests:
    """The specific links of one layer pair: ``links`` (p, q, z, q-value) at BH ``level``, of ``tested`` links, sorted by (p, q)."""

    links: tuple[tuple[int, int, float, float], ...]
    tested: int
    level: float = DEFAULT_LEVEL

    def describe(self) -> str:
        """``"k of N"``: specific links of those tested."""
        return f"{len(self.links)} of {self.tested}"

    def payload(self) -> dict[str, object]:
        """The JSON form: ``level``, ``tested`` and ``specific`` = [[p, q, z, q], ...]."""
        return {"level": self.level, "tested": self.tested, "specific": [list(link) for link in self.links]}


def group_mean_z(observed: np.ndarray, values: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """z-scores of group means ``observed`` against random groups of ``sizes`` drawn without replacement.

    ``values`` (N, C): per-player values of C columns; ``observed`` and ``sizes`` broadcast to the
    result (G, C), row g being a group of ``sizes[g]`` players. A column without spread, or a group
    holding all N players, gets z = 0 (no evidence either way).
    """
    count = values.shape[0]
    mean, variance = values.mean(axis=0), values.var(axis=0)
    correction = np.where(count > 1, (count - sizes) / max(count - 1, 1), 0.0)
    scale = np.sqrt(np.clip(variance / sizes * correction, 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(scale > 0, (observed - mean) / scale, 0.0)
    return z


def member_means(values: np.ndarray, partition: Partition) -> np.ndarray:
    """Per coalition the mean of the rows of ``values`` (k, C) of its members (rows in ``partition.neurons`` order) → (P, C)."""
    sums = np.zeros((len(partition.coalitions), values.shape[1]))
    np.add.at(sums, partition.labels(), values)
    return sums / partition.sizes()[:, None]


def specific_links(
    source_terms: np.ndarray, source: Partition, target_terms: np.ndarray, target: Partition, level: float = DEFAULT_LEVEL
) -> LinkTests:
    """Specific links from ``source_terms`` x (k × Q) and ``target_terms`` y (k' × P), as in the module docstring.

    Rows of x follow ``source.neurons``, rows of y ``target.neurons``.
    """
    if not 0.0 < level < 1.0:
        raise ConfigError(f"link test level must lie in (0, 1), got {level}", hint="e.g. 0.05")
    influence = member_means(source_terms, source)
    if influence.size == 0:
        return LinkTests((), 0, level)
    z_source = group_mean_z(influence, source_terms, source.sizes()[:, None].astype(np.float64))
    z_target = group_mean_z(influence.T, target_terms, target.sizes()[:, None].astype(np.float64)).T
    z = np.minimum(z_source, z_target)
    q_values = stats.false_discovery_control(stats.norm.sf(z).ravel(), method="bh").reshape(z.shape)
    specific = np.argwhere(q_values < level)
    return LinkTests(tuple((int(p), int(q), float(z[p, q]), float(q_values[p, q])) for p, q in specific), int(z.size), level)
