"""The test of each coalition link against size-matched random groups (hedonic.tracking.link_tests)."""

from __future__ import annotations

import numpy as np
import pytest

from hedonic.errors import ConfigError
from hedonic.game import Partition
from hedonic.tracking.link_tests import group_mean_z, member_means, specific_links


def _partition(n: int, size: int) -> Partition:
    groups = [tuple(range(start, min(start + size, n))) for start in range(0, n, size)]
    return Partition.from_coalitions(groups, "test", neurons=list(range(n)))


def _terms(weights: np.ndarray, mean_abs: np.ndarray, source: Partition, target: Partition) -> tuple[np.ndarray, np.ndarray]:
    """x (k × Q) and y (k' × P) from |W| (k' × k) and E|a| (k,), as the tracking stage builds them."""
    contributions = weights * mean_abs[None, :]  # (k', k): E|a_i| |W[j, i]|
    return member_means(contributions, target).T, member_means(contributions.T, source).T


def test_group_mean_z_matches_random_groups_drawn_without_replacement() -> None:
    rng = np.random.default_rng(0)
    values = rng.gamma(2.0, size=(60, 1))
    size = 12
    draws = np.array([values[rng.choice(60, size, replace=False), 0].mean() for _ in range(20000)])
    observed = np.array([[draws.mean() + 2.0 * draws.std()]])
    z = group_mean_z(observed, values, np.array([[size]], dtype=float))
    assert z[0, 0] == pytest.approx(2.0, abs=0.05)


def test_group_mean_z_is_zero_without_spread_or_for_the_whole_population() -> None:
    flat = np.ones((10, 2))
    assert np.all(group_mean_z(np.full((1, 2), 3.0), flat, np.array([[4.0]])) == 0)
    spread = np.arange(10.0)[:, None]
    assert group_mean_z(np.array([[9.0]]), spread, np.array([[10.0]]))[0, 0] == 0


def test_member_means_average_the_rows_of_each_coalition() -> None:
    partition = Partition.from_coalitions([(0, 2), (1,)], "test", neurons=[0, 1, 2])
    values = np.array([[1.0, 10.0], [5.0, 50.0], [3.0, 30.0]])
    np.testing.assert_allclose(member_means(values, partition), [[2.0, 20.0], [5.0, 50.0]])


def test_a_planted_link_is_specific_and_the_rest_are_not() -> None:
    rng = np.random.default_rng(1)
    source, target = _partition(120, 12), _partition(100, 10)
    weights = np.abs(rng.normal(size=(100, 120)))
    weights[np.ix_(target.coalitions[3], source.coalitions[5])] += 1.5
    x, y = _terms(weights, np.ones(120), source, target)
    found = specific_links(x, source, y, target)
    assert [(p, q) for p, q, _, _ in found.links] == [(5, 3)]
    assert found.tested == 10 * 10 and found.links[0][2] > 5 and found.links[0][3] < 0.05
    assert found.describe() == "1 of 100"


def test_a_loud_source_strong_into_every_target_is_not_a_specific_link() -> None:
    rng = np.random.default_rng(2)
    source, target = _partition(120, 12), _partition(100, 10)
    mean_abs = np.ones(120)
    mean_abs[list(source.coalitions[0])] = 20.0
    x, y = _terms(np.abs(rng.normal(size=(100, 120))), mean_abs, source, target)
    assert member_means(x, source)[0].min() > 5 * member_means(x, source)[1:].max(), "the loud source dominates every target"
    assert not specific_links(x, source, y, target).links


def test_random_weights_give_specific_links_at_no_more_than_the_nominal_rate() -> None:
    source, target = _partition(120, 12), _partition(100, 10)
    runs = []
    for seed in range(20):
        rng = np.random.default_rng(100 + seed)
        x, y = _terms(np.abs(rng.normal(size=(100, 120))), rng.gamma(2.0, size=120), source, target)
        runs.append(len(specific_links(x, source, y, target).links))
    assert sum(count > 0 for count in runs) <= 3, f"links called specific under the null: {runs}"


def test_link_level_is_checked() -> None:
    source, target = _partition(4, 2), _partition(4, 2)
    with pytest.raises(ConfigError, match="link test level"):
        specific_links(np.ones((4, 2)), source, np.ones((4, 2)), target, level=1.5)
