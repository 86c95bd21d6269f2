"""Statistical comparison of a metric's distribution over coalitions: hedonic vs each baseline.

Input: ``values`` {method: {metric: (c,) values over the method's coalitions}} and ``sizes``
{method: (c,) coalition sizes}. Only coalitions whose size lies in ``size_range`` (inclusive)
enter, and non-finite values (a metric undefined for a coalition) are dropped and counted.

Per method and metric (:class:`MethodSummary`): count, median, mean, standard deviation and a
bootstrap confidence interval of the mean (percentile method, ``n_resamples`` resamples,
:func:`scipy.stats.bootstrap`).

Per baseline and metric, against the reference method (:class:`Contrast`):

- the headline, on ranks (per-coalition values are heavy-tailed): Cliff's δ = P[ref > baseline]
  − P[ref < baseline] with its bootstrap interval, and a two-sided rank test of δ = 0
  (``rank_test``, a name of :data:`hedonic.evaluation.inference.RANK_TESTS`, Brunner–Munzel by
  default) with its Holm-adjusted p-value over the baselines of the same metric
  (:mod:`hedonic.evaluation.inference`);
- secondary, on means: the difference of means reference − baseline with its two-sample
  bootstrap interval, a two-sided permutation test of that difference
  (:func:`scipy.stats.permutation_test`, ``n_permutations`` random relabellings, exact when
  fewer exist) with its Holm-adjusted p-value, and Cohen's d (pooled standard deviation).

Randomness: each bootstrap and permutation test draws from its own generator seeded by
(``seed``, CRC-32 of the metric name, CRC-32 of the method name, purpose), so results do not
depend on the order of the dictionaries. Undefined statistics (too few coalitions, zero spread)
are None, and are written as JSON null.

The artifact (kind ``"comparison"``, format version 2) holds the settings (``rank_test``
included), the summaries (``median`` new in version 2) and the contrasts (``rank_test``,
``rank_statistic``, ``rank_p``, ``rank_p_holm``, ``delta_ci_low``, ``delta_ci_high`` new in
version 2), plus a free ``context`` object (readout, layer, held-out inputs, the per-method
significance summary and the verdict of :mod:`hedonic.evaluation.verdict`, ...).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hedonic.display import graph_objects, html_grid, html_table
from hedonic.errors import ConfigError
from hedonic.evaluation.inference import (
    BRUNNER_MUNZEL,
    N_RESAMPLES,
    bootstrap_mean_ci,
    check_rank_test,
    classify,
    cliffs_delta,
    cliffs_delta_ci,
    cohens_d,
    difference_ci,
    holm_adjust,
    permutation_p_value,
    rank_test,
)

DEFAULT_SIZE_RANGE = (4, 32)
_BOOTSTRAP, _DIFFERENCE, _PERMUTATION, _DELTA = 0, 1, 2, 3


@dataclass(frozen=True)
class MethodSummary:
    """One method's distribution of one metric over its coalitions in the size range.

    ``count`` finite values used, ``dropped`` non-finite values left out; ``median``, ``mean``,
    ``std`` (ddof = 1) and the bootstrap interval [``ci_low``, ``ci_high``] of the mean, None when
    undefined.
    """

    method: str
    metric: str
    count: int
    dropped: int
    median: float | None
    mean: float | None
    std: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class Contrast:
    """Reference vs one baseline on one metric: ranks first, then the difference of means (reference − method).

    Headline: ``cliffs_delta`` P[ref > method] − P[ref < method] with its bootstrap interval
    [``delta_ci_low``, ``delta_ci_high``]; ``rank_test`` the test used, ``rank_statistic``,
    ``rank_p`` its two-sided p and ``rank_p_holm`` Holm-adjusted over the baselines of the metric.
    Secondary: ``difference`` of means with its interval [``ci_low``, ``ci_high``], ``p_value`` the
    two-sided permutation p and ``p_holm`` its Holm adjustment, ``cohens_d`` (reference − method) /
    pooled sd. None when either side has fewer than 2 values (or the spread is 0, for d).
    """

    metric: str
    reference: str
    method: str
    count_reference: int
    count_method: int
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_holm: float | None
    cohens_d: float | None
    cliffs_delta: float | None
    delta_ci_low: float | None
    delta_ci_high: float | None
    rank_test: str
    rank_statistic: float | None
    rank_p: float | None
    rank_p_holm: float | None


@dataclass(frozen=True)
class Comparison:
    """All summaries and contrasts of :func:`compare_methods`, with the settings that produced them."""

    reference: str
    methods: tuple[str, ...]
    metrics: tuple[str, ...]
    size_range: tuple[int, int]
    confidence: float
    n_resamples: int
    n_permutations: int
    seed: int
    rank_test: str
    summaries: tuple[MethodSummary, ...]
    contrasts: tuple[Contrast, ...]
    context: Mapping[str, Any] = field(default_factory=dict)

    def summary(self, method: str, metric: str) -> MethodSummary:
        """The summary of ``method`` on ``metric``; raises KeyError if absent."""
        for entry in self.summaries:
            if entry.method == method and entry.metric == metric:
                return entry
        raise KeyError((method, metric))

    def contrast(self, method: str, metric: str) -> Contrast:
        """The contrast reference vs ``method`` on ``metric``; raises KeyError if absent."""
        for entry in self.contrasts:
            if entry.method == method and entry.metric == metric:
                return entry
        raise KeyError((method, metric))

    def __repr__(self) -> str:
        return (
            f"Comparison({self.reference} vs {', '.join(self.methods[1:])} on {', '.join(self.metrics)}; "
            f"sizes {self.size_range[0]}–{self.size_range[1]}, {self.rank_test})"
        )

    def _repr_html_(self, alpha: float = 0.05) -> str:
        rows = [
            (
                entry.metric,
                entry.method,
                f"{entry.count_reference} vs {entry.count_method}",
                _delta_text(entry),
                _p_text(entry.rank_p_holm),
                classify(entry.cliffs_delta, entry.rank_p_holm, alpha),
            )
            for entry in self.contrasts
        ]
        header = (
            "metric",
            "baseline",
            "coalitions",
            f"Cliff's δ [{self.confidence:.0%} CI]",
            f"p {self.rank_test} (Holm)",
            f"{self.reference} is",
        )
        note = f"{self.reference} vs each baseline on coalitions of size {self.size_range[0]}–{self.size_range[1]}; ahead / behind at Holm p < {alpha:g}."
        facts = [("reference", self.reference), ("baselines", len(self.methods) - 1), ("metrics", ", ".join(self.metrics))]
        return html_table("Comparison", facts, note=note) + html_grid(header, rows)

    def plot(self, metric: str | None = None) -> Any:
        """A Plotly forest plot (one trace per metric): Cliff's δ of the reference vs each baseline with its interval."""
        go = graph_objects()
        figure = go.Figure()
        for name in (metric,) if metric else self.metrics:
            shown = [(entry, entry.cliffs_delta) for entry in self.contrasts if entry.metric == name and entry.cliffs_delta is not None]
            low = [delta - (entry.delta_ci_low if entry.delta_ci_low is not None else delta) for entry, delta in shown]
            high = [(entry.delta_ci_high if entry.delta_ci_high is not None else delta) - delta for entry, delta in shown]
            figure.add_trace(
                go.Scatter(
                    x=[delta for _, delta in shown],
                    y=[entry.method for entry, _ in shown],
                    mode="markers",
                    name=name,
                    error_x={"type": "data", "symmetric": False, "array": high, "arrayminus": low},
                )
            )
        figure.add_vline(x=0, line_dash="dot")
        figure.update_layout(
            title=f"{self.reference} vs baselines: Cliff's δ ({self.confidence:.0%} CI)", xaxis_title="Cliff's δ", xaxis_range=[-1.05, 1.05]
        )
        return figure


