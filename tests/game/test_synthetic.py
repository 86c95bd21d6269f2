"""Planted valuations: the heterogeneous generator's shape, and its recovery by the default game at small n."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from hedonic.errors import ConfigError
from hedonic.game import REALISTIC, Heterogeneity, discover, heterogeneous_valuation


def test_the_heterogeneous_generator_has_the_promised_shape() -> None:
    phi, truth = heterogeneous_valuation(1536, 0.0, seed=1)
    sizes = np.bincount(truth)
    groups = sizes[sizes > 1]
    assert np.array_equal(phi, phi.T) and not np.diagonal(phi).any()
    assert abs((sizes == 1).sum() / 1536 - (1 - REALISTIC.coverage)) < 0.01
    assert groups.min() >= 3 and groups.max() <= 128 and np.median(groups) <= 8 < groups.max() / 4
    inside = truth[:, None] == truth[None, :]
    np.fill_diagonal(inside, False)
    strengths = phi[inside & (sizes[truth][:, None] > 1)]
    assert strengths.min() >= 1.0 - 1e-6 and strengths.max() <= 3.0 + 1e-6 and strengths.max() / strengths.min() > 2.5
    repelled = np.unique(truth[np.flatnonzero((phi < 0).any(axis=1))])
    assert abs(len(repelled) / len(groups) - REALISTIC.repelling) < 0.05 and np.allclose(phi[phi < 0], -REALISTIC.repulsion)
    with pytest.raises(ConfigError, match="bad heterogeneity"):
        Heterogeneity(sizes=(5, 3))


def test_the_default_game_recovers_heterogeneous_groups_at_small_n() -> None:
    """Issue 27 item 4 at n = 400 (sizes 3…40 so that the default bound, 10% of n, is not the question): ARI ≥ 0.95 at σ = 0.3."""
    phi, truth = heterogeneous_valuation(400, 0.3, shape=Heterogeneity(sizes=(3, 40)), seed=0)
    partition = discover(phi, stability_samples=500)
    assert adjusted_rand_score(truth, partition.labels()) >= 0.95
    assert partition.stability is not None and partition.stability.nash_stable
