"""Where synergy comes from: the network's computation or the norms' coupling (spec §6).

The same coalitions are evaluated twice through one readout on the same held-out inputs: with
the norms free (the **total** synergy) and with every norm from the analysed layer to the
readout frozen at each input's clean statistics (:mod:`hedonic.ablation.norms`), which leaves
what the later blocks compute (attention, MLP activations, a BERT pooler's tanh): the
**computation**. Their difference is the **norm coupling**. For the signed metrics the parts
add up exactly per coalition: ``pair`` (the same sampled pairs in both) and ``na``,

    total = computation + norm.

The absolute metrics (``pair_abs``, ``na_abs``: means of magnitudes per input) have no such sum;
they are reported for the total and the computation side by side. Under the ``local`` readout of
a linear-head family the computation part is exactly 0 (the readout is affine with frozen norms).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Unpack

import numpy as np

from hedonic.display import graph_objects, html_grid, html_table
from hedonic.errors import ConfigError
from hedonic.evaluation.layer_evaluation import ComparisonOptions, LayerEvaluation, compare_partitions
from hedonic.evaluation.verdict import verdict_from_dict

if TYPE_CHECKING:
    from hedonic.ablation import AblationEngine
    from hedonic.evaluation.synergy import SynergyMetric, SynergyResult
    from hedonic.game import Partition

PARTS: tuple[str, ...] = ("total", "computation", "norm")
"""The parts of a coalition's synergy: free norms, frozen norms, and their difference."""
ADDITIVE_METRICS: tuple[str, ...] = ("pair", "na")
"""Signed metrics whose parts add up: total = computation + norm."""
DEFAULT_DECOMPOSITION_METRICS: tuple[SynergyMetric, ...] = ("pair", "na", "pair_abs", "na_abs")
"""What a decomposition measures unless asked otherwise."""


@dataclass(frozen=True)
class Decomposition:
    """One method's coalitions of one layer: ``total`` (norms free) and ``computation`` (norms frozen).

    Both :class:`~hedonic.evaluation.synergy.SynergyResult` hold the same coalitions, inputs,
    readout and metrics (checked); ``total.freeze_norms`` is False, ``computation.freeze_norms``
    True.
    """

    total: SynergyResult
    computation: SynergyResult

    def __post_init__(self) -> None:
        total, computation = self.total, self.computation
        same = (
            [c.neurons for c in total.coalitions] == [c.neurons for c in computation.coalitions]
            and total.input_ids == computation.input_ids
            and (total.readout, total.layer, total.metrics) == (computation.readout, computation.layer, computation.metrics)
        )
        if not same or total.freeze_norms or not computation.freeze_norms:
            raise ConfigError(
                "a decomposition needs the same coalitions, inputs, readout and metrics with free and with frozen norms",
                hint="evaluate the same selection twice, freeze_norms=False then True",
            )

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metrics measured."""
        return self.total.metrics

    def parts(self, metric: str) -> dict[str, np.ndarray]:
        """Per coalition (c,): ``total``, ``computation`` and, for :data:`ADDITIVE_METRICS`, ``norm`` = total − computation."""
        values = {"total": self.total.metric(metric), "computation": self.computation.metric(metric)}
        if metric in ADDITIVE_METRICS:
            values["norm"] = values["total"] - values["computation"]
        return values

    def norm_share(self, metric: str = "na") -> np.ndarray:
        """|norm| / (|computation| + |norm|) per coalition (c,): the share of the synergy the norms' coupling carries (NaN for 0/0)."""
        if metric not in ADDITIVE_METRICS:
            raise ConfigError(f"{metric!r} has no additive decomposition", hint=f"use one of {', '.join(ADDITIVE_METRICS)}")
        parts = self.parts(metric)
        magnitude = np.abs(parts["computation"]) + np.abs(parts["norm"])
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(magnitude > 0, np.abs(parts["norm"]) / magnitude, np.nan)

    def summary(self) -> dict[str, dict[str, float | None]]:
        """Per metric: the median of each part over the coalitions, and for additive metrics the median norm share."""
        found: dict[str, dict[str, float | None]] = {}
        for metric in self.metrics:
            entry = {part: _median(values) for part, values in self.parts(metric).items()}
            if metric in ADDITIVE_METRICS:
                entry["norm_share"] = _median(self.norm_share(metric))
            found[metric] = entry
        return found

    def _repr_html_(self) -> str:
        rows = [
            ("model / layer", f"{self.total.model} / {self.total.layer}"),
            ("readout", self.total.readout),
            ("coalitions / inputs", f"{len(self.total.coalitions)} / {len(self.total.input_ids)}"),
        ]
        summary = self.summary()
        grid = html_grid(
            ("metric", "total", "computation", "norm", "norm share"),
            (
                (metric, *(_text(entry.get(key)) for key in ("total", "computation", "norm", "norm_share")))
                for metric, entry in summary.items()
            ),
        )
        return html_table("Synergy: computation vs norm coupling (medians)", rows) + grid

    def plot(self, metric: str = "na_abs") -> Any:
        """A Plotly scatter, one point per coalition: total against computation of ``metric`` (log axes when positive)."""
        go = graph_objects()
        parts = self.parts(metric)
        figure = go.Figure(go.Scatter(x=parts["total"], y=parts["computation"], mode="markers", name=metric))
        positive = bool(np.all(parts["total"] > 0) and np.all(parts["computation"] > 0))
        kind = "log" if positive else "linear"
        figure.update_layout(
            title=f"{self.total.model}, layer {self.total.layer}: {metric}, norms free vs frozen ({self.total.readout} readout)",
            xaxis_title=f"{metric}, total",
            yaxis_title=f"{metric}, computation (norms frozen)",
            xaxis_type=kind,
            yaxis_type=kind,
        )
        return figure


