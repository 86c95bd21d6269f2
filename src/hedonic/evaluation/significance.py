"""Per-coalition significance: is this coalition more synergistic than random groups of its size? (spec §6)

Null: ``draws`` = K random groups of the layer's players for every evaluated size s. Draw k is
the permutation of the players seeded by (``seed``, k), and its size-s group is the first s
neurons of it, so every size-s group is a uniform random s-subset, and the groups of all sizes
share the ablations of their common prefix: each player's single ablation once, one whole-group
set per size (for ``na``/``na_abs``), and the pairs (for ``pair``/``ratio``): a size-s group with
at most ``max_pairs`` pairs is scored on all of them, a larger one, like an evaluated coalition,
on a uniform sample of ``max_pairs`` position pairs among its first s positions (seeded by
(``seed``, s), the same positions in every draw, whose neurons are uniformly permuted). Draws of
different sizes are therefore dependent, which leaves each size's null exact. Only the sets the
tested metrics need are ablated, through the same readout (and norm freezing) as the
coalitions' own metrics.

Metrics (:data:`NULL_METRICS`, the synergy metrics that need no leave-one-out ablation) are
those of :mod:`hedonic.evaluation.synergy` on the same held-out inputs. For coalition C of size
s with observed value v and null values u_1..u_K of size s (one-sided: larger is more
synergistic):

- empirical p = (1 + #{k : u_k ≥ v}) / (K + 1) (never 0; at least 1/(K + 1));
- z = (v − median u) / (1.4826 · MAD u), a robust z-score (MAD the median absolute deviation,
  scaled to the sd of a normal; NaN when the null has no spread). The null is heavy-tailed too
  (a random group holding one very loud neuron), which inflates its mean and sd: with them, a
  coalition above 199 of 200 random groups could show z ≈ 0;
- q: Benjamini–Hochberg adjusted p over every (coalition, metric) test of one method (one family
  per method); a coalition is *significant* when q < ``alpha`` for at least one metric.

Cost: ablations go through the engine's ``effects`` (the closed form for the ``local``
readout: no model forward), in chunks of draws that bound the memory of the per-input effects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hedonic.errors import ConfigError
from hedonic.evaluation.inference import benjamini_hochberg
from hedonic.evaluation.synergy import DEFAULT_MAX_PAIRS, DEFAULT_RATIO_FLOOR, PAIR_METRICS, WHOLE_METRICS, SynergyResult

NULL_METRICS: tuple[str, ...] = ("pair", "pair_abs", "na", "na_abs", "ratio", "ratio_abs")
"""Metrics a per-coalition test can use (computable from singles, pairs and the whole group)."""
DEFAULT_TEST_METRICS: tuple[str, ...] = ("pair", "na")
DEFAULT_DRAWS = 200
CHUNK_ELEMENTS = 1 << 23
"""Bound on the per-input pair effects held at once (draws × pairs × inputs) while building the null."""

Effects = Callable[[list[tuple[int, ...]]], np.ndarray]
"""Sorted neuron-id tuples (K sets) → Δ_S(x) (K, X) float64, e.g. ``lambda s: engine.effects(s, "local").delta``."""


@dataclass(frozen=True)
class NullSettings:
    """How the null is drawn and judged: ``draws`` K per size, ``seed``, ``metrics`` tested, ``alpha`` for q,
    ``max_pairs`` pairs a group is scored on at most (None: all; as the evaluated coalitions)."""

    draws: int = DEFAULT_DRAWS
    seed: int = 0
    metrics: tuple[str, ...] = DEFAULT_TEST_METRICS
    alpha: float = 0.05
    ratio_floor: float = DEFAULT_RATIO_FLOOR
    max_pairs: int | None = DEFAULT_MAX_PAIRS

    def __post_init__(self) -> None:
        unknown = sorted(set(self.metrics) - set(NULL_METRICS))
        if not self.metrics or unknown:
            raise ConfigError(
                f"per-coalition test metrics {list(self.metrics)} must be a non-empty selection of {', '.join(NULL_METRICS)}",
                hint='e.g. significance_metrics = ["pair", "na"]',
            )
        if self.draws < 2 or not 0 < self.alpha < 1:
            raise ConfigError(
                f"significance needs draws ≥ 2 (got {self.draws}) and 0 < alpha < 1 (got {self.alpha})",
                hint="e.g. significance_draws = 200, alpha = 0.05",
            )


@dataclass(frozen=True)
class NullDistribution:
    """Null values ``values[s]`` (K, M) per size s, metrics in the order of ``metrics``; ``players`` drawn from."""

    metrics: tuple[str, ...]
    values: Mapping[int, np.ndarray]
    players: int

    def summary(self) -> dict[str, dict[str, dict[str, float | None]]]:
        """Per size (as a string) and metric: the finite null values' median, MAD, mean, sd (ddof = 1) and 95th percentile."""
        return {
            str(size): {metric: _describe(column[np.isfinite(column)]) for metric, column in zip(self.metrics, values.T, strict=True)}
            for size, values in sorted(self.values.items())
        }


