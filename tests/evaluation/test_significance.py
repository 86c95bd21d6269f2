"""Per-coalition tests against size-matched random groups: exact metrics, calibration, a planted group, the artifact."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from hedonic.errors import ArtifactError, ConfigError
from hedonic.evaluation import load_synergy, save_synergy
from hedonic.evaluation.significance import (
    NullSettings,
    Significance,
    coalition_tests,
    null_distribution,
    null_draws,
    prefix_metrics,
)
from hedonic.evaluation.synergy import SynergyResult, coalition_synergy, effect_table, required_sets

N, X = 120, 40


class PairwiseGame:
    """Δ_S(x) = Σ_{i∈S} d_i(x) + Σ_{i<j∈S} w_ij(x) + a third-order term, ψ_ij = w_ij exactly for pairs."""

    def __init__(self, seed: int = 0, planted: tuple[int, ...] = (), boost: float = 0.0) -> None:
        rng = np.random.default_rng(seed)
        self.single = rng.normal(size=(N, X))
        self.pair = rng.normal(size=(N, N, X))
        self.pair = (self.pair + self.pair.transpose(1, 0, 2)) / 2
        for i, j in combinations(planted, 2):
            self.pair[i, j] += boost
            self.pair[j, i] += boost
        self.calls = 0

    def __call__(self, sets: list[tuple[int, ...]]) -> np.ndarray:
        self.calls += 1
        rows = []
        for members in sets:
            ids = np.array(members)
            block = self.pair[np.ix_(ids, ids)]
            triple = 0.01 * len(ids) * (len(ids) - 1) * (len(ids) - 2)
            rows.append(self.single[ids].sum(axis=0) + np.triu(block.transpose(2, 0, 1), 1).sum(axis=(1, 2)) + triple)
        return np.array(rows)


def test_prefix_metrics_equal_the_synergy_metrics() -> None:
    game = PairwiseGame()
    groups = [(3, 7, 11, 50, 90), (1, 2, 4, 8)]
    table = effect_table(required_sets(groups), game(required_sets(groups)))
    metrics = ("pair", "pair_abs", "na", "na_abs", "ratio", "ratio_abs")
    for group in groups:
        expected = coalition_synergy(group, table).metrics
        found = prefix_metrics(game, np.array([group]), [len(group)], metrics)[0, 0]
        np.testing.assert_allclose(found, [expected[m] for m in metrics], rtol=1e-12, atol=1e-12)
    rows = np.array([[5, 9, 2, 77, 13, 40]])
    nested = prefix_metrics(game, rows, [3, 6], ("na",))
    assert nested[0, 0, 0] == pytest.approx(
        coalition_synergy((5, 9, 2), effect_table(required_sets([(5, 9, 2)]), game(required_sets([(5, 9, 2)])))).metrics["na"]
    )


def test_prefix_metrics_over_two_blocks_of_inputs_equal_one_process() -> None:
    """Data-parallel: each rank sees half the inputs, ``combine`` averages the ranks' means (as ``engine.mean_over_inputs``)."""
    game = PairwiseGame(seed=4)
    rows = null_draws(range(N), 9, 7, seed=1)
    metrics = ("pair", "pair_abs", "na", "na_abs", "ratio", "ratio_abs")
    whole = prefix_metrics(game, rows, [3, 9], metrics, inputs=X)
    halves = (slice(0, X // 2), slice(X // 2, X))
    sent: list[np.ndarray] = []
    prefix_metrics(lambda sets: game(sets)[:, halves[1]], rows, [3, 9], metrics, inputs=X, combine=lambda m: sent.append(m) or m)
    received = iter(sent)
    combined = prefix_metrics(
        lambda sets: game(sets)[:, halves[0]], rows, [3, 9], metrics, inputs=X, combine=lambda m: (m + next(received)) / 2
    )
    np.testing.assert_allclose(combined, whole, rtol=1e-12, atol=1e-12)
    alone = prefix_metrics(lambda sets: game(sets)[:, halves[0]], rows, [3, 9], metrics, inputs=X)
    assert not np.allclose(alone, whole)  # one block's means are not the answer


def test_null_draws_are_seeded_prefixes_of_permutations() -> None:
    rows = null_draws(range(10, 40), 6, 50, seed=3)
    assert rows.shape == (50, 6) and all(len(set(row)) == 6 for row in rows)
    np.testing.assert_array_equal(rows, null_draws(range(10, 40), 6, 50, seed=3))
    np.testing.assert_array_equal(rows[:, :4], null_draws(range(10, 40), 4, 50, seed=3))  # sizes share draws
    with pytest.raises(ConfigError, match="cannot be drawn"):
        null_draws(range(5), 6, 10, seed=0)


def test_a_planted_synergistic_group_is_significant() -> None:
    planted = (4, 17, 33, 58, 71, 99)
    game = PairwiseGame(seed=1, planted=planted, boost=1.0)
    settings = NullSettings(draws=200, seed=0)
    null = null_distribution(game, range(N), [6], settings)
    others = [tuple(int(i) for i in np.random.default_rng(k + 100).choice(N, 6, replace=False)) for k in range(9)]
    groups = [planted, *others]
    observed = np.array([prefix_metrics(game, np.array([g]), [6], settings.metrics)[0, 0] for g in groups])
    tests = coalition_tests(observed, [6] * len(groups), null, settings.alpha)
    assert tests.p[0].max() == pytest.approx(1 / 201) and tests.z[0].min() > 3
    assert tests.significant[0] and tests.significant.sum() <= 2
    assert tests.share() == pytest.approx(tests.significant.mean())


def test_random_groups_are_significant_at_about_the_nominal_rate() -> None:
    game = PairwiseGame(seed=2)
    settings = NullSettings(draws=400, seed=5, metrics=("pair", "na"))
    sizes = [4, 5, 6, 8]
    null = null_distribution(game, range(N), sizes, settings)
    rng = np.random.default_rng(99)
    groups = [tuple(int(i) for i in rng.choice(N, size, replace=False)) for size in sizes for _ in range(100)]
    observed = np.array([prefix_metrics(game, np.array([g]), [len(g)], settings.metrics)[0, 0] for g in groups])
    tests = coalition_tests(observed, [len(g) for g in groups], null, 0.05)
    raw = np.mean(tests.p <= 0.05, axis=0)
    assert np.all((raw > 0.02) & (raw < 0.09)), raw  # nominal 5%, 400 groups per metric
    assert np.all((tests.p > 0) & (tests.p <= 1))
    assert tests.share() < 0.02, "BH keeps false discoveries rare when every group is random"


def test_bad_settings_name_the_choices() -> None:
    with pytest.raises(ConfigError, match="excess"):
        NullSettings(metrics=("excess",))
    with pytest.raises(ConfigError, match="draws"):
        NullSettings(draws=1)


def test_tests_round_trip_through_the_synergy_artifact(tmp_path: Path) -> None:
    game = PairwiseGame(seed=3)
    groups = [(0, 1, 2, 3), (10, 20, 30, 40, 50)]
    sets = required_sets(groups)
    table = effect_table(sets, game(sets))
    coalitions = tuple(coalition_synergy(g, table) for g in groups)
    settings = NullSettings(draws=50, seed=1)
    null = null_distribution(game, range(N), [4, 5], settings)
    observed = np.array([[c.metrics[m] for m in settings.metrics] for c in coalitions])
    tests = coalition_tests(observed, [4, 5], null, settings.alpha)
    significance = Significance(settings, "local", N, null.summary(), tests)
    result = SynergyResult("m", 1, "local", "zero", tuple(f"x{k}" for k in range(X)), np.zeros(X), coalitions, significance=significance)
    path = save_synergy(result, tmp_path / "synergy_hedonic.json")
    loaded = load_synergy(path).significance
    assert loaded is not None and loaded.summary() == significance.summary()
    np.testing.assert_array_equal(loaded.tests.p, tests.p)
    text = path.read_text()
    path.write_text(text.replace('"significant": false', '"significant": true', 1))
    with pytest.raises(ArtifactError, match="significant"):
        load_synergy(path)


def test_empirical_p_and_robust_z_on_a_known_null() -> None:
    from hedonic.evaluation.significance import NullDistribution

    values = np.arange(1.0, 201.0)
    values[-1] = 1e9  # one random group holding a very loud neuron: the mean and sd would move, the median and MAD do not
    null = NullDistribution(("pair",), {5: values[:, None]}, players=100)
    tests = coalition_tests(np.array([[150.5], [1e10], [0.0]]), [5, 5, 5], null, alpha=0.05)
    np.testing.assert_allclose(tests.p[:, 0], [(1 + 50) / 201, 1 / 201, 1.0])
    assert tests.z[0, 0] == pytest.approx((150.5 - 100.5) / (1.4826 * 50))
    assert null.summary()["5"]["pair"]["median"] == 100.5 and null.summary()["5"]["pair"]["mad"] == 50.0
