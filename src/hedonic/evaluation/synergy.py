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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

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
DEFAULT_RATIO_FLOOR = 1e-6

EffectTable = Mapping[tuple[int, ...], np.ndarray]
"""Sorted neuron-id tuple S → Δ_S(x) over the X inputs, (X,) float64."""


@dataclass(frozen=True)
class CoalitionSynergy:
    """Everything measured for one coalition of s neurons (p pairs), means over the held-out inputs.

    ``single`` (s,) E Δ_i and ``single_abs`` (s,) E|Δ_i|, members in the order of ``neurons``
    (ascending); ``pairs`` the p pairs (i, j), i < j, in lexicographic order, with ``pair_delta``
    (p,) E Δ_ij, ``psi`` (p,) E ψ_ij and ``psi_abs`` (p,) E|ψ_ij|; ``whole`` E Δ_C;
    ``leave_one_out`` (s,) E Δ_{C∖k} for k in the order of ``neurons``; ``metrics`` every name of
    :data:`METRICS` → value (NaN where undefined). Units: logits.
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

    def metric(self, name: str) -> np.ndarray:
        """Values of metric ``name`` over the coalitions, (number of coalitions,) float64."""
        if name not in METRICS:
            raise ConfigError(f"unknown synergy metric {name!r}", hint=f"pick one of {', '.join(METRICS)}")
        return np.array([coalition.metrics[name] for coalition in self.coalitions], dtype=np.float64)

    def sizes(self) -> np.ndarray:
        """Size of each coalition, (number of coalitions,) int64."""
        return np.array([coalition.size for coalition in self.coalitions], dtype=np.int64)

    def _tested(self) -> str:
        if self.significance is None:
            return "not tested against random groups"
        summary = self.significance.summary()
        return f"{summary['significant']} of {summary['coalitions']} more synergistic than random (BH q < {self.significance.tests.alpha:g})"

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
            ("readout / ablation", f"{self.readout} / {self.mode}"),
            ("per-coalition tests", self._tested()),
        ]
        grid = html_grid(("metric", "median", "mean", "max"), ((name, *_spread(self.metric(name))) for name in METRICS))
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


def required_sets(coalitions: Iterable[Iterable[int]], *, whole: bool = True) -> list[tuple[int, ...]]:
    """The sets to ablate for ``coalitions``: singletons, pairs and (``whole``) C and every C∖k.

    Sorted tuples, each once (shared singletons and pairs deduplicated across coalitions), in
    first-needed order. ``whole=False`` gives what ``pair``/``ratio`` need.
    """
    needed: dict[tuple[int, ...], None] = {}
    for coalition in coalitions:
        members = canonical(coalition)
        needed.update(dict.fromkeys((i,) for i in members))
        needed.update(dict.fromkeys(combinations(members, 2)))
        if whole:
            needed.update(dict.fromkeys([members, *combinations(members, len(members) - 1)]))
    return list(needed)


def pairwise_psi(coalition: Iterable[int], effects: EffectTable) -> tuple[list[tuple[int, int]], np.ndarray]:
    """The coalition's pairs (i < j, lexicographic) and ψ_ij(x) per input, (p, X) float64."""
    members = canonical(coalition)
    pairs = list(combinations(members, 2))
    psi = np.array([effects[(i, j)] - effects[(i,)] - effects[(j,)] for i, j in pairs], dtype=np.float64)
    return pairs, psi


def coalition_synergy(
    coalition: Iterable[int], effects: EffectTable, *, ratio_floor: float = DEFAULT_RATIO_FLOOR
) -> CoalitionSynergy:
    """All Δ means and :data:`METRICS` of one coalition from a table of per-input effects.

    ``effects`` must hold every set of :func:`required_sets` for the coalition.
    """
    members = canonical(coalition)
    pairs, psi = pairwise_psi(members, effects)
    singles = np.array([effects[(i,)] for i in members], dtype=np.float64)
    leave_one_out = np.array([effects[tuple(j for j in members if j != k)] for k in members], dtype=np.float64)
    whole = np.asarray(effects[members], dtype=np.float64)
    single, single_abs = singles.mean(axis=1), np.abs(singles).mean(axis=1)
    pair_delta = np.array([effects[pair] for pair in pairs], dtype=np.float64).mean(axis=1)
    psi_abs = np.abs(psi).mean(axis=1)
    metrics = summary_metrics(
        single, single_abs, psi.mean(axis=1), psi_abs, float(whole.mean()), leave_one_out.mean(axis=1), ratio_floor
    )
    metrics["excess_abs"] = float((np.abs(whole) - np.abs(leave_one_out).max(axis=0)).mean())
    metrics["na_abs"] = float(np.abs(whole - singles.sum(axis=0)).mean())
    return CoalitionSynergy(
        neurons=members,
        single=single,
        single_abs=single_abs,
        pairs=tuple(pairs),
        pair_delta=pair_delta,
        psi=psi.mean(axis=1),
        psi_abs=psi_abs,
        whole=float(whole.mean()),
        leave_one_out=leave_one_out.mean(axis=1),
        metrics={name: metrics[name] for name in METRICS},
    )


def summary_metrics(
    single: np.ndarray,
    single_abs: np.ndarray,
    psi: np.ndarray,
    psi_abs: np.ndarray,
    whole: float,
    leave_one_out: np.ndarray,
    ratio_floor: float = DEFAULT_RATIO_FLOOR,
) -> dict[str, float]:
    """The metrics computable from means alone: pair, pair_abs, ratio, ratio_abs, excess, na.

    Inputs as in :class:`CoalitionSynergy` (``single``, ``single_abs``, ``leave_one_out`` (s,);
    ``psi``, ``psi_abs`` (p,)). Undefined ratios are NaN (see the module docstring).
    """
    magnitude = float(single_abs.sum())
    denominator = float(single.sum())
    defined = magnitude > 0 and abs(denominator) > ratio_floor * magnitude
    return {
        "pair": float(psi.mean()),
        "pair_abs": float(psi_abs.mean()),
        "ratio": float(psi.sum()) / denominator if defined else float("nan"),
        "ratio_abs": float(psi_abs.sum()) / magnitude if magnitude > 0 else float("nan"),
        "excess": whole - float(leave_one_out.max()),
        "na": whole - denominator,
    }


def effect_table(sets: Sequence[tuple[int, ...]], delta: np.ndarray) -> dict[tuple[int, ...], np.ndarray]:
    """Sorted set → its row of ``delta`` (K, X): the table the metric functions read."""
    return {tuple(sorted(neurons)): row for neurons, row in zip(sets, delta, strict=True)}