def decompositions(total: Mapping[str, SynergyResult], computation: Mapping[str, SynergyResult]) -> dict[str, Decomposition]:
    """One :class:`Decomposition` per method present in both ``total`` and ``computation``."""
    return {name: Decomposition(total[name], computation[name]) for name in total if name in computation}


def _median(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else None


def _text(value: float | None) -> str:
    return "—" if value is None else f"{value:.3g}"


@dataclass(frozen=True)
class DecomposedEvaluation:
    """The same layer evaluation with the norms free (``total``) and frozen (``computation``)."""

    total: LayerEvaluation
    computation: LayerEvaluation

    @property
    def decompositions(self) -> dict[str, Decomposition]:
        """One :class:`Decomposition` per method."""
        return decompositions(self.total.synergy, self.computation.synergy)

    def lines(self, layer: int) -> list[str]:
        """What was found, as text: per method the median parts of ``na``, then the verdicts on the total and on the computation."""
        found = []
        readout = self.total.comparison.context.get("readout", "")
        for name, parts in self.decompositions.items():
            entry = parts.summary().get("na")
            if entry is not None:
                text = ", ".join(f"{part} {_text(entry.get(part))}" for part in PARTS)
                share = entry.get("norm_share")
                found.append(
                    f"layer {layer}: {name}: na ({readout} readout, medians) {text}; norm share {'–' if share is None else format(share, '.0%')}"
                )
        for title, part in (("total", self.total), ("computation (norms frozen)", self.computation)):
            found += [f"{title}: {verdict_from_dict(entry).line()}" for entry in part.comparison.context.get("verdict", [])]
        return found


def decompose_partitions(
    engine: AblationEngine, partitions: Mapping[str, Partition], **options: Unpack[ComparisonOptions]
) -> DecomposedEvaluation:
    """:func:`~hedonic.evaluation.layer_evaluation.compare_partitions` twice on the same coalitions: norms free, then frozen.

    ``options`` are those of ``compare_partitions`` but ``freeze_norms``; the selection (size
    range, cap, seed) and the pair samples are the same in both, so the parts add up per coalition.
    """
    if "freeze_norms" in options:
        raise ConfigError("decompose_partitions runs both settings of freeze_norms", hint="leave freeze_norms out")
    total = compare_partitions(engine, partitions, freeze_norms=False, **options)
    computation = compare_partitions(engine, partitions, freeze_norms=True, **options)
    return DecomposedEvaluation(total, computation)
