"""The report's figures, built for values that span decades: log-spaced size bins, per-coalition distributions.

Every function returns a plotly ``go.Figure`` from already loaded artifacts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

if TYPE_CHECKING:
    from hedonic.evaluation import SynergyResult
    from hedonic.game import Partition
    from hedonic.game.size_distribution import PowerLawFit

LAYOUT = {"margin": {"l": 60, "r": 20, "t": 60, "b": 50}, "template": "plotly_white", "font": {"size": 13}}
"""Layout shared by the report's figures."""
METHOD_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")


def size_histogram(partitions: Mapping[int, Partition], fits: Mapping[int, PowerLawFit | None]) -> go.Figure:
    """Coalitions per size on log–log axes, one marker series per layer, with the fitted power law
    (``fits``: per layer, expected coalitions m·P(s) over the fitted tail, dashed) where the sizes have one."""
    figure = go.Figure()
    for index, (layer, partition) in enumerate(partitions.items()):
        color = METHOD_COLORS[index % len(METHOD_COLORS)]
        distribution = partition.size_distribution()
        figure.add_scatter(
            x=list(distribution), y=list(distribution.values()), mode="markers", name=f"layer {layer}", marker={"color": color}
        )
        fit = fits.get(layer)
        if fit is not None:
            support = np.unique(np.geomspace(fit.x_min, partition.largest(), 40).round())
            weights = np.arange(fit.x_min, fit.upper + 1, dtype=np.float64) ** -fit.exponent
            expected = fit.tail * support**-fit.exponent / weights.sum()
            figure.add_scatter(
                x=support,
                y=expected,
                mode="lines",
                line={"dash": "dash", "color": color},
                name=f"layer {layer}: power law α = {fit.exponent:.2f}",
            )
    figure.update_layout(
        title="coalitions by size (log–log; dashed: the fitted power law)",
        xaxis_title="coalition size (neurons)",
        yaxis_title="coalitions",
        xaxis_type="log",
        yaxis_type="log",
        height=380,
        **LAYOUT,
    )
    return figure


def synergy_distributions(synergy: Mapping[str, SynergyResult], metrics: Sequence[str], layer: int) -> go.Figure:
    """Per-coalition values of each (absolute) metric, one box with every point per method, on a log axis.

    Values ≤ 0 cannot sit on a log axis; their count is given in the subplot title.
    """
    figure = make_subplots(rows=1, cols=len(metrics), subplot_titles=[_title(synergy, metric) for metric in metrics])
    for column, metric in enumerate(metrics, start=1):
        for index, (method, result) in enumerate(synergy.items()):
            values = result.metric(metric)
            shown = values[np.isfinite(values) & (values > 0)]
            figure.add_box(
                y=shown,
                name=method,
                marker_color=METHOD_COLORS[index % len(METHOD_COLORS)],
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                marker_size=4,
                showlegend=False,
                row=1,
                col=column,
            )
        figure.update_yaxes(
            type="log", dtick=1, title_text="logits (log scale)" if column == 1 else None, row=1, col=column, exponentformat="power"
        )
    figure.update_layout(title=f"layer {layer}: held-out synergy per coalition", height=460, **LAYOUT)
    return figure


def _title(synergy: Mapping[str, SynergyResult], metric: str) -> str:
    dropped = sum(int(np.sum(~(np.isfinite(r.metric(metric)) & (r.metric(metric) > 0)))) for r in synergy.values())
    return metric + (f" ({dropped} values ≤ 0 not drawn)" if dropped else "")


def percentile_strips(synergy: Mapping[str, SynergyResult], layer: int) -> go.Figure | None:
    """Each coalition's percentile among its size-matched random groups, per method and tested metric (None if untested).

    Percentile = 100 · (share of the K random groups below the coalition), from the empirical
    p = (1 + #{random ≥ observed}) / (K + 1); bounded, so one extreme coalition cannot squash the
    others (as it does with z-scores). Significant coalitions (after BH) are red.
    """
    tested = {method: result.significance for method, result in synergy.items() if result.significance is not None}
    if not tested:
        return None
    first = next(iter(tested.values()))
    metrics, draws = first.tests.metrics, first.settings.draws
    figure = make_subplots(rows=1, cols=len(metrics), subplot_titles=[f"{metric}" for metric in metrics], shared_yaxes=True)
    for column, metric in enumerate(metrics, start=1):
        for index, (method, significance) in enumerate(tested.items()):
            tests = significance.tests
            p = tests.p[:, tests.metrics.index(metric)]
            finite = np.isfinite(p)
            percentile = 100.0 * (1.0 - (p[finite] * (draws + 1) - 1.0) / draws)
            color = METHOD_COLORS[index % len(METHOD_COLORS)]
            figure.add_box(
                y=percentile,
                name=method,
                boxpoints="all",
                jitter=0.5,
                pointpos=0,
                marker={"size": 5, "color": color},
                selectedpoints=np.flatnonzero(tests.significant[finite]).tolist(),
                selected={"marker": {"color": "#d62728", "size": 7}},
                line_color=color,
                showlegend=False,
                row=1,
                col=column,
            )
    figure.update_yaxes(title_text=f"percentile among {draws} random groups", range=[-2, 102], row=1, col=1)
    figure.update_layout(
        title=f"layer {layer}: each coalition against random groups of its size (red: significant after BH)", height=420, **LAYOUT
    )
    return figure
