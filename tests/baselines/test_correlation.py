"""Activation correlation from streaming sums, and agglomerative clustering on it."""

from __future__ import annotations

import numpy as np
import pytest

from hedonic.baselines import activation_correlation, agglomerative_baseline
from hedonic.errors import ConfigError

from .conftest import Planted, same_grouping, stats_of


def test_correlation_from_sums_equals_corrcoef(data: Planted) -> None:
    rho = activation_correlation(stats_of(data.activations))
    np.testing.assert_allclose(rho, np.corrcoef(data.activations.T), atol=1e-10)


def test_constant_neurons_correlate_with_nobody() -> None:
    activations = np.random.default_rng(0).normal(size=(30, 4))
    activations[:, 1] = 3.0
    activations[:, 3] = 0.0
    rho = activation_correlation(stats_of(activations))
    assert np.isfinite(rho).all()
    assert rho[1].tolist() == [0.0, 1.0, 0.0, 0.0] and rho[:, 3].tolist() == [0.0, 0.0, 0.0, 1.0]
    assert rho[0, 2] == pytest.approx(np.corrcoef(activations[:, 0], activations[:, 2])[0, 1])


@pytest.mark.parametrize(("rows", "outer", "problem"), [(1, True, "at least 2"), (10, False, "no Σaaᵀ")])
def test_bad_statistics_are_refused(rows: int, outer: bool, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        activation_correlation(stats_of(np.ones((rows, 3)), outer=outer))


def test_agglomerative_recovers_planted_groups(data: Planted) -> None:
    rho = activation_correlation(stats_of(data.activations))
    partition = agglomerative_baseline(rho, np.arange(data.groups.size), 6)
    assert same_grouping(partition.labels(), data.groups)
    assert partition.method == "agglomerative" and partition.parameters["linkage"] == "average"


def test_agglomerative_size_matching(data: Planted) -> None:
    rho = activation_correlation(stats_of(data.activations))
    sizes = [16, 8, 8, 8, 4, 2, 2]
    partition = agglomerative_baseline(rho, np.arange(data.groups.size), len(sizes), match_to=sizes)
    assert sorted(partition.sizes().tolist()) == sorted(sizes)
