"""Spectral clustering on φ."""

from __future__ import annotations

import numpy as np
import pytest

from hedonic.baselines import phi_affinity, spectral_baseline, spectral_labels
from hedonic.errors import MemoryBudgetError

from .conftest import Planted, same_grouping


def test_affinity_is_the_scaled_positive_part_plus_floor() -> None:
    phi = np.array([[0.0, 2.0, -1.0], [2.0, 0.0, 0.5], [-1.0, 0.5, 0.0]])
    affinity = phi_affinity(phi, floor=0.01)
    np.testing.assert_allclose(affinity, [[0, 1.01, 0.01], [1.01, 0, 0.26], [0.01, 0.26, 0]])


def test_spectral_recovers_planted_groups(data: Planted) -> None:
    partition = spectral_baseline(data.phi, np.arange(data.groups.size), 6)
    assert same_grouping(partition.labels(), data.groups)
    assert partition.method == "spectral"


def test_spectral_is_deterministic_and_size_matched(data: Planted) -> None:
    sizes = [12, 9, 9, 6, 6, 3, 3]
    first = spectral_baseline(data.phi, np.arange(data.groups.size), 7, match_to=sizes)
    assert first == spectral_baseline(data.phi, np.arange(data.groups.size), 7, match_to=sizes)
    assert sorted(first.sizes().tolist()) == sorted(sizes)


@pytest.mark.parametrize("k", [3, 6, 9])
def test_dense_spectral_clustering_equals_scikit_learns(data: Planted, k: int) -> None:
    from sklearn.cluster import SpectralClustering

    noise = np.random.default_rng(k).normal(size=data.phi.shape)
    affinity = phi_affinity(data.phi + 0.3 * (noise + noise.T))
    expected = SpectralClustering(k, affinity="precomputed", assign_labels="cluster_qr", random_state=0).fit_predict(affinity)
    assert same_grouping(spectral_labels(affinity, k), expected)


def test_spectral_refuses_layers_above_the_limit(data: Planted) -> None:
    with pytest.raises(MemoryBudgetError, match="limit: 40 neurons") as error:
        spectral_baseline(data.phi, np.arange(data.groups.size), 6, max_players=40)
    assert "spectral" in (error.value.hint or "")
