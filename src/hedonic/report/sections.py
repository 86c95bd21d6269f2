"""The sections of the run report, each reading its artifacts from the run directory.

A section whose artifacts are absent (a stage that did not run, e.g. no adapter or a single
analysed layer) says so in one line instead of failing.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from hedonic.evaluation import Comparison, load_comparison, load_synergy
from hedonic.evaluation.meaning import MeaningResult, load_meaning
from hedonic.evaluation.compare_partitions import REFERENCE
from hedonic.game import load_partition, partition_warnings
from hedonic.layout import RunLayout
from hedonic.models import load_lora_profile
from hedonic.report.document import HtmlDocument
from hedonic.tracking import EVENT_TYPES, SankeyOptions, load_events, sankey_figure
from hedonic.valuation import load_valuation

PHI_BINS = 120
"""Bins of the φ histogram (shared by all layers, over the full range of their off-diagonal φ)."""
_LAYOUT = {"height": 360, "margin": {"l": 50, "r": 20, "t": 40, "b": 40}, "template": "plotly_white"}


def lora_section(document: HtmlDocument, layout: RunLayout) -> None:
    """Relative MLP update ‖ΔW‖_F / ‖W‖_F per layer and module (spec §2)."""
    document.heading("LoRA update profile")
    if not layout.lora_profile.is_file():
        document.paragraph("No LoRA adapter: no update profile.", "note")
        return
    profile = load_lora_profile(layout.lora_profile)
    figure = go.Figure()
    for module in sorted({update.module for update in profile.modules}):
        updates = [u for u in profile.modules if u.module == module]
        figure.add_bar(x=[u.layer for u in updates], y=[u.relative for u in updates], name=module)
    relative = profile.layer_relative()
    figure.add_scatter(x=list(relative), y=list(relative.values()), name="MLP (pooled)", mode="lines+markers")
    figure.update_layout(title="‖ΔW‖_F / ‖W‖_F by layer", xaxis_title="layer", yaxis_title="relative update", **_LAYOUT)
    document.figure(figure)


def phi_section(document: HtmlDocument, layout: RunLayout, layers: Sequence[int]) -> None:
    """Distribution of the off-diagonal φ values of each analysed layer."""
    document.heading("Valuation φ")
    rows = []
    uppers = {}
    for layer in layers:
        if not layout.valuation(layer).is_file():
            continue
        valuation = load_valuation(layout.valuation(layer))
        upper = valuation.phi[np.triu_indices(valuation.n, 1)]
        uppers[layer] = upper
        rows.append([f"layer {layer}", valuation.name, valuation.n, float(upper.mean()), float(upper.std()), float(np.mean(upper > 0))])
    if not rows:
        document.paragraph("No valuation was computed.", "note")
        return
    document.table(["layer", "kind", "neurons", "mean φ", "std φ", "share φ > 0"], rows)
    low = min(float(upper.min()) for upper in uppers.values())
    high = max(float(upper.max()) for upper in uppers.values())
    edges = np.linspace(low, high if high > low else low + 1.0, PHI_BINS + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    figure = go.Figure()
    for layer, upper in uppers.items():
        counts, _ = np.histogram(upper, bins=edges)
        figure.add_scatter(x=centres, y=counts, name=f"layer {layer}", mode="lines", line_shape="hvh")
    figure.update_layout(title="φ(i, j) over all pairs i < j", xaxis_title="φ", yaxis_title="pairs", yaxis_type="log", **_LAYOUT)
    document.figure(figure)


def partition_section(document: HtmlDocument, layout: RunLayout, layers: Sequence[int]) -> None:
    """Coalition size distribution, degenerate flag and stability estimate of each hedonic partition."""
    document.heading("Coalitions: sizes and stability")
    figure = go.Figure()
    rows = []
    for layer in layers:
        if not layout.partition(layer).is_file():
            continue
        partition = load_partition(layout.partition(layer))
        distribution = partition.size_distribution()
        figure.add_bar(x=list(distribution), y=[size * count for size, count in distribution.items()], name=f"layer {layer}")
        rows.append(
            [
                f"layer {layer}",
                partition.n_players,
                len(partition.coalitions),
                partition.largest(),
                f"{partition.singleton_share():.1%}",
                "yes" if partition.degenerate else "no",
                "; ".join([partition.stability.statement if partition.stability else "not estimated", *partition_warnings(partition)]),
            ]
        )
    if not rows:
        document.paragraph("No partition was computed.", "note")
        return
    document.table(["layer", "neurons", "coalitions", "largest", "singletons", "degenerate", "stability"], rows, text_columns=(0, 6))
    figure.update_layout(
        barmode="group", title="neurons by coalition size", xaxis_title="coalition size", yaxis_title="neurons", xaxis_type="log", **_LAYOUT
    )
    document.figure(figure)


def synergy_section(document: HtmlDocument, layout: RunLayout, layers: Sequence[int], metrics: Sequence[str]) -> None:
    """Held-out synergy of hedonic coalitions vs each baseline: means, CIs, p-values, effect sizes."""
    document.heading("Synergy: hedonic coalitions vs baselines (held-out inputs)")
    evaluated = [layer for layer in layers if layout.comparison(layer).is_file()]
    if not evaluated:
        document.paragraph("No synergy evaluation was run.", "note")
        return
    for layer in evaluated:
        comparison = load_comparison(layout.comparison(layer))
        context = comparison.context
        document.heading(f"Layer {layer}", level=3)
        document.paragraph(
            f"Readout {context.get('readout', '?')}, ablation {context.get('mode', '?')}, {context.get('num_inputs', '?')} "
            f"held-out inputs, coalitions of size {comparison.size_range[0]}–{comparison.size_range[1]}; means with "
            f"{comparison.confidence:.0%} bootstrap CIs; p: two-sided permutation test of the difference of means "
            "(Holm-adjusted over baselines); d: Cohen's d; δ: Cliff's delta. Units: logits."
        )
        shown = [metric for metric in metrics if metric in comparison.metrics]
        _comparison_table(document, comparison, shown)
        document.figure(_synergy_figure(comparison, shown, layer))


def _comparison_table(document: HtmlDocument, comparison: Comparison, metrics: Sequence[str]) -> None:
    """One row per (metric, method): count, mean, CI, and the contrast with the reference."""
    rows = []
    for metric in metrics:
        for method in comparison.methods:
            summary = comparison.summary(method, metric)
            row: list[object] = [metric, method, summary.count, _num(summary.mean), _interval(summary.ci_low, summary.ci_high)]
            if method == comparison.reference:
                row += ["", "", "", ""]
            else:
                contrast = comparison.contrast(method, metric)
                row += [_num(contrast.difference), _num(contrast.p_holm), _num(contrast.cohens_d), _num(contrast.cliffs_delta)]
            rows.append(row)
    header = ["metric", "method", "groups", "mean", "95% CI", f"{comparison.reference} − method", "p (Holm)", "d", "δ"]
    document.table(header, rows, text_columns=(0, 1, 4))


def _synergy_figure(comparison: Comparison, metrics: Sequence[str], layer: int) -> go.Figure:
    figure = go.Figure()
    for method in comparison.methods:
        means, lows, highs = [], [], []
        for metric in metrics:
            summary = comparison.summary(method, metric)
            mean = np.nan if summary.mean is None else summary.mean
            means.append(mean)
            lows.append(0.0 if summary.ci_low is None else mean - summary.ci_low)
            highs.append(0.0 if summary.ci_high is None else summary.ci_high - mean)
        error = {"type": "data", "symmetric": False, "array": highs, "arrayminus": lows}
        figure.add_bar(x=list(metrics), y=means, name=method, error_y=error)
    figure.update_layout(barmode="group", title=f"layer {layer}: mean synergy with 95% CI", yaxis_title="logits", **_LAYOUT)
    return figure


def tracking_section(document: HtmlDocument, layout: RunLayout, sankey: SankeyOptions | None = None) -> None:
    """Event percentages per consecutive layer pair and the Sankey diagram (spec §7)."""
    document.heading("Coalitions across layers")
    files = sorted(layout.tracking_dir.glob("events_*.json"), key=lambda p: [int(x) for x in p.stem.split("_")[1:]])
    if not files:
        document.paragraph("Fewer than two consecutive analysed layers: no tracking.", "note")
        return
    chain = [load_events(path) for path in files]
    rows = []
    for pair in chain:
        shares = pair.tracking.percentages()
        rows.append([f"{pair.source_layer} → {pair.target_layer}", *[f"{shares[kind]:.1f}%" for kind in EVENT_TYPES]])
    document.table(["layers", *EVENT_TYPES], rows)
    document.paragraph(
        "persist, split and vanish are shares of layer ℓ's coalitions; merge and emerge of layer ℓ+1's. "
        f"The full-size diagram is in {layout.sankey.relative_to(layout.root)}.",
        "note",
    )
    document.figure(sankey_figure(chain, sankey))


def meaning_section(document: HtmlDocument, layout: RunLayout, layers: Sequence[int]) -> None:
    """Functional importance, IR-feature alignment and cross-domain probes of each evaluated layer (spec §8)."""
    document.heading("What the coalitions mean")
    explained = [layer for layer in layers if layout.meaning(layer).is_file()]
    if not explained:
        document.paragraph("The meaning stage did not run.", "note")
        return
    for layer in explained:
        result = load_meaning(layout.meaning(layer))
        importance = result.importance_comparison
        document.heading(f"Layer {layer}", level=3)
        document.paragraph(
            f"Functional importance: each group is ablated ({result.importance.readout} readout, {result.importance.mode} "
            f"ablation) on {len(result.input_ids)} held-out inputs of {result.importance.num_queries} queries; drops in "
            f"score, nDCG@{result.importance.k} and MRR (positive: the ablation hurts). 'random' are size-matched random groups."
        )
        _comparison_table(document, importance, importance.metrics)
        rows = [
            [s.method, s.draw, s.coalitions, s.tests, _share(s.significant_share), _num(s.mean_max_abs_r)]
            for s in result.interpretation.summaries
        ]
        document.paragraph(
            "Alignment with IR features: Pearson tests of each group's mean activation against CQTR, mean tf/l, BM25 and "
            f"the lengths, Benjamini–Hochberg q < {result.interpretation.alpha} per method."
        )
        document.table(["method", "draw", "groups", "tests", "significant", "mean max |r|"], rows, text_columns=(0,))
        probe_rows = [
            [p.feature, p.method, p.draws, p.pairs, _num(p.mean_r2), _num(p.std_r2), _share(p.null_share_below)]
            for p in result.probe_summary
        ]
        if probe_rows:
            document.paragraph(
                "Cross-domain probes: ridge regression from the groups' mean activations to each IR feature, trained on one "
                "domain and scored (R²) on another; mean over domain pairs; last column: share of random draws beaten."
            )
            document.table(["feature", "method", "draws", "domain pairs", "mean R²", "sd R²", "beats random"], probe_rows, text_columns=(0, 1))
        for note in result.notes:
            document.paragraph(note, "note")


def coalition_cards(document: HtmlDocument, layout: RunLayout, layers: Sequence[int], top: int) -> None:
    """Cards for the ``top`` hedonic coalitions of each evaluated layer, ranked by held-out |ψ| (pair_abs)."""
    document.heading("Top coalitions")
    for layer in layers:
        path = layout.synergy(layer, REFERENCE)
        if not path.is_file():
            continue
        result = load_synergy(path)
        meaning = load_meaning(layout.meaning(layer)) if layout.meaning(layer).is_file() else None
        ranked = sorted(result.coalitions, key=lambda c: -np.nan_to_num(c.metrics["pair_abs"], nan=-np.inf))[:top]
        document.heading(f"Layer {layer}", level=3)
        for coalition in ranked:
            metrics = ", ".join(f"{name} {coalition.metrics[name]:.3g}" for name in ("pair_abs", "pair", "na", "na_abs"))
            body = (
                f"<b>{coalition.size} neurons</b>: {', '.join(map(str, coalition.neurons))}<br>"
                f"held-out synergy: E Δ_C = {coalition.whole:.3g} logits; Σ E Δ_i = {float(np.sum(coalition.single)):.3g}; {metrics}"
            )
            document.raw(f'<div class="card">{body}{_meaning_of(meaning, coalition.neurons)}</div>')


def _meaning_of(result: MeaningResult | None, neurons: tuple[int, ...]) -> str:
    """Top-activating inputs and significant IR correlations of a coalition, as card markup ("" if unknown)."""
    if result is None or neurons not in (reference := result.coalitions(result.interpretation.method)):
        return ""
    index = reference.index(neurons)
    inputs = [entry for entry in result.interpretation.top_inputs if entry.index == index][:3]
    correlations = [
        f"{c.feature} r = {c.pearson_r:.2f} (q = {c.pearson_q:.2g})"
        for c in result.interpretation.correlations
        if c.index == index and c.pearson_r is not None and c.pearson_q is not None and c.pearson_q < result.interpretation.alpha
    ]
    items = "".join(
        f"<li>{entry.activation:.3g}: <i>{html.escape(entry.query)}</i> — {html.escape(entry.snippet)}</li>" for entry in inputs
    )
    aligned = html.escape("; ".join(correlations) or "no IR feature correlation with q < " + str(result.interpretation.alpha))
    return f"<br>IR features: {aligned}<br>top-activating held-out inputs:<ul>{items}</ul>"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _num(value: float | None) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.3g}"


def _interval(low: float | None, high: float | None) -> str:
    return "–" if low is None or high is None else f"[{low:.3g}, {high:.3g}]"