def _delta_text(entry: Contrast) -> str:
    if entry.cliffs_delta is None:
        return "—"
    interval = (
        "" if entry.delta_ci_low is None or entry.delta_ci_high is None else f" [{entry.delta_ci_low:+.2f}, {entry.delta_ci_high:+.2f}]"
    )
    return f"{entry.cliffs_delta:+.2f}{interval}"


def _p_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.2g}"


def compare_methods(
    values: Mapping[str, Mapping[str, Sequence[float] | np.ndarray]],
    sizes: Mapping[str, Sequence[int] | np.ndarray],
    *,
    reference: str = "hedonic",
    size_range: tuple[int, int] = DEFAULT_SIZE_RANGE,
    confidence: float = 0.95,
    n_resamples: int = N_RESAMPLES,
    n_permutations: int = N_RESAMPLES,
    seed: int = 0,
    rank_test: str = BRUNNER_MUNZEL,
    context: Mapping[str, Any] | None = None,
) -> Comparison:
    """Compare every method's metric distributions with ``reference``'s; see the module docstring.

    ``values[m][metric]`` and ``sizes[m]`` are aligned arrays over method m's coalitions. Every
    method must report the same metrics. Raises :class:`ConfigError` on a missing reference,
    mismatched lengths or metrics, an unknown ``rank_test``, or invalid settings.
    """
    check_rank_test(rank_test)
    metrics = _check_inputs(values, sizes, reference, size_range, confidence, n_resamples, n_permutations)
    methods = (reference, *sorted(m for m in values if m != reference))
    low, high = size_range
    kept: dict[tuple[str, str], np.ndarray] = {}
    summaries = []
    for metric in metrics:
        for method in methods:
            in_range = (np.asarray(sizes[method]) >= low) & (np.asarray(sizes[method]) <= high)
            sample = np.asarray(values[method][metric], dtype=np.float64)[in_range]
            kept[method, metric] = sample[np.isfinite(sample)]
            generator = _generator(seed, metric, method, _BOOTSTRAP)
            summaries.append(_summarise(method, metric, kept[method, metric], int(sample.size), confidence, n_resamples, generator))
    contrasts: list[Contrast] = []
    for metric in metrics:
        settings = _ContrastSettings(seed, confidence, n_resamples, n_permutations, rank_test)
        raw = [_contrast(metric, reference, method, kept[reference, metric], kept[method, metric], settings) for method in methods[1:]]
        holm = holm_adjust([c["p_value"] for c in raw])
        rank_holm = holm_adjust([c["rank_p"] for c in raw])
        contrasts.extend(Contrast(**c, p_holm=p, rank_p_holm=q) for c, p, q in zip(raw, holm, rank_holm, strict=True))
    return Comparison(
        reference=reference,
        methods=methods,
        metrics=metrics,
        size_range=(int(low), int(high)),
        confidence=confidence,
        n_resamples=n_resamples,
        n_permutations=n_permutations,
        seed=seed,
        rank_test=rank_test,
        summaries=tuple(summaries),
        contrasts=tuple(contrasts),
        context=dict(context or {}),
    )


