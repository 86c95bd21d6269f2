"""Statistical inference of the evaluation (distinct from :mod:`hedonic.stats`, the activation statistics of a
model): the rank-based headline of every method comparison, and the interval, permutation and multiplicity
tools the comparisons reuse, each tested alone.

**Rank-based two-sample comparison** (spec §6). Per-coalition synergy is heavy-tailed (a coalition
holding one dominant neuron can carry a method's mean), so "is method X more synergistic than Y" is
answered on ranks:

- Cliff's δ = P[x > y] − P[x < y] over all pairs (x from X, y from Y), in [−1, 1]; computed from
  the midranks of the pooled sample: δ = 2U / (n_x n_y) − 1 with U = Σ rank(x) − n_x(n_x + 1)/2
  (ties count one half, as in the Mann–Whitney U statistic). Its interval is a percentile
  bootstrap (:func:`scipy.stats.bootstrap`, each sample resampled on its own).
- The test (a name of :data:`RANK_TESTS`) of H0: P[x > y] + ½ P[x = y] = ½, i.e. δ = 0:
  ``brunner-munzel`` (:func:`scipy.stats.brunnermunzel`, t approximation; valid when the two
  spreads differ, the default) or ``mann-whitney`` (:func:`scipy.stats.mannwhitneyu`, which
  assumes equal shapes under H0). The Brunner–Munzel variance estimate is 0 when the samples
  are completely separated or constant; the two-sided Mann–Whitney p (exact for small samples)
  is used then, and the test actually used is reported.

**Means and multiplicity.**

- :func:`bootstrap_mean_ci`, :func:`difference_ci`: percentile bootstrap intervals
  (:func:`scipy.stats.bootstrap`) of a mean and of a difference of means;
- :func:`permutation_p_value`: two-sided permutation test of a difference of means
  (:func:`scipy.stats.permutation_test`, exact when fewer relabellings exist);
- :func:`cohens_d`: difference of means over the pooled standard deviation;
- :func:`holm_adjust` (family-wise, step-down) and :func:`benjamini_hochberg` (false discovery
  rate, :func:`scipy.stats.false_discovery_control`) adjusted p-values.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from scipy import stats

from hedonic.errors import ConfigError

N_RESAMPLES = 9999
"""The library's bootstrap resamples and permutations of each test (scipy's default)."""
BRUNNER_MUNZEL: Final = "brunner-munzel"
MANN_WHITNEY: Final = "mann-whitney"
AHEAD, LEVEL, BEHIND, UNDETERMINED = "ahead", "level", "behind", "undetermined"
BOOTSTRAP_BATCH_ELEMENTS = 1 << 22
"""Bound on the elements of one vectorised batch of bootstrap resamples (resamples × pooled size)."""


@dataclass(frozen=True)
class RankTest:
    """Outcome of one two-sided rank test: the ``test`` used, its ``statistic`` and ``p_value``."""

    test: str
    statistic: float | None
    p_value: float | None


def _mann_whitney(x: np.ndarray, y: np.ndarray) -> RankTest:
    result = stats.mannwhitneyu(x, y, alternative="two-sided")
    return RankTest(MANN_WHITNEY, float(result.statistic), float(result.pvalue))


def _brunner_munzel(x: np.ndarray, y: np.ndarray) -> RankTest:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = stats.brunnermunzel(x, y, alternative="two-sided", distribution="t")
    if not (np.isfinite(result.statistic) and np.isfinite(result.pvalue)):
        return _mann_whitney(x, y)
    return RankTest(BRUNNER_MUNZEL, float(result.statistic), float(result.pvalue))


RANK_TESTS: dict[str, Callable[[np.ndarray, np.ndarray], RankTest]] = {
    BRUNNER_MUNZEL: _brunner_munzel,
    MANN_WHITNEY: _mann_whitney,
}
"""Two-sided rank tests of δ = 0 by name; each takes two 1-D samples with ≥ 2 values each."""


def classify(delta: float | None, p_holm: float | None, alpha: float) -> str:
    """ahead / behind / level / undetermined from Cliff's δ and its Holm-adjusted rank-test p.

    ahead: p < ``alpha`` and δ > 0; behind: p < ``alpha`` and δ < 0; level: otherwise;
    undetermined: no δ or no p (fewer than 2 values on a side).
    """
    if delta is None or p_holm is None:
        return UNDETERMINED
    if p_holm < alpha and delta > 0:
        return AHEAD
    if p_holm < alpha and delta < 0:
        return BEHIND
    return LEVEL


def check_rank_test(name: str) -> str:
    """``name`` if it is a test of :data:`RANK_TESTS`; :class:`ConfigError` listing them otherwise."""
    if name not in RANK_TESTS:
        raise ConfigError(f"unknown rank test {name!r}", hint=f"choose one of {', '.join(RANK_TESTS)}")
    return name


def rank_test(x: np.ndarray, y: np.ndarray, test: str = BRUNNER_MUNZEL) -> RankTest:
    """Two-sided rank test ``test`` of x (k,) against y (m,); statistic and p None when k or m < 2."""
    check_rank_test(test)
    if x.size < 2 or y.size < 2:
        return RankTest(test, None, None)
    return RANK_TESTS[test](np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))


def cliffs_delta_batch(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Cliff's δ of x (..., k) against y (..., m) along ``axis``; the leading axes (a batch of resamples) must agree."""
    x, y = np.moveaxis(np.asarray(x, dtype=np.float64), axis, -1), np.moveaxis(np.asarray(y, dtype=np.float64), axis, -1)
    k, m = x.shape[-1], y.shape[-1]
    ranks = stats.rankdata(np.concatenate([x, y], axis=-1), axis=-1)
    u_statistic = ranks[..., :k].sum(axis=-1) - k * (k + 1) / 2.0
    return 2.0 * u_statistic / (k * m) - 1.0