def _describe(values: np.ndarray) -> dict[str, float | None]:
    if values.size < 2:
        return dict.fromkeys(("median", "mad", "mean", "sd", "p95"))
    centre = float(np.median(values))
    return {
        "median": centre,
        "mad": float(np.median(np.abs(values - centre))),
        "mean": float(values.mean()),
        "sd": float(values.std(ddof=1)),
        "p95": float(np.quantile(values, 0.95)),
    }


@dataclass(frozen=True)
class CoalitionTests:
    """The tests of c coalitions on M metrics: ``observed``, ``z``, ``p``, ``q`` (c, M); ``significant`` (c,) at ``alpha``."""

    metrics: tuple[str, ...]
    observed: np.ndarray
    z: np.ndarray
    p: np.ndarray
    q: np.ndarray
    significant: np.ndarray
    alpha: float

    def share(self) -> float | None:
        """Share of the coalitions that are significant (None without coalitions)."""
        return float(self.significant.mean()) if self.significant.size else None

    def metric_share(self, metric: str) -> float | None:
        """Share of the coalitions with q < alpha on ``metric`` alone (None without coalitions)."""
        column = self.metrics.index(metric)
        return float(np.mean(np.nan_to_num(self.q[:, column], nan=1.0) < self.alpha)) if self.significant.size else None


def null_draws(players: Sequence[int], length: int, draws: int, seed: int) -> np.ndarray:
    """(K, ``length``) int64: row k = the first ``length`` players of the permutation seeded by (seed, k)."""
    ids = np.asarray(players, dtype=np.int64)
    if not 2 <= length <= ids.size:
        raise ConfigError(f"random groups of {length} neurons cannot be drawn from {ids.size} players", hint="evaluate smaller coalitions")
    return np.stack([np.random.default_rng([seed, draw]).permutation(ids)[:length] for draw in range(draws)])


Combine = Callable[[np.ndarray], np.ndarray]
"""Means over this process's inputs → means over every input (``engine.mean_over_inputs``; identity on one process)."""


def _own(means: np.ndarray) -> np.ndarray:
    return means


def prefix_pairs(sizes: Sequence[int], max_pairs: int | None, seed: int) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """The position pairs a prefix group of each size is scored on: (positions (P, 2) int64, size → indices into them).

    Size s: every pair a < b < s when s(s−1)/2 ≤ ``max_pairs`` (None: always), else a uniform sample
    of ``max_pairs`` of them seeded by (``seed``, s). Positions are shared across sizes (each pair once).
    """
    union: dict[tuple[int, int], int] = {}
    chosen: dict[int, list[tuple[int, int]]] = {}
    for size in sizes:
        first, second = np.triu_indices(size, k=1)
        if max_pairs is not None and len(first) > max_pairs:
            keep = np.sort(np.random.default_rng([seed, size]).choice(len(first), size=max_pairs, replace=False))
            first, second = first[keep], second[keep]
        chosen[size] = list(zip(first.tolist(), second.tolist(), strict=True))
        for pair in chosen[size]:
            union.setdefault(pair, len(union))
    positions = np.array(list(union), dtype=np.int64).reshape(-1, 2)
    return positions, {size: np.array([union[pair] for pair in pairs], dtype=np.int64) for size, pairs in chosen.items()}


