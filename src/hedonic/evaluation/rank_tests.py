"""Rank-based two-sample comparison: the headline of every method comparison (spec §6).

Per-coalition synergy is heavy-tailed (a coalition holding one dominant neuron can carry a
method's mean), so "is method X more synergistic than Y" is answered on ranks:

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
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from hedonic.errors import ConfigError

BRUNNER_MUNZEL = "brunner-munzel"
MANN_WHITNEY = "mann-whitney"
BOOTSTRAP_BATCH_ELEMENTS = 1 << 22
AHEAD, LEVEL, BEHIND, UNDETERMINED = "ahead", "level", "behind", "undetermined"
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
    x: np.ndarray, y: np.ndarray, *, confidence: float = 0.95, n_resamples: int = 9999, rng: np.random.Generator
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
