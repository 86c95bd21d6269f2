"""Synthetic valuations with planted coalitions, to check that a game recovers known structure.

- :func:`planted_valuation`: groups of uniform sizes and one strength, Gaussian noise;
- :func:`heterogeneous_valuation`: what a layer is more likely to look like (issue 27) — heavy-tailed
  group sizes, member strengths varying within a group, true singletons, mutually repelling groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from hedonic.errors import ConfigError


def planted_valuation(
    n: int,
    noise: float,
    *,
    sizes: tuple[int, int] = (4, 32),
    coverage: float = 0.8,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A φ (n, n) float32 with planted groups, and the true coalition label (n,) int64 of each player.

    Group sizes are uniform in [sizes[0], sizes[1]] until ``coverage`` of the players are placed
    (the rest are background players, each its own true coalition); members are a random
    permutation. φ(i, j) = 1[i, j in one group] + noise·z_ij with z symmetric standard normal,
    zero diagonal.
    """
    low, high = sizes
    if n < 1 or noise < 0 or not 0 <= coverage <= 1 or not 1 <= low <= high:
        raise ConfigError(
            f"bad planted game: n={n}, noise={noise}, sizes={sizes}, coverage={coverage}",
            hint="use n >= 1, noise >= 0, 1 <= low <= high, coverage in [0, 1]",
        )
    rng = np.random.default_rng(seed)
    bounds = [0]
    while bounds[-1] < coverage * n:
        bounds.append(min(n, bounds[-1] + int(rng.integers(low, high + 1))))
    order = rng.permutation(n)
    truth = _truth(order, bounds)
    phi = _noise(rng, n, noise)
    for a, b in pairwise(bounds):
        members = order[a:b]
        phi[np.ix_(members, members)] += np.float32(1.0)
    np.fill_diagonal(phi, 0.0)
    return phi, truth


@dataclass(frozen=True)
class Heterogeneity:
    """How a :func:`heterogeneous_valuation` departs from uniform planted groups.

    ``sizes`` (low, high): group sizes follow a discrete power law P(s) ∝ s^(−``exponent``) on
    [low, high]; ``coverage``: share of players in groups (the rest are true singletons);
    ``strength`` (low, high): each member's factor a_i is uniform in [√low, √high], so the
    within-group signal a_i·a_j spans [low, high]; ``repelling``: share of the groups paired off
    into mutually repelling pairs (φ = −``repulsion`` between their members).
    """

    sizes: tuple[int, int] = (3, 128)
    exponent: float = 2.0
    coverage: float = 0.8
    strength: tuple[float, float] = (1.0, 3.0)
    repelling: float = 0.2
    repulsion: float = 1.0

    def __post_init__(self) -> None:
        low, high = self.sizes
        if not (
            1 <= low <= high
            and self.exponent >= 0
            and 0 <= self.coverage <= 1
            and 0 < self.strength[0] <= self.strength[1]
            and 0 <= self.repelling <= 1
        ):
            raise ConfigError(
                f"bad heterogeneity {self}",
                hint="use 1 <= low <= high sizes, exponent >= 0, coverage and repelling in [0, 1], 0 < strength low <= high",
            )


REALISTIC = Heterogeneity()
"""The heterogeneity of issue 27's planted benchmark: sizes 3…128 (P(s) ∝ s⁻²), 20% singletons,
within-group strengths ×3, a fifth of the groups in repelling pairs."""


def heterogeneous_valuation(n: int, noise: float, *, shape: Heterogeneity = REALISTIC, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A φ (n, n) float32 with heterogeneous planted groups (:class:`Heterogeneity`) and the true labels (n,) int64.

    Group sizes are drawn from the power law until ``shape.coverage`` of the players are placed
    (the last group is cut to fit; a remainder below the smallest size stays singletons).
    φ(i, j) = a_i·a_j for i, j in one group, −``repulsion`` for i, j in two repelling groups,
    0 otherwise, plus noise·z_ij (z symmetric standard normal); zero diagonal.
    """
    if n < 1 or noise < 0:
        raise ConfigError(f"bad planted game: n={n}, noise={noise}", hint="use n >= 1, noise >= 0")
    rng = np.random.default_rng(seed)
    bounds = _power_law_bounds(rng, n, shape)
    order = rng.permutation(n)
    truth = _truth(order, bounds)
    factor = np.sqrt(rng.uniform(*shape.strength, size=n)).astype(np.float32)
    phi = _noise(rng, n, noise)
    groups = [order[a:b] for a, b in pairwise(bounds)]
    for members in groups:
        phi[np.ix_(members, members)] += np.outer(factor[members], factor[members])
    paired = rng.permutation(len(groups))[: 2 * int(shape.repelling * len(groups) / 2)]
    for first, second in paired.reshape(-1, 2):
        block = np.float32(shape.repulsion)
        phi[np.ix_(groups[first], groups[second])] -= block
        phi[np.ix_(groups[second], groups[first])] -= block
    np.fill_diagonal(phi, 0.0)
    return phi, truth


def _power_law_bounds(rng: np.random.Generator, n: int, shape: Heterogeneity) -> list[int]:
    """Cumulative group boundaries 0 = b_0 < b_1 < … covering ``shape.coverage`` of n players."""
    low, high = shape.sizes
    support = np.arange(low, high + 1)
    weights = support.astype(np.float64) ** -shape.exponent
    bounds = [0]
    goal = int(round(shape.coverage * n))
    while goal - bounds[-1] >= low:
        size = int(rng.choice(support, p=weights / weights.sum()))
        bounds.append(min(goal, bounds[-1] + size))
    return bounds


def _truth(order: np.ndarray, bounds: list[int]) -> np.ndarray:
    """True label (n,) of each player: group k for ranks in [bounds[k], bounds[k+1]), one label per remaining player."""
    n = len(order)
    by_rank = np.arange(n, dtype=np.int64) + len(bounds) - 1 - bounds[-1]
    for group, (a, b) in enumerate(pairwise(bounds)):
        by_rank[a:b] = group
    truth = np.empty(n, dtype=np.int64)
    truth[order] = by_rank
    return truth


def _noise(rng: np.random.Generator, n: int, noise: float) -> np.ndarray:
    """noise · z (n, n) float32 with z symmetric standard normal."""
    phi = rng.standard_normal((n, n), dtype=np.float32)
    phi = np.triu(phi, 1)
    phi += phi.T
    phi *= np.float32(noise)
    return phi
