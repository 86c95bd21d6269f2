"""The report's synergy of the computation: the verdict through the decomposition's readout with the norms
free (total) and frozen (computation), and per layer one table and one figure of the parts
(:mod:`hedonic.evaluation.decomposition`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from hedonic.evaluation import Comparison, load_comparison, load_synergy
from hedonic.evaluation.decomposition import Decomposition
from hedonic.evaluation.verdict import BaselineVerdict, verdict_from_dict
from hedonic.report.figures import LAYOUT, METHOD_COLORS

if TYPE_CHECKING:
    from hedonic.layout import RunLayout
    from hedonic.report.document import HtmlDocument

PARTS_WORDS = (
    "total: the ablations with every norm free; computation: the same ablations with every norm from the layer to the "
    "readout held at each input's clean scale (and mean), so what remains is what the later blocks compute (attention, "
    "MLP activations, a BERT pooler's tanh); norm coupling: their difference"
)


def decomposed_layers(layout: RunLayout, evaluated: Sequence[int]) -> list[int]:
    """The evaluated layers whose decomposition comparisons (total and computation) are both in the run directory."""
    return [layer for layer in evaluated if all(layout.decomposed_comparison(layer, frozen).is_file() for frozen in (False, True))]


def decomposition_verdict(document: HtmlDocument, layout: RunLayout, evaluated: Sequence[int]) -> None:
    """Under the headline verdict: hedonic vs each baseline on the decomposition's total and on its computation part."""
    layers = decomposed_layers(layout, evaluated)
    if not layers:
        return
    rows, classes = [], []
    readout, inputs = "", "?"
    for layer in layers:
        total, computation = (load_comparison(layout.decomposed_comparison(layer, frozen)) for frozen in (False, True))
        readout, inputs = str(total.context.get("readout", "?")), str(total.context.get("num_inputs", "?"))
        for on_total, on_computation in zip(_verdicts(total), _verdicts(computation), strict=True):
            counts = f"{on_total.count_reference} vs {on_total.count_baseline}"
            rows.append([f"layer {layer}", on_total.baseline, *_cells(on_total), *_cells(on_computation), counts])
            classes.append({2: f"verdict-{on_total.verdict}", 5: f"verdict-{on_computation.verdict}"})
    document.heading("Synergy of the computation", level=3, anchor="computation")
    document.paragraph(
        f"The same comparison through the {readout} readout ({_words(readout)}), on {inputs} held-out inputs and fewer "
        f"coalitions per method (the column “coalitions”), split in two: {PARTS_WORDS}. Details under “Synergy: computation "
        "vs norm coupling”."
    )
    header = ["layer", "baseline", "total", "Cliff's δ", "p (Holm)", "computation", "Cliff's δ", "p (Holm)", "coalitions"]
    document.table(header, rows, text_columns=(0, 1, 2, 5), classes=classes)


def decomposition_section(document: HtmlDocument, layout: RunLayout, evaluated: Sequence[int]) -> None:
    """Per decomposed layer: each method's median total, computation and norm coupling, and a scatter of total vs computation."""
    layers = decomposed_layers(layout, evaluated)
    if not layers:
        return
    document.heading("Synergy: computation vs norm coupling")
    document.paragraph(
        f"Per coalition, {PARTS_WORDS}. For the signed metrics pair and na the parts add up exactly; the norm share is |norm| / (|computation| + |norm|). Medians over each method's coalitions; units: logits."
    )
    for layer in layers:
        total = load_comparison(layout.decomposed_comparison(layer, False))
        parts = _decompositions(layout, layer, total)
        document.heading(f"Layer {layer}", level=3)
        document.paragraph(
            f"Readout {total.context.get('readout', '?')}, {total.context.get('num_inputs', '?')} held-out inputs, coalitions of size "
            f"{total.size_range[0]}–{total.size_range[1]}."
        )
        metrics = [m for m in ("na", "pair") if m in total.metrics]
        absolute = [m for m in ("na_abs", "pair_abs") if m in total.metrics]
        header = ["method", "coalitions"]
        header += [f"{m} {part}" for m in metrics for part in ("total", "computation", "norm", "norm share")]
        header += [f"{m} {part}" for m in absolute for part in ("total", "computation")]
        rows = []
        for method, decomposition in parts.items():
            summary = decomposition.summary()
            row: list[object] = [method, len(decomposition.total.coalitions)]
            for metric in metrics:
                entry = summary[metric]
                row += [_num(entry["total"]), _num(entry["computation"]), _num(entry["norm"]), _share(entry["norm_share"])]
            row += [_num(summary[m][part]) for m in absolute for part in ("total", "computation")]
            rows.append(row)
        document.table(header, rows, text_columns=(0,))
        if absolute:
            document.figure(_scatter(parts, absolute[0], layer))


def _decompositions(layout: RunLayout, layer: int, total: Comparison) -> dict[str, Decomposition]:
    found = {}
    for method in total.methods:
        paths = [layout.decomposed_synergy(layer, method, frozen) for frozen in (False, True)]
        if all(path.is_file() for path in paths):
            found[method] = Decomposition(load_synergy(paths[0]), load_synergy(paths[1]))
    return found


def _scatter(parts: dict[str, Decomposition], metric: str, layer: int) -> go.Figure:
    """Total against computation of ``metric``, one point per coalition and colour per method, log axes, the diagonal drawn."""
    figure = go.Figure()
    values = []
    for index, (method, decomposition) in enumerate(parts.items()):
        found = decomposition.parts(metric)
        keep = (found["total"] > 0) & (found["computation"] > 0)
        values += [found["total"][keep], found["computation"][keep]]
        figure.add_scatter(
            x=found["total"][keep],
            y=found["computation"][keep],
            mode="markers",
            name=method,
            marker={"color": METHOD_COLORS[index % len(METHOD_COLORS)], "size": 7},
        )
    every = np.concatenate(values) if values else np.array([1.0])
    low, high = float(every.min(initial=1.0)), float(every.max(initial=1.0))
    figure.add_scatter(x=[low, high], y=[low, high], mode="lines", name="computation = total", line={"dash": "dot", "color": "#999"})
    figure.update_layout(
        title=f"layer {layer}: {metric} per coalition, norms free (total) vs frozen (computation)",
        xaxis_title=f"{metric}, total (logits)",
        yaxis_title=f"{metric}, computation (logits)",
        xaxis_type="log",
        yaxis_type="log",
        height=460,
        **LAYOUT,
    )
    return figure


def _verdicts(comparison: Comparison) -> list[BaselineVerdict]:
    return [verdict_from_dict(entry) for entry in comparison.context.get("verdict", [])]


def _cells(verdict: BaselineVerdict) -> list[str]:
    return [verdict.verdict, _num(verdict.delta, "+.2f"), _num(verdict.p_holm, ".2g")]


def _words(readout: str) -> str:
    return {
        "model": "the model's own logit, every later layer run",
        "local": "the score head on the normed residual stream right after the layer",
    }.get(readout, readout)


def _num(value: float | None, spec: str = ".3g") -> str:
    return "–" if value is None else format(value, spec)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"
