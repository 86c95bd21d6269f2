"""The statistical comparison of metric distributions: rank tests (against scipy), intervals, permutation tests, effect sizes, artifact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from scipy import stats

from hedonic.errors import ArtifactError, ConfigError
from hedonic.evaluation.artifacts import load_comparison, save_comparison
from hedonic.evaluation.comparison import compare_methods
from hedonic.evaluation.inference import (
    bootstrap_mean_ci,
    cliffs_delta,
    cliffs_delta_batch,
    cliffs_delta_ci,
    cohens_d,
    holm_adjust,
    permutation_p_value,
    rank_test,
)
from hedonic.evaluation.tables import comparison_tables


def _values(rng: np.random.Generator, shift: float, count: int = 60) -> tuple[dict, dict]:
    sizes = {m: rng.integers(2, 40, count) for m in ("hedonic", "random", "spectral")}
    values = {
        "hedonic": {"pair": rng.normal(shift, 1.0, count), "na": rng.normal(0, 1, count)},
        "random": {"pair": rng.normal(0.0, 1.0, count), "na": rng.normal(0, 1, count)},
        "spectral": {"pair": rng.normal(0.0, 1.0, count), "na": rng.normal(0, 1, count)},
    }
    return values, sizes


def test_a_known_difference_is_found() -> None:
    values, sizes = _values(np.random.default_rng(0), shift=1.5)
    comparison = compare_methods(values, sizes, n_resamples=999, n_permutations=999, seed=1)
    contrast = comparison.contrast("random", "pair")
    assert contrast.p_value is not None and contrast.p_value < 0.01
    assert contrast.p_holm is not None and contrast.p_holm >= contrast.p_value
    assert contrast.ci_low is not None and contrast.ci_low > 0
    assert contrast.cohens_d is not None and contrast.cohens_d > 0.8
    assert contrast.cliffs_delta is not None and contrast.cliffs_delta > 0.4
    assert contrast.delta_ci_low is not None and 0 < contrast.delta_ci_low < contrast.cliffs_delta < contrast.delta_ci_high <= 1
    assert contrast.rank_test == "brunner-munzel" and contrast.rank_p is not None and contrast.rank_p < 1e-4
    assert contrast.rank_p_holm is not None and contrast.rank_p_holm >= contrast.rank_p
    summary = comparison.summary("hedonic", "pair")
    assert summary.ci_low is not None and summary.ci_high is not None
    assert summary.ci_low < summary.mean < summary.ci_high and summary.ci_low > 0


def test_no_difference_gives_an_interval_around_zero() -> None:
    values, sizes = _values(np.random.default_rng(2), shift=0.0)
    comparison = compare_methods(values, sizes, n_resamples=999, n_permutations=999, seed=1)
    contrast = comparison.contrast("spectral", "na")
    assert contrast.p_value is not None and contrast.p_value > 0.05
    assert contrast.ci_low is not None and contrast.ci_high is not None and contrast.ci_low < 0 < contrast.ci_high
    assert contrast.rank_p is not None and contrast.rank_p > 0.05
    assert contrast.delta_ci_low is not None and contrast.delta_ci_high is not None and contrast.delta_ci_low < 0 < contrast.delta_ci_high


KNOWN_X = np.array([1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30])
KNOWN_Y = np.array([0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29])


def test_rank_tests_agree_with_scipy_on_known_samples() -> None:
    bm = rank_test(KNOWN_X, KNOWN_Y, "brunner-munzel")
    reference = stats.brunnermunzel(KNOWN_X, KNOWN_Y)
    assert (bm.test, bm.statistic, bm.p_value) == ("brunner-munzel", pytest.approx(reference.statistic), pytest.approx(reference.pvalue))
    mw = rank_test(KNOWN_X, KNOWN_Y, "mann-whitney")
    reference = stats.mannwhitneyu(KNOWN_X, KNOWN_Y, alternative="two-sided")
    assert (mw.statistic, mw.p_value) == (pytest.approx(reference.statistic), pytest.approx(reference.pvalue))
    # Cliff's δ from the ranks = the brute-force count over all pairs, ties counting zero
    brute = np.sign(KNOWN_X[:, None] - KNOWN_Y[None, :]).mean()
    assert cliffs_delta(KNOWN_X, KNOWN_Y) == pytest.approx(brute)
    assert cliffs_delta(KNOWN_X, KNOWN_Y) == pytest.approx(2 * reference.statistic / (9 * 9) - 1)


def test_complete_separation_falls_back_to_mann_whitney() -> None:
    result = rank_test(np.array([5.0, 6.0, 7.0]), np.array([1.0, 2.0, 3.0]))
    assert result.test == "mann-whitney" and result.p_value == pytest.approx(0.1)
    assert rank_test(np.array([1.0]), np.array([2.0, 3.0])).p_value is None
    with pytest.raises(ConfigError, match="brunner-munzel"):
        rank_test(KNOWN_X, KNOWN_Y, "t-test")


def test_cliffs_delta_interval_and_batch() -> None:
    rng = np.random.default_rng(7)
    batch_x, batch_y = rng.normal(size=(5, 12)), rng.normal(size=(5, 9))
    np.testing.assert_allclose(cliffs_delta_batch(batch_x, batch_y), [cliffs_delta(a, b) for a, b in zip(batch_x, batch_y, strict=True)])
    covered = 0
    for _ in range(100):  # X ~ N(0.5, 1), Y ~ N(0, 1): true δ = 2Φ(0.5/√2) − 1
        low, high = cliffs_delta_ci(rng.normal(0.5, 1, 40), rng.normal(0, 1, 40), n_resamples=299, rng=rng)
        covered += low <= 2 * stats.norm.cdf(0.5 / np.sqrt(2)) - 1 <= high
    assert 0.85 <= covered / 100 <= 1.0


def test_heavy_tails_move_the_mean_but_not_the_ranks() -> None:
    rng = np.random.default_rng(8)
    hedonic = rng.lognormal(0.0, 0.5, 60)
    baseline = np.concatenate([rng.lognormal(-1.0, 0.5, 59), [1e4]])  # one dominant coalition
    comparison = compare_methods(
        {"hedonic": {"m": hedonic}, "random": {"m": baseline}},
        {"hedonic": [5] * 60, "random": [5] * 60},
        n_resamples=499,
        n_permutations=499,
    )
    contrast = comparison.contrast("random", "m")
    assert contrast.difference is not None and contrast.difference < 0, "the mean says the baseline is ahead"
    assert contrast.cliffs_delta is not None and contrast.cliffs_delta > 0.6 and contrast.rank_p_holm < 1e-6, "the ranks say hedonic is"
    assert comparison.summary("random", "m").median < comparison.summary("hedonic", "m").median


def test_permutation_false_positive_rate_is_near_alpha() -> None:
    rng = np.random.default_rng(3)
    repeats = 300
    rejections = sum(
        permutation_p_value(rng.normal(size=25), rng.normal(size=25), n_permutations=199, rng=rng) <= 0.05 for _ in range(repeats)
    )
    assert 0.02 <= rejections / repeats <= 0.09


def test_bootstrap_interval_covers_the_true_mean_at_about_its_level() -> None:
    rng = np.random.default_rng(4)
    covered = 0
    for _ in range(200):
        low, high = bootstrap_mean_ci(rng.normal(1.0, 2.0, 40), n_resamples=499, rng=rng)
        covered += low <= 1.0 <= high
    assert 0.88 <= covered / 200 <= 0.99


def test_only_the_size_range_and_finite_values_count() -> None:
    values = {"hedonic": {"m": [1.0, 2.0, np.nan, 100.0]}, "random": {"m": [0.0, 5.0, 1.0, 1.0]}}
    sizes = {"hedonic": [4, 8, 6, 40], "random": [3, 4, 5, 33]}
    comparison = compare_methods(values, sizes, size_range=(4, 32), n_resamples=99, n_permutations=99)
    hedonic, random = comparison.summary("hedonic", "m"), comparison.summary("random", "m")
    assert (hedonic.count, hedonic.dropped, hedonic.mean) == (2, 1, 1.5)
    assert (random.count, random.dropped, random.mean) == (2, 0, 3.0)
    assert comparison.contrast("random", "m").difference == pytest.approx(-1.5)


def test_too_few_coalitions_give_undefined_statistics() -> None:
    values = {"hedonic": {"m": [1.0]}, "random": {"m": [0.0, 2.0]}}
    comparison = compare_methods(values, {"hedonic": [5], "random": [5, 6]}, n_resamples=99, n_permutations=99)
    assert comparison.summary("hedonic", "m").ci_low is None and comparison.summary("hedonic", "m").std is None
    contrast = comparison.contrast("random", "m")
    assert contrast.p_value is None and contrast.cohens_d is None and contrast.ci_low is None
    assert contrast.difference == 0.0 and contrast.cliffs_delta == 0.0
    assert contrast.rank_p is None and contrast.delta_ci_low is None


def test_effect_sizes_on_hand_computed_examples() -> None:
    x, y = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 2.0])
    assert cohens_d(x, y) == pytest.approx(1.0)
    assert cliffs_delta(x, y) == pytest.approx((6 - 1) / 9)
    assert cliffs_delta(np.array([5.0, 6.0]), np.array([1.0, 2.0])) == 1.0
    assert cohens_d(np.ones(3), np.ones(4)) is None


def test_holm_adjustment() -> None:
    assert holm_adjust([0.01, None, 0.04, 0.03]) == pytest.approx([0.03, None, 0.06, 0.06])


def test_results_follow_the_seed_not_the_dictionary_order() -> None:
    values, sizes = _values(np.random.default_rng(5), shift=0.3)
    reordered = {m: values[m] for m in reversed(list(values))}
    first = compare_methods(values, sizes, n_resamples=199, n_permutations=199, seed=9)
    assert first == compare_methods(reordered, sizes, n_resamples=199, n_permutations=199, seed=9)
    assert first != compare_methods(values, sizes, n_resamples=199, n_permutations=199, seed=10)


def test_artifact_round_trip_and_table(tmp_path: Path) -> None:
    values, sizes = _values(np.random.default_rng(6), shift=1.0)
    comparison = compare_methods(values, sizes, n_resamples=99, n_permutations=99, context={"layer": 3, "readout": "local"})
    path = save_comparison(comparison, tmp_path / "comparison.json")
    assert load_comparison(path) == comparison
    console = Console(width=200, record=True)
    for table in comparison_tables(comparison):
        console.print(table)
    text = console.export_text()
    assert "pair, coalitions of size 4–32" in text and "spectral" in text and "Cliff" in text and "median" in text
    (tmp_path / "bad.json").write_text('{"kind": "comparison", "format_version": 2}')
    with pytest.raises(ArtifactError, match="invalid comparison"):
        load_comparison(tmp_path / "bad.json")


@pytest.mark.parametrize(
    ("values", "sizes", "problem"),
    [
        ({"random": {"m": [1.0]}}, {"random": [4]}, "reference method"),
        ({"hedonic": {"m": [1.0]}, "random": {"x": [1.0]}}, {"hedonic": [4], "random": [4]}, "reports metrics"),
        ({"hedonic": {"m": [1.0, 2.0]}}, {"hedonic": [4]}, "2 values"),
        ({"hedonic": {"m": [1.0]}, "random": {"m": [1.0]}}, {"hedonic": [4]}, "no coalition sizes"),
    ],
)
def test_bad_inputs_are_refused(values: dict, sizes: dict, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        compare_methods(values, sizes)
