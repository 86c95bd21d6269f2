"""Coalition synergy metrics from exact ablations on held-out inputs (spec §6).

Notation: X held-out inputs x, Δ_S(x) = f(x) − f_{−S}(x) the effect of ablating the set S on the
readout f (logit units), E the mean over the X inputs, C a coalition of s ≥ 2 neurons with
p = s(s−1)/2 pairs, ψ_ij(x) = Δ_ij(x) − Δ_i(x) − Δ_j(x) the pairwise synergy on input x.

Signed metrics (means first, as in the paper):

- ``pair``   = mean over pairs of E ψ_ij;
- ``ratio``  = Σ_pairs E ψ_ij / Σ_i E Δ_i, undefined (NaN) when the denominator cancels:
  |Σ_i E Δ_i| ≤ ``ratio_floor`` · Σ_i E|Δ_i| (or Σ_i E|Δ_i| = 0);
- ``excess`` = E Δ_C − max_k E Δ_{C∖k};
- ``na``     = E Δ_C − Σ_i E Δ_i (total non-additivity).

Absolute metrics (magnitudes per input first, then means; effects of opposite sign on different
inputs do not cancel, which makes them the more honest summaries):

- ``pair_abs``   = mean over pairs of E|ψ_ij(x)|;
- ``ratio_abs``  = Σ_pairs E|ψ_ij(x)| / Σ_i E|Δ_i(x)| (NaN when the denominator is 0);
- ``excess_abs`` = E[|Δ_C(x)| − max_k |Δ_{C∖k}(x)|] (how much larger the whole coalition's effect
  is than that of its largest-effect sub-coalition of size s−1, per input);
- ``na_abs``     = E|Δ_C(x) − Σ_i Δ_i(x)|.

The metrics asked decide the sets ablated (:class:`SynergyPlan`): every metric needs the singles;
``na``/``na_abs``/``excess``/``excess_abs`` the whole coalition; ``excess``/``excess_abs`` the s
leave-one-out sets; ``pair``/``ratio`` and their absolute forms the pairs. A coalition with more
than ``max_pairs`` pairs is scored on a uniform sample of ``max_pairs`` of them without
replacement (seeded by the plan's seed and the coalition): ``pair`` is the sample's mean of E ψ_ij,
an unbiased estimate of the mean over all pairs, with standard error
√((1 − P/p) · s²_ψ / P) (s²_ψ the sample variance of E ψ_ij over the P sampled pairs, the finite
population correction for p pairs); the sums over pairs in ``ratio``/``ratio_abs`` are p times
the sample means.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from hedonic.display import graph_objects, html_grid, html_table
from hedonic.errors import ConfigError

if TYPE_CHECKING:
    from hedonic.evaluation.significance import Significance

SIGNED_METRICS: tuple[str, ...] = ("pair", "ratio", "excess", "na")
ABSOLUTE_METRICS: tuple[str, ...] = ("pair_abs", "ratio_abs", "excess_abs", "na_abs")
METRICS: tuple[str, ...] = SIGNED_METRICS + ABSOLUTE_METRICS
"""All metric names: signed, then absolute."""
METRIC_DEFINITIONS: dict[str, str] = {
    "pair": "mean over pairs i<j of E[psi_ij], psi_ij(x) = D_ij(x) - D_i(x) - D_j(x)",
    "ratio": "sum over pairs of E[psi_ij] / sum_i E[D_i]; null when |sum_i E[D_i]| <= ratio_floor * sum_i E|D_i|",
    "excess": "E[D_C] - max_k E[D_{C without k}]",
    "na": "E[D_C] - sum_i E[D_i]",
    "pair_abs": "mean over pairs i<j of E|psi_ij(x)|",
    "ratio_abs": "sum over pairs of E|psi_ij(x)| / sum_i E|D_i(x)|; null when the denominator is 0",
    "excess_abs": "E[|D_C(x)| - max_k |D_{C without k}(x)|]",
    "na_abs": "E|D_C(x) - sum_i D_i(x)|",
}
"""Plain-text definition of each metric (D_S(x) = f(x) - f_{-S}(x), E = mean over held-out inputs)."""
SynergyMetric = Literal["pair", "ratio", "excess", "na", "pair_abs", "ratio_abs", "excess_abs", "na_abs"]
"""A metric's name (the keys of :data:`METRIC_DEFINITIONS`)."""
DEFAULT_RATIO_FLOOR = 1e-6
PAIR_METRICS: frozenset[str] = frozenset({"pair", "ratio", "pair_abs", "ratio_abs"})
"""Metrics that need the coalition's pairs ablated."""
WHOLE_METRICS: frozenset[str] = frozenset({"na", "excess", "na_abs", "excess_abs"})
"""Metrics that need the whole coalition ablated."""
LEAVE_ONE_OUT_METRICS: frozenset[str] = frozenset({"excess", "excess_abs"})
"""Metrics that need every C∖k ablated (s sets of s − 1 neurons)."""
DEFAULT_METRICS: tuple[SynergyMetric, ...] = ("pair", "ratio", "na", "pair_abs", "ratio_abs", "na_abs")
"""What an evaluation measures unless asked otherwise: every metric but ``excess``, whose s leave-one-out
sets of s − 1 neurons cost O(s³·d) per coalition in closed form and s forwards through the model."""
DEFAULT_MAX_PAIRS = 64
"""Pairs a coalition is scored on at most (a seeded uniform sample beyond it)."""