def prefix_metrics(
    effects: Effects,
    rows: np.ndarray,
    sizes: Sequence[int],
    metrics: Sequence[str],
    ratio_floor: float = DEFAULT_RATIO_FLOOR,
    inputs: int | None = None,
    combine: Combine = _own,
    *,
    max_pairs: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Metrics of the groups rows[r, :s] for every row r and size s: (R, len(sizes), M) float64.

    ``rows`` (R, L) neuron ids, distinct within a row; every size 2 ≤ s ≤ L. Pairs are scored as
    :func:`prefix_pairs` says (``max_pairs``, ``seed``), and only where a metric needs them, as the
    wholes. One ``effects`` call per chunk of rows (the singles, the needed pairs and prefix
    groups), chunks sized by :data:`CHUNK_ELEMENTS` for ``inputs`` inputs (None: one probe call
    finds out). Every metric is a function of means over inputs (E Δ_i, E|Δ_i|, E ψ_ij, E|ψ_ij|,
    E Δ_C, E|Δ_C − Σ Δ_i|); ``combine`` turns this process's means into the means over every
    input, one call per chunk, so a data-parallel job (every rank passing the same rows and
    ``inputs``) agrees with one process.
    """
    rows = np.asarray(rows, dtype=np.int64)
    length = rows.shape[1]
    sizes = [int(s) for s in sizes]
    if any(not 2 <= s <= length for s in sizes):
        raise ConfigError(f"prefix sizes {sizes} must lie in 2..{length}")
    if PAIR_METRICS & set(metrics):
        positions, scored = prefix_pairs(sizes, max_pairs, seed)
    else:
        positions, scored = np.zeros((0, 2), dtype=np.int64), {size: np.zeros(0, dtype=np.int64) for size in sizes}
    wholes = sizes if WHOLE_METRICS & set(metrics) else []
    out = np.empty((rows.shape[0], len(sizes), len(metrics)))
    count = inputs if inputs is not None else effects([(int(rows[0, 0]),)]).shape[1]
    step = max(1, CHUNK_ELEMENTS // max(1, (len(positions) + length) * count))
    for start in range(0, rows.shape[0], step):
        chunk = rows[start : start + step]
        means = combine(_chunk_means(effects, chunk, positions, sizes, wholes))
        out[start : start + step] = _chunk_metrics(means, chunk.shape, positions, scored, sizes, metrics, ratio_floor)
    return out


def _chunk_means(effects: Effects, rows: np.ndarray, positions: np.ndarray, sizes: list[int], wholes: list[int]) -> np.ndarray:
    """This process's means over inputs for R rows, flat: E ψ, E|ψ| (R, P); E Δ_i, E|Δ_i| (R, L); E Δ_C, E|Δ_C − ΣΔ_i| (R, S).

    The whole-group means are NaN for sizes not in ``wholes``.
    """
    singles = sorted({int(i) for i in rows.ravel()})
    pairs = [tuple(sorted((int(row[a]), int(row[b])))) for row in rows for a, b in positions]
    groups = [tuple(sorted(int(i) for i in row[:s])) for row in rows for s in wholes]
    sets = list(dict.fromkeys([*((i,) for i in singles), *pairs, *groups]))
    index = {members: k for k, members in enumerate(sets)}
    delta = effects(sets)
    inputs = delta.shape[1]
    single = delta[[index[(int(i),)] for i in rows.ravel()]].reshape(*rows.shape, inputs)  # (R, L, X)
    pair = delta[[index[p] for p in pairs]].reshape(rows.shape[0], len(positions), inputs)  # (R, P, X)
    psi = pair - single[:, positions[:, 0]] - single[:, positions[:, 1]]
    whole = np.full((rows.shape[0], len(sizes), inputs), np.nan)
    for column, size in enumerate(sizes):
        if size in wholes:
            whole[:, column] = delta[[index[tuple(sorted(int(i) for i in row[:size]))] for row in rows]]
    summed = np.stack([single[:, :size].sum(axis=1) for size in sizes], axis=1)  # (R, S, X)
    parts = [psi.mean(axis=2), np.abs(psi).mean(axis=2), single.mean(axis=2), np.abs(single).mean(axis=2)]
    parts += [whole.mean(axis=2), np.abs(whole - summed).mean(axis=2)]
    return np.concatenate([part.ravel() for part in parts]).astype(np.float64)


def _chunk_metrics(
    means: np.ndarray,
    shape: tuple[int, ...],
    positions: np.ndarray,
    scored: dict[int, np.ndarray],
    sizes: list[int],
    metrics: Sequence[str],
    ratio_floor: float,
) -> np.ndarray:
    """(R, S, M) metrics from the flat means of :func:`_chunk_means` (R, L = ``shape``; ``scored`` each size's pairs)."""
    rows, length = shape
    pairs = len(positions)
    cut = np.cumsum([rows * pairs, rows * pairs, rows * length, rows * length, rows * len(sizes)])
    psi, psi_abs, single, single_abs, whole, na_abs = np.split(means, cut)
    psi, psi_abs = psi.reshape(rows, pairs), psi_abs.reshape(rows, pairs)
    single, single_abs = single.reshape(rows, length), single_abs.reshape(rows, length)
    whole, na_abs = whole.reshape(rows, len(sizes)), na_abs.reshape(rows, len(sizes))
    out = np.empty((rows, len(sizes), len(metrics)))
    for column, size in enumerate(sizes):
        inside = scored[size]
        total = size * (size - 1) // 2
        values = _metrics_of(
            psi[:, inside], psi_abs[:, inside], single[:, :size], single_abs[:, :size], whole[:, column], ratio_floor, total
        )
        values["na_abs"] = na_abs[:, column]
        out[:, column] = np.stack([values[name] for name in metrics], axis=-1)
    return out


def _metrics_of(
    psi: np.ndarray,
    psi_abs: np.ndarray,
    single: np.ndarray,
    single_abs: np.ndarray,
    whole: np.ndarray,
    ratio_floor: float,
    total: int,
) -> dict[str, np.ndarray]:
    """The :data:`NULL_METRICS` but ``na_abs`` of R groups from means: ``psi``/``psi_abs`` (R, P) of P scored of
    ``total`` pairs (NaN where P = 0), ``single``/``single_abs`` (R, s), ``whole`` (R,)."""
    magnitude = single_abs.sum(axis=1)
    denominator = single.sum(axis=1)
    defined = (magnitude > 0) & (np.abs(denominator) > ratio_floor * magnitude)
    scored = psi.shape[1] > 0
    pair = psi.mean(axis=1) if scored else np.full(len(psi), np.nan)
    pair_abs = psi_abs.mean(axis=1) if scored else np.full(len(psi), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(defined, total * pair / denominator, np.nan)
        ratio_abs = np.where(magnitude > 0, total * pair_abs / magnitude, np.nan)
    return {
        "pair": pair,
        "pair_abs": pair_abs,
        "na": whole - denominator,
        "ratio": ratio,
        "ratio_abs": ratio_abs,
    }


def null_distribution(
    effects: Effects,
    players: Sequence[int],
    sizes: Sequence[int],
    settings: NullSettings,
    inputs: int | None = None,
    combine: Combine = _own,
) -> NullDistribution:
    """K null values per size in ``sizes`` and metric of ``settings`` (see the module docstring); ``inputs``, ``combine`` as :func:`prefix_metrics`."""
    wanted = sorted({int(s) for s in sizes})
    if not wanted:
        return NullDistribution(tuple(settings.metrics), {}, len(players))
    rows = null_draws(players, wanted[-1], settings.draws, settings.seed)
    values = prefix_metrics(
        effects, rows, wanted, settings.metrics, settings.ratio_floor, inputs, combine, max_pairs=settings.max_pairs, seed=settings.seed
    )
    return NullDistribution(tuple(settings.metrics), {size: values[:, k] for k, size in enumerate(wanted)}, len(players))


def coalition_tests(observed: np.ndarray, sizes: Sequence[int], null: NullDistribution, alpha: float = 0.05) -> CoalitionTests:
    """Empirical p, z and BH q of c coalitions: ``observed`` (c, M) in ``null.metrics`` order, ``sizes`` (c,)."""
    observed = np.asarray(observed, dtype=np.float64).reshape(len(sizes), len(null.metrics))
    p = np.full(observed.shape, np.nan)
    z = np.full(observed.shape, np.nan)
    for row, size in enumerate(sizes):
        values = null.values[int(size)]
        for column in range(observed.shape[1]):
            p[row, column], z[row, column] = _one_test(observed[row, column], values[:, column])
    q = benjamini_hochberg(p)
    significant = np.nan_to_num(q, nan=1.0).min(axis=1, initial=1.0) < alpha
    return CoalitionTests(tuple(null.metrics), observed, z, p, q, significant, alpha)


MAD_TO_SD = 1.4826
"""Scale of the median absolute deviation to the standard deviation of a normal distribution."""


def _one_test(value: float, null: np.ndarray) -> tuple[float, float]:
    """Empirical one-sided p and robust z of ``value`` against the finite values of ``null``; NaN when undefined."""
    null = null[np.isfinite(null)]
    if not np.isfinite(value) or null.size < 2:
        return np.nan, np.nan
    p = (1.0 + float(np.sum(null >= value))) / (null.size + 1.0)
    centre = float(np.median(null))
    spread = MAD_TO_SD * float(np.median(np.abs(null - centre)))
    return p, (value - centre) / spread if spread > 0 else np.nan


@dataclass(frozen=True)
class Significance:
    """The per-coalition tests of one method's coalitions, with how the null was made.

    ``readout`` of the tests' ablations (``local``: the closed form); ``players`` the number of
    neurons the random groups were drawn from; ``null`` :meth:`NullDistribution.summary`.
    """

    settings: NullSettings
    readout: str
    players: int
    null: Mapping[str, Any]
    tests: CoalitionTests

    def summary(self) -> dict[str, Any]:
        """Coalitions tested, how many and which share are significant, and the share per metric."""
        return {
            "coalitions": int(self.tests.significant.size),
            "significant": int(self.tests.significant.sum()),
            "share": self.tests.share(),
            "by_metric": {metric: self.tests.metric_share(metric) for metric in self.tests.metrics},
        }


def ranked_findings(result: SynergyResult, top: int | None = None) -> list[int]:
    """Indices of ``result``'s significant coalitions, strongest first (smallest q, then largest z), at most ``top``."""
    if result.significance is None:
        return []
    tests = result.significance.tests
    rows = np.flatnonzero(tests.significant)
    q = np.nan_to_num(tests.q, nan=1.0).min(axis=1)
    z = np.nan_to_num(tests.z, nan=-np.inf).max(axis=1)
    ordered = sorted(rows.tolist(), key=lambda k: (q[k], -z[k], k))
    return ordered if top is None else ordered[:top]
