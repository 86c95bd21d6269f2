"""Synthetic valuations with planted coalitions, to check that a cover recovers known structure."""

from __future__ import annotations

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
        raise ConfigError(f"bad planted game: n={n}, noise={noise}, sizes={sizes}, coverage={coverage}", hint="use n >= 1, noise >= 0, 1 <= low <= high, coverage in [0, 1]")
    rng = np.random.default_rng(seed)
    bounds = [0]
    while bounds[-1] < coverage * n:
        bounds.append(min(n, bounds[-1] + int(rng.integers(low, high + 1))))
    order = rng.permutation(n)
    by_rank = np.arange(n, dtype=np.int64) + len(bounds) - 1 - bounds[-1]
    for group, (a, b) in enumerate(zip(bounds, bounds[1:])):
        by_rank[a:b] = group
    truth = np.empty(n, dtype=np.int64)
    truth[order] = by_rank
    phi = rng.standard_normal((n, n), dtype=np.float32)
    phi = np.triu(phi, 1)
    phi += phi.T
    phi *= np.float32(noise)
    for a, b in zip(bounds, bounds[1:]):
        members = order[a:b]
        phi[np.ix_(members, members)] += np.float32(1.0)
    np.fill_diagonal(phi, 0.0)
    return phi, truth