EffectTable = Mapping[tuple[int, ...], np.ndarray]
"""Sorted neuron-id tuple S → Δ_S(x) over the X inputs, (X,) float64."""


@dataclass(frozen=True)
class SynergyPlan:
    """What to measure for each coalition, and so which sets to ablate (see the module docstring).

    ``metrics``: names of :data:`METRICS`; ``max_pairs``: P, pairs a coalition is scored on at most
    (None: all); ``seed``: of the pair samples.
    """

    metrics: tuple[str, ...] = DEFAULT_METRICS
    max_pairs: int | None = DEFAULT_MAX_PAIRS
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = sorted(set(self.metrics) - set(METRICS))
        if not self.metrics or unknown:
            raise ConfigError(
                f"synergy metrics {list(self.metrics)} must be a non-empty selection of {', '.join(METRICS)}",
                hint=f"e.g. {', '.join(DEFAULT_METRICS)}",
            )
        if self.max_pairs is not None and self.max_pairs < 2:
            raise ConfigError(f"max_pairs must be at least 2 (or none: every pair), got {self.max_pairs}", hint="e.g. 64")

    @property
    def pairs(self) -> bool:
        """True when a metric needs pairs."""
        return bool(PAIR_METRICS & set(self.metrics))

    @property
    def whole(self) -> bool:
        """True when a metric needs the whole coalition."""
        return bool(WHOLE_METRICS & set(self.metrics))

    @property
    def leave_one_out(self) -> bool:
        """True when a metric needs every C∖k."""
        return bool(LEAVE_ONE_OUT_METRICS & set(self.metrics))

    def pairs_of(self, members: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
        """The pairs scored for a coalition (sorted ids): all p of them, or a seeded uniform sample of P, lexicographic."""
        if not self.pairs:
            return ()
        total = len(members) * (len(members) - 1) // 2
        if self.max_pairs is None or total <= self.max_pairs:
            return tuple(combinations(members, 2))
        rng = np.random.default_rng([self.seed, zlib.crc32(np.asarray(members, dtype=np.int64).tobytes())])
        chosen = np.sort(rng.choice(total, size=self.max_pairs, replace=False))
        first, second = np.triu_indices(len(members), k=1)
        return tuple((members[int(first[k])], members[int(second[k])]) for k in chosen)


@dataclass(frozen=True)
class CoalitionSynergy:
    """Everything measured for one coalition of s neurons, means over the held-out inputs.

    ``single`` (s,) E Δ_i and ``single_abs`` (s,) E|Δ_i|, members in the order of ``neurons``
    (ascending); ``pairs`` the P pairs scored (i, j), i < j, lexicographic (all ``pairs_total``
    = s(s−1)/2 of them, a sample, or none when no metric needs pairs), with ``pair_delta`` (P,)
    E Δ_ij, ``psi`` (P,) E ψ_ij and ``psi_abs`` (P,) E|ψ_ij|; ``whole`` E Δ_C (NaN when not
    ablated); ``leave_one_out`` (s,) E Δ_{C∖k} for k in the order of ``neurons`` (empty when not
    ablated); ``metrics`` the measured metrics → value (NaN where undefined). Units: logits.
    """

    neurons: tuple[int, ...]
    single: np.ndarray
    single_abs: np.ndarray
    pairs: tuple[tuple[int, int], ...]
    pair_delta: np.ndarray
    psi: np.ndarray
    psi_abs: np.ndarray
    whole: float
    leave_one_out: np.ndarray
    metrics: Mapping[str, float] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Number of neurons s."""
        return len(self.neurons)

    @property
    def pairs_total(self) -> int:
        """Number of pairs of the coalition, s(s − 1)/2."""
        return self.size * (self.size - 1) // 2

    @property
    def sampled(self) -> bool:
        """True when the pair metrics come from a sample of the pairs."""
        return 0 < len(self.pairs) < self.pairs_total

    def standard_error(self, metric: str) -> float:
        """Sampling standard error of ``pair`` or ``pair_abs`` (0 when every pair was scored, NaN without pairs)."""
        values = {"pair": self.psi, "pair_abs": self.psi_abs}[metric]
        return pair_standard_error(values, self.pairs_total)


def pair_standard_error(values: np.ndarray, total: int) -> float:
    """√((1 − P/p)·s²/P) of the mean of P sampled values of ``total`` = p (0 when P = p, NaN when P < 2 < p)."""
    count = len(values)
    if count == 0:
        return float("nan")
    if count >= total:
        return 0.0
    if count < 2:
        return float("nan")
    return float(np.sqrt((1.0 - count / total) * values.var(ddof=1) / count))


@dataclass(frozen=True)
class SynergyResult:
    """Synergy of a list of coalitions of ``layer``, with what is needed to recompute it.

    ``input_ids`` (X,) identify the held-out inputs (e.g. ``"qid:docid"``), ``clean`` (X,) float64
    is f(x) under ``readout``; ``model`` names the model; ``mode`` is the ablation mode;
    ``significance``: each coalition tested against size-matched random groups
    (:mod:`hedonic.evaluation.significance`), or None when not tested.
    """

    model: str
    layer: int
    readout: str
    mode: str
    input_ids: tuple[str, ...]
    clean: np.ndarray
    coalitions: tuple[CoalitionSynergy, ...]
    ratio_floor: float = DEFAULT_RATIO_FLOOR
    significance: Significance | None = None
    plan: SynergyPlan = field(default_factory=SynergyPlan)
    freeze_norms: bool = False

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metrics measured (``plan.metrics``)."""
        return self.plan.metrics

    def metric(self, name: str) -> np.ndarray:
        """Values of metric ``name`` over the coalitions, (number of coalitions,) float64."""
        if name not in METRICS:
            raise ConfigError(f"unknown synergy metric {name!r}", hint=f"pick one of {', '.join(METRICS)}")
        if name not in self.plan.metrics:
            raise ConfigError(
                f"synergy metric {name!r} was not measured (measured: {', '.join(self.plan.metrics)})",
                hint=f"add {name!r} to the evaluation's metrics",
            )
        return np.array([coalition.metrics[name] for coalition in self.coalitions], dtype=np.float64)

    def standard_errors(self, name: str) -> np.ndarray:
        """Sampling standard errors of ``pair`` or ``pair_abs`` over the coalitions (0 where every pair was scored)."""
        return np.array([coalition.standard_error(name) for coalition in self.coalitions], dtype=np.float64)

    def sizes(self) -> np.ndarray:
        """Size of each coalition, (number of coalitions,) int64."""
        return np.array([coalition.size for coalition in self.coalitions], dtype=np.int64)

    def _tested(self) -> str:
        if self.significance is None:
            return "not tested against random groups"
        summary = self.significance.summary()
        return (
            f"{summary['significant']} of {summary['coalitions']} more synergistic than random (BH q < {self.significance.tests.alpha:g})"
        )

    def __repr__(self) -> str:
        return (
            f"SynergyResult({self.model!r}, layer {self.layer}: {len(self.coalitions)} coalitions on {len(self.input_ids)} inputs, "
            f"readout {self.readout}; {self._tested()})"
        )

    def _repr_html_(self) -> str:
        rows = [
            ("model / layer", f"{self.model} / {self.layer}"),
            ("coalitions", f"{len(self.coalitions)} (sizes {self.sizes().min(initial=0)}–{self.sizes().max(initial=0)})"),
            ("held-out inputs", len(self.input_ids)),
            ("readout / ablation", f"{self.readout}{' (frozen norms)' if self.freeze_norms else ''} / {self.mode}"),
            ("per-coalition tests", self._tested()),
        ]
        grid = html_grid(("metric", "median", "mean", "max"), ((name, *_spread(self.metric(name))) for name in self.metrics))
        return html_table("Synergy on held-out inputs", rows) + grid

    def plot(self, metric: str = "na_abs") -> Any:
        """A Plotly box plot (one trace, every coalition a point) of ``metric`` over the coalitions, on a log axis when all values are positive."""
        go = graph_objects()
        values = self.metric(metric)
        figure = go.Figure(go.Box(y=values, x=[metric] * len(values), boxpoints="all", jitter=0.4, pointpos=0, name=metric))
        positive = values.size > 0 and bool(np.all(values[np.isfinite(values)] > 0))
        figure.update_layout(
            title=f"{self.model}, layer {self.layer}: {metric} per coalition ({len(values)} coalitions)",
            yaxis_title=metric,
            yaxis_type="log" if positive else "linear",
        )
        return figure


def _spread(values: np.ndarray) -> tuple[str, str, str]:
    """Median, mean and max of the finite ``values`` as 3-digit strings (— when none)."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return ("—", "—", "—")
    return tuple(f"{value:.3g}" for value in (np.median(finite), finite.mean(), finite.max()))  # type: ignore[return-value]


def canonical(coalition: Iterable[int]) -> tuple[int, ...]:
    """A coalition as its sorted neuron ids; :class:`ConfigError` if it has < 2 neurons or repeats one."""
    members = tuple(sorted(int(i) for i in coalition))
    if len(members) < 2:
        raise ConfigError(
            f"coalition {list(members)} has fewer than 2 neurons: pairwise synergy is undefined",
            hint="evaluate coalitions of size >= 2 only (e.g. Partition.in_size_range(2, max_size))",
        )
    if len(set(members)) != len(members):
        raise ConfigError(f"coalition {list(members)} names a neuron twice", hint="pass each neuron once")
    return members


def required_sets(coalitions: Iterable[Iterable[int]], plan: SynergyPlan | None = None) -> list[tuple[int, ...]]:
    """The sets to ablate for ``coalitions`` under ``plan`` (default :class:`SynergyPlan`): singletons,
    the scored pairs, and where the metrics need them C and every C∖k.

    Sorted tuples, each once (shared singletons and pairs deduplicated across coalitions), in
    first-needed order.
    """
    plan = plan or SynergyPlan()
    needed: dict[tuple[int, ...], None] = {}
    for coalition in coalitions:
        members = canonical(coalition)
        needed.update(dict.fromkeys((i,) for i in members))
        needed.update(dict.fromkeys(plan.pairs_of(members)))
        if plan.whole:
            needed[members] = None
        if plan.leave_one_out:
            needed.update(dict.fromkeys(combinations(members, len(members) - 1)))
    return list(needed)


def pairwise_psi(
    coalition: Iterable[int], effects: EffectTable, pairs: Sequence[tuple[int, int]] | None = None
) -> tuple[list[tuple[int, int]], np.ndarray]:
    """The coalition's pairs (``pairs``, default all, i < j, lexicographic) and ψ_ij(x) per input, (P, X) float64."""
    members = canonical(coalition)
    chosen = list(combinations(members, 2)) if pairs is None else list(pairs)
    inputs = len(effects[(members[0],)])
    psi = np.array([effects[(i, j)] - effects[(i,)] - effects[(j,)] for i, j in chosen], dtype=np.float64)
    return chosen, psi.reshape(len(chosen), inputs)


def coalition_synergy(
    coalition: Iterable[int], effects: EffectTable, plan: SynergyPlan | None = None, *, ratio_floor: float = DEFAULT_RATIO_FLOOR
) -> CoalitionSynergy:
    """The Δ means and the metrics of ``plan`` (default :class:`SynergyPlan`) of one coalition from a table of per-input effects.

    ``effects`` must hold every set of :func:`required_sets` for the coalition under the same plan.
    """
    plan = plan or SynergyPlan()
    members = canonical(coalition)
    singles = np.array([effects[(i,)] for i in members], dtype=np.float64)
    inputs = singles.shape[1]
    pairs, psi = pairwise_psi(members, effects, plan.pairs_of(members))
    whole = np.asarray(effects[members], dtype=np.float64) if plan.whole else np.full(inputs, np.nan)
    if plan.leave_one_out:
        leave_one_out = np.array([effects[tuple(j for j in members if j != k)] for k in members], dtype=np.float64)
    else:
        leave_one_out = np.zeros((0, inputs))
    single, single_abs = singles.mean(axis=1), np.abs(singles).mean(axis=1)
    pair_delta = np.array([effects[pair] for pair in pairs], dtype=np.float64).reshape(len(pairs), inputs).mean(axis=1)
    psi_abs = np.abs(psi).mean(axis=1)
    per_input = {
        "excess_abs": float((np.abs(whole) - np.abs(leave_one_out).max(axis=0)).mean()) if plan.leave_one_out else float("nan"),
        "na_abs": float(np.abs(whole - singles.sum(axis=0)).mean()),
    }
    result = CoalitionSynergy(
        neurons=members,
        single=single,
        single_abs=single_abs,
        pairs=tuple(pairs),
        pair_delta=pair_delta,
        psi=psi.mean(axis=1),
        psi_abs=psi_abs,
        whole=float(whole.mean()),
        leave_one_out=leave_one_out.mean(axis=1),
    )
    return with_metrics(result, plan, per_input, ratio_floor)


def with_metrics(coalition: CoalitionSynergy, plan: SynergyPlan, per_input: Mapping[str, float], ratio_floor: float) -> CoalitionSynergy:
    """``coalition`` with the metrics of ``plan`` computed from its means and the per-input ones (``na_abs``, ``excess_abs``)."""
    values = summary_metrics(
        coalition.single,
        coalition.single_abs,
        coalition.psi,
        coalition.psi_abs,
        coalition.whole,
        coalition.leave_one_out,
        ratio_floor,
        pairs_total=coalition.pairs_total,
    )
    values.update(per_input)
    return replace(coalition, metrics={name: values[name] for name in plan.metrics})


def summary_metrics(
    single: np.ndarray,
    single_abs: np.ndarray,
    psi: np.ndarray,
    psi_abs: np.ndarray,
    whole: float,
    leave_one_out: np.ndarray,
    ratio_floor: float = DEFAULT_RATIO_FLOOR,
    *,
    pairs_total: int | None = None,
) -> dict[str, float]:
    """The metrics computable from means alone: pair, pair_abs, ratio, ratio_abs, excess, na.

    Inputs as in :class:`CoalitionSynergy` (``single``, ``single_abs`` (s,); ``psi``, ``psi_abs``
    (P,), the scored pairs; ``leave_one_out`` (s,) or empty; ``whole`` NaN when not ablated).
    ``pairs_total``: p, the coalition's number of pairs (default P): the ratios' sums over pairs
    are p times the means over the P scored pairs. Metrics whose means are missing are NaN, as are
    undefined ratios (see the module docstring).
    """
    magnitude = float(single_abs.sum())
    denominator = float(single.sum())
    defined = magnitude > 0 and abs(denominator) > ratio_floor * magnitude
    nan = float("nan")
    scored = len(psi)
    total = scored if pairs_total is None else pairs_total
    pair, pair_abs = (float(psi.mean()), float(psi_abs.mean())) if scored else (nan, nan)
    return {
        "pair": pair,
        "pair_abs": pair_abs,
        "ratio": total * pair / denominator if defined and scored else nan,
        "ratio_abs": total * pair_abs / magnitude if magnitude > 0 and scored else nan,
        "excess": whole - float(leave_one_out.max()) if len(leave_one_out) else nan,
        "na": whole - denominator,
    }


def effect_table(sets: Sequence[tuple[int, ...]], delta: np.ndarray) -> dict[tuple[int, ...], np.ndarray]:
    """Sorted set → its row of ``delta`` (K, X): the table the metric functions read."""
    return {tuple(sorted(neurons)): row for neurons, row in zip(sets, delta, strict=True)}