def _generator(seed: int, metric: str, method: str, purpose: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(metric.encode()), zlib.crc32(method.encode()), purpose])


def _summarise(
    method: str, metric: str, sample: np.ndarray, total: int, confidence: float, n_resamples: int, rng: np.random.Generator
) -> MethodSummary:
    interval = bootstrap_mean_ci(sample, confidence=confidence, n_resamples=n_resamples, rng=rng)
    return MethodSummary(
        method=method,
        metric=metric,
        count=int(sample.size),
        dropped=total - int(sample.size),
        median=float(np.median(sample)) if sample.size else None,
        mean=float(sample.mean()) if sample.size else None,
        std=float(sample.std(ddof=1)) if sample.size > 1 else None,
        ci_low=None if interval is None else interval[0],
        ci_high=None if interval is None else interval[1],
    )


@dataclass(frozen=True)
class _ContrastSettings:
    seed: int
    confidence: float
    n_resamples: int
    n_permutations: int
    rank_test: str


def _contrast(metric: str, reference: str, method: str, x: np.ndarray, y: np.ndarray, settings: _ContrastSettings) -> dict[str, Any]:
    """Every field of a :class:`Contrast` but the two Holm adjustments (made over the baselines)."""
    seed, confidence, n_resamples = settings.seed, settings.confidence, settings.n_resamples
    interval = difference_ci(x, y, confidence=confidence, n_resamples=n_resamples, rng=_generator(seed, metric, method, _DIFFERENCE))
    delta = cliffs_delta_ci(x, y, confidence=confidence, n_resamples=n_resamples, rng=_generator(seed, metric, method, _DELTA))
    tested = rank_test(x, y, settings.rank_test)
    permutation = permutation_p_value(x, y, n_permutations=settings.n_permutations, rng=_generator(seed, metric, method, _PERMUTATION))
    return {
        "metric": metric,
        "reference": reference,
        "method": method,
        "count_reference": int(x.size),
        "count_method": int(y.size),
        "difference": float(x.mean() - y.mean()) if x.size and y.size else None,
        "ci_low": None if interval is None else interval[0],
        "ci_high": None if interval is None else interval[1],
        "p_value": permutation,
        "cohens_d": cohens_d(x, y),
        "cliffs_delta": cliffs_delta(x, y),
        "delta_ci_low": None if delta is None else delta[0],
        "delta_ci_high": None if delta is None else delta[1],
        "rank_test": tested.test,
        "rank_statistic": tested.statistic,
        "rank_p": tested.p_value,
    }


def _check_inputs(
    values: Mapping[str, Mapping[str, Any]],
    sizes: Mapping[str, Any],
    reference: str,
    size_range: tuple[int, int],
    confidence: float,
    n_resamples: int,
    n_permutations: int,
) -> tuple[str, ...]:
    if reference not in values:
        raise ConfigError(
            f"the reference method {reference!r} has no values (methods: {', '.join(sorted(values))})",
            hint="pass the hedonic partition's metrics under the reference name",
        )
    if size_range[0] > size_range[1] or size_range[0] < 1:
        raise ConfigError(f"invalid size range {size_range[0]}–{size_range[1]}", hint="pass 1 ≤ low ≤ high, e.g. 4–32")
    if not 0 < confidence < 1 or n_resamples < 1 or n_permutations < 1:
        raise ConfigError(
            f"confidence {confidence} must lie in (0, 1) and resample counts ({n_resamples}, {n_permutations}) be ≥ 1",
            hint="e.g. confidence 0.95 with 9999 resamples",
        )
    metrics = tuple(values[reference])
    for method, by_metric in values.items():
        if set(by_metric) != set(metrics):
            raise ConfigError(
                f"method {method!r} reports metrics {sorted(by_metric)}, the reference {sorted(metrics)}",
                hint="evaluate the same metrics for every method",
            )
        if method not in sizes:
            raise ConfigError(f"no coalition sizes for method {method!r}", hint="pass sizes[method] aligned with its values")
        for metric, array in by_metric.items():
            if len(array) != len(sizes[method]):
                raise ConfigError(
                    f"method {method!r}: {len(array)} values of {metric!r} for {len(sizes[method])} coalitions",
                    hint="pass one value per coalition, aligned with the sizes",
                )
    return metrics
