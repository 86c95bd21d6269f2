"""The statistics the comparisons reuse, each tested alone: bootstrap intervals, permutation tests, effect sizes, Holm and BH.

- :func:`bootstrap_mean_ci`, :func:`difference_ci`: percentile bootstrap intervals
  (:func:`scipy.stats.bootstrap`) of a mean and of a difference of means;
- :func:`permutation_p_value`: two-sided permutation test of a difference of means
  (:func:`scipy.stats.permutation_test`, exact when fewer relabellings exist);
- :func:`cohens_d`: difference of means over the pooled standard deviation;
- :func:`holm_adjust` (family-wise, step-down) and :func:`benjamini_hochberg` (false discovery
  rate, :func:`scipy.stats.false_discovery_control`) adjusted p-values.

The rank-based statistics (Cliff's δ, Brunner–Munzel, Mann–Whitney) are in
:mod:`hedonic.evaluation.rank_tests`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats


def bootstrap_mean_ci(
    sample: np.ndarray, *, confidence: float = 0.95, n_resamples: int = 9999, rng: np.random.Generator
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean of ``sample`` (k,); None when k < 2."""
    if sample.size < 2:
        return None
    result = stats.bootstrap(
        (sample,), np.mean, n_resamples=n_resamples, confidence_level=confidence, method="percentile", vectorized=True, rng=rng
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def difference_ci(
    x: np.ndarray, y: np.ndarray, *, confidence: float = 0.95, n_resamples: int = 9999, rng: np.random.Generator
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of mean(x) − mean(y) for samples x (k,) and y (m,), resampling each on its own; None when either has < 2 values."""
    if x.size < 2 or y.size < 2:
        return None
    result = stats.bootstrap(
        (x, y), _difference_of_means, n_resamples=n_resamples, confidence_level=confidence, method="percentile", vectorized=True, rng=rng
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def permutation_p_value(x: np.ndarray, y: np.ndarray, *, n_permutations: int = 9999, rng: np.random.Generator) -> float | None:
    """Two-sided permutation p-value of mean(x) − mean(y) for samples x (k,) and y (m,) (exact when fewer relabellings exist); None when either has < 2 values."""
    if x.size < 2 or y.size < 2:
        return None
    result = stats.permutation_test(
        (x, y), _difference_of_means, permutation_type="independent", n_resamples=n_permutations, alternative="two-sided", vectorized=True, rng=rng
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
