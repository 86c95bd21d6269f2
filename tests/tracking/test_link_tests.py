"""The test of each coalition link against size-matched random groups (hedonic.tracking.link_tests)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hedonic.errors import ConfigError
from hedonic.game import Partition
from hedonic.tracking.link_tests import LOW_RESIDUAL, group_mean_z, member_means, polish_residuals, specific_links


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


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1), arrays(np.float64, 12, elements=st.floats(0.01, 100.0)), st.floats(0.01, 100.0))
def test_polish_residuals_ignore_each_players_scale(seed: int, rows: np.ndarray, overall: float) -> None:
    terms = np.random.default_rng(seed).gamma(2.0, size=(12, 5))
    np.testing.assert_allclose(polish_residuals(overall * terms * rows[:, None]), polish_residuals(terms), atol=1e-9)


def test_polish_residuals_of_a_product_table_are_zero_but_where_a_link_stands_out() -> None:
    rng = np.random.default_rng(5)
    table = np.outer(rng.gamma(2.0, size=20), rng.gamma(2.0, size=6))
    np.testing.assert_allclose(polish_residuals(table), 0.0, atol=1e-9)
    table[4, 2] *= 3.0
    residuals = polish_residuals(table)
    assert residuals[4, 2] == pytest.approx(np.log(3.0)) and np.abs(np.delete(residuals.ravel(), 4 * 6 + 2)).max() < 1e-9


def test_polish_residuals_stay_finite_on_zeros() -> None:
    terms = np.abs(np.random.default_rng(3).normal(size=(8, 4)))
    terms[2, 1] = 0.0
    terms[5] = 0.0
    residuals = polish_residuals(terms)
    assert np.isfinite(residuals).all() and residuals[2, 1] == LOW_RESIDUAL and (residuals[5] == 0).all()


def test_loud_neurons_blind_the_influence_statistic_but_not_polish() -> None:
    rng = np.random.default_rng(4)
    source, target = _partition(240, 12), _partition(200, 10)
    weights = np.abs(rng.normal(size=(200, 240)))
    weights[np.ix_(target.coalitions[3], source.coalitions[5])] *= 1.6
    mean_abs = rng.gamma(2.0, size=240)
    mean_abs[rng.choice(240, 6, replace=False)] *= 200.0  # a few very loud neurons, as in real models
    x, y = _terms(weights, mean_abs, source, target)
    assert not specific_links(x, source, y, target, statistic="influence").links
    unweighted = _terms(weights, np.ones(240), source, target)
    found = specific_links(unweighted[0], source, unweighted[1], target, statistic="polish")
    assert [(p, q) for p, q, _, _ in found.links] == [(5, 3)] and found.statistic == "polish"


def test_unknown_statistic_is_refused() -> None:
    source, target = _partition(4, 2), _partition(4, 2)
    with pytest.raises(ConfigError, match="unknown link statistic"):
        specific_links(np.ones((4, 2)), source, np.ones((4, 2)), target, statistic="magic")