def cliffs_delta(x: np.ndarray, y: np.ndarray) -> float | None:
    """Cliff's δ = P[x > y] − P[x < y] of two samples x (a,) and y (b,), in [−1, 1]; None when a side is empty."""
    if np.size(x) == 0 or np.size(y) == 0:
        return None
    return float(cliffs_delta_batch(np.asarray(x), np.asarray(y)))


def cliffs_delta_ci(
    x: np.ndarray, y: np.ndarray, *, confidence: float = 0.95, n_resamples: int = N_RESAMPLES, rng: np.random.Generator
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of Cliff's δ of x (a,) and y (b,), resampled independently; None with < 2 values on a side."""
    if x.size < 2 or y.size < 2:
        return None
    batch = max(1, BOOTSTRAP_BATCH_ELEMENTS // (x.size + y.size))
    result = stats.bootstrap(
        (x, y),
        cliffs_delta_batch,
        n_resamples=n_resamples,
        confidence_level=confidence,
        method="percentile",
        vectorized=True,
        batch=batch,
        rng=rng,
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def bootstrap_mean_ci(
    sample: np.ndarray, *, confidence: float = 0.95, n_resamples: int = N_RESAMPLES, rng: np.random.Generator
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean of ``sample`` (k,); None when k < 2."""
    if sample.size < 2:
        return None
    result = stats.bootstrap(
        (sample,), np.mean, n_resamples=n_resamples, confidence_level=confidence, method="percentile", vectorized=True, rng=rng
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def difference_ci(
    x: np.ndarray, y: np.ndarray, *, confidence: float = 0.95, n_resamples: int = N_RESAMPLES, rng: np.random.Generator
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of mean(x) − mean(y) for samples x (k,) and y (m,), resampling each on its own; None when either has < 2 values."""
    if x.size < 2 or y.size < 2:
        return None
    result = stats.bootstrap(
        (x, y), _difference_of_means, n_resamples=n_resamples, confidence_level=confidence, method="percentile", vectorized=True, rng=rng
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def permutation_p_value(x: np.ndarray, y: np.ndarray, *, n_permutations: int = N_RESAMPLES, rng: np.random.Generator) -> float | None:
    """Two-sided permutation p-value of mean(x) − mean(y) for samples x (k,) and y (m,) (exact when fewer relabellings exist); None when either has < 2 values."""
    if x.size < 2 or y.size < 2:
        return None
    result = stats.permutation_test(
        (x, y),
        _difference_of_means,
        permutation_type="independent",
        n_resamples=n_permutations,
        alternative="two-sided",
        vectorized=True,
        rng=rng,
    )
    return float(result.pvalue)


def cohens_d(x: np.ndarray, y: np.ndarray) -> float | None:
    """(mean(x) − mean(y)) / pooled sd (ddof = 1) for samples x (k,) and y (m,); None with < 2 values on a side or zero spread."""
    if x.size < 2 or y.size < 2:
        return None
    pooled = ((x.size - 1) * x.var(ddof=1) + (y.size - 1) * y.var(ddof=1)) / (x.size + y.size - 2)
    return float((x.mean() - y.mean()) / np.sqrt(pooled)) if pooled > 0 else None


def holm_adjust(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm step-down adjusted p-values (family = the non-None entries), None kept in place."""
    present = [(p, i) for i, p in enumerate(p_values) if p is not None]
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, index) in enumerate(sorted(present)):
        running = max(running, min(1.0, (len(present) - rank) * p))
        adjusted[index] = running
    return adjusted


def _difference_of_means(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """BH-adjusted p-values of the finite entries of ``p_values`` (any shape) as one family; NaN stays NaN."""
    p_values = np.asarray(p_values, dtype=np.float64)
    adjusted = np.full(p_values.shape, np.nan)
    finite = np.isfinite(p_values)
    if finite.any():
        adjusted[finite] = stats.false_discovery_control(p_values[finite], method="bh")
    return adjusted
