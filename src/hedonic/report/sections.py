"""The detail sections of the run report, each reading its artifacts from the run directory.

A section whose artifacts are absent (a stage that did not run, e.g. no adapter or a single
analysed layer) says so in one line instead of failing; a layer whose artifact is missing is
named where it would have been shown (the full list is under the verdict,
:mod:`hedonic.report.contents`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go

from hedonic.evaluation import Comparison, SynergyResult, load_comparison, load_synergy
from hedonic.game import load_partition, partition_warnings
from hedonic.game.size_distribution import share_above, size_bands
from hedonic.meaning import load_meaning
from hedonic.models import load_lora_profile
from hedonic.report.contents import ships_adapter
from hedonic.report.figures import LAYOUT, percentile_strips, size_histogram, synergy_distributions
from hedonic.tracking import EVENT_TYPES, LayerPairEvents, SankeyOptions, link_notes, load_events, sankey_figure
from hedonic.valuation import load_valuation

if TYPE_CHECKING:
    from hedonic.layout import RunLayout
    from hedonic.report.document import HtmlDocument

PHI_BINS = 120
"""Bins of the φ histogram (shared by all layers, over the full range of their off-diagonal φ)."""
_LAYOUT = {"height": 360, **LAYOUT}
DISTRIBUTION_METRICS = ("pair_abs", "na_abs")
"""Absolute metrics drawn as per-coalition distributions on a log axis."""


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
    """Distribution of the off-diagonal φ values of each analysed layer, and the share of ‖φ‖²_F in its top eigencomponents."""
    document.heading("Valuation φ")
    rows = []
    uppers = {}
    for layer in layers:
        if not layout.valuation(layer).is_file():
            document.paragraph(f"layer {layer}: valuation φ missing ({layout.valuation(layer).relative_to(layout.root)}).", "warn")
            continue
        valuation = load_valuation(layout.valuation(layer))
        upper = valuation.phi[np.triu_indices(valuation.n, 1)]
        uppers[layer] = upper
        shares = [f"{share:.0%}" for share in valuation.spectrum.shares().values()]
        rows.append(
            [f"layer {layer}", valuation.name, valuation.n, float(upper.mean()), float(upper.std()), float(np.mean(upper > 0)), *shares]
        )
    if not rows:
        document.paragraph("No valuation was computed.", "note")
        return
    document.table(["layer", "kind", "neurons", "mean φ", "std φ", "share φ > 0", "‖φ‖²_F top 1", "top 5", "top 20"], rows)
    document.paragraph(
        "‖φ‖²_F top m: the share of φ's squared Frobenius norm in its m eigencomponents of largest |λ|. Near 100% for "
        "m = 1 or 5, φ is nearly low-rank: which neurons gain from each other is then decided by their loadings on a few "
        "eigenvectors, so the coalitions reflect a few shared directions rather than many independent pairwise interactions.",
        "note",
    )
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
    """Coalition sizes (log₂ bands, log–log histogram, power-law fit), large coalitions, degenerate flag and stability of each hedonic partition."""
    document.heading("Coalitions: sizes and stability")
    rows, partitions, fits = [], {}, {}
    for layer in layers:
        if not layout.partition(layer).is_file():
            document.paragraph(f"layer {layer}: partition missing ({layout.partition(layer).relative_to(layout.root)}).", "warn")
            continue
        partition = load_partition(layout.partition(layer))
        partitions[layer] = partition
        fits[layer] = partition.power_law()
        rows.append(
            [
                f"layer {layer}",
                partition.n_players,
                len(partition.coalitions),
                int(np.median(partition.sizes())) if partition.coalitions else 0,
                partition.largest(),
                f"{share_above(partition.sizes(), 32):.1%}",
                f"{partition.singleton_share():.1%}",
                "yes" if partition.degenerate else "no",
                "; ".join([partition.stability.statement if partition.stability else "not estimated", *partition_warnings(partition)]),
            ]
        )
        for warning in partition_warnings(partition):
            document.paragraph(f"layer {layer}: {warning}", "warn")
    if not rows:
        document.paragraph("No partition was computed.", "note")
        return
    header = ["layer", "neurons", "coalitions", "median size", "largest", "in sizes > 32", "singletons", "degenerate", "stability"]
    document.table(header, rows, text_columns=(0, 8))
    largest = max(partition.largest() for partition in partitions.values())
    bands = {layer: size_bands(partition.sizes(), partition.n_players, largest) for layer, partition in partitions.items()}
    document.paragraph("Share of each layer's neurons by coalition size (log₂ bands):")
    document.table(
        ["layer", *(band.label for band in next(iter(bands.values())))],
        [[f"layer {layer}", *(f"{band.share:.1%}" for band in layer_bands)] for layer, layer_bands in bands.items()],
    )
    document.items(
        [
            f"layer {layer}: " + ("fewer than 10 coalitions of 2 or more, no power-law fit" if fit is None else fit.statement())
            for layer, fit in fits.items()
        ]
    )
    document.figure(size_histogram(partitions, fits))


def synergy_section(document: HtmlDocument, layout: RunLayout, layers: Sequence[int], metrics: Sequence[str]) -> None:
    """Held-out synergy of hedonic coalitions vs each baseline: ranks first (δ, rank test), means second; distributions."""
    document.heading("Synergy: hedonic coalitions vs baselines (held-out inputs)")
    if not layers:
        document.paragraph("No synergy evaluation was run.", "note")
        return
    for layer in layers:
        document.heading(f"Layer {layer}", level=3)
        if not layout.comparison(layer).is_file():
            document.paragraph(f"layer {layer}: synergy comparison missing ({layout.comparison(layer).relative_to(layout.root)}).", "warn")
            continue
        comparison = load_comparison(layout.comparison(layer))
        context = comparison.context
        document.paragraph(
            f"Readout {context.get('readout', '?')}, ablation {context.get('mode', '?')}, {context.get('num_inputs', '?')} "
            f"held-out inputs, coalitions of size {comparison.size_range[0]}–{comparison.size_range[1]}. Headline: Cliff's δ "
            f"({comparison.confidence:.0%} bootstrap CI) and the {comparison.rank_test} rank test, Holm over baselines. "
            "Secondary: the mean with its bootstrap CI, and a permutation test of the difference of means (Holm; the "
            "differences are in comparison.json). Units: logits."
        )
        _comparison_table(document, comparison, [metric for metric in metrics if metric in comparison.metrics])
        synergy = _synergy_files(document, layout, layer, comparison)
        if synergy:
            document.figure(synergy_distributions(synergy, [m for m in DISTRIBUTION_METRICS if m in comparison.metrics], layer))
            strips = percentile_strips(synergy, layer)
            if strips is not None:
                document.figure(strips)


def _synergy_files(document: HtmlDocument, layout: RunLayout, layer: int, comparison: Comparison) -> dict[str, SynergyResult]:
    """Each method's synergy file named by the comparison (a missing one is noted)."""
    found = {}
    files = comparison.context.get("synergy_files", {})
    for method in (m for m in comparison.methods if m in files):
        path = layout.evaluation_dir(layer) / str(files[method])
        if path.is_file():
            found[str(method)] = load_synergy(path)
        else:
            document.paragraph(f"layer {layer}: synergy of {method} missing ({path.relative_to(layout.root)}).", "warn")
    return found


def _comparison_table(document: HtmlDocument, comparison: Comparison, metrics: Sequence[str]) -> None:
    """One row per (metric, method): count, median, δ with its CI and the rank p first, then the mean with its CI and the permutation p of the difference."""
    rows = []
    for metric in metrics:
        for method in comparison.methods:
            summary = comparison.summary(method, metric)
            row: list[object] = [metric, method, summary.count, _num(summary.median)]
            mean = f"{_num(summary.mean)} {_interval(summary.ci_low, summary.ci_high)}"
            if method == comparison.reference:
                row += ["", "", mean, ""]
            else:
                contrast = comparison.contrast(method, metric)
                delta = f"{_num(contrast.cliffs_delta, '+.2f')} {_interval(contrast.delta_ci_low, contrast.delta_ci_high, '+.2f')}"
                row += [delta, _num(contrast.rank_p_holm, ".2g"), mean, _num(contrast.p_holm, ".2g")]
            rows.append(row)
    level = f"{comparison.confidence:.0%}"
    header = ["metric", "method", "groups", "median", f"Cliff's δ [{level} CI]", "p rank (Holm)", f"mean [{level} CI]", "p perm. (Holm)"]
    document.table(header, rows, text_columns=(0, 1))


def tracking_section(document: HtmlDocument, layout: RunLayout, layers: Sequence[int], sankey: SankeyOptions | None = None) -> None:
    """Events, link tests with their detection floors and decompositions per consecutive layer pair, the weight links and the Sankey diagram (spec §7)."""
    document.heading("Coalitions across layers")
    pairs = [(layer, layer + 1) for layer in layers if layer + 1 in layers]
    files = [layout.events(a, b) for a, b in pairs if layout.events(a, b).is_file()]
    for a, b in pairs:
        if not layout.events(a, b).is_file():
            document.paragraph(f"layers {a}→{b}: tracking events missing ({layout.events(a, b).relative_to(layout.root)}).", "warn")
    if not files:
        document.paragraph("Fewer than two consecutive analysed layers with events: no tracking.", "note")
        return
    chain = [load_events(path) for path in files]
    causal = any(pair.causal is not None for pair in chain)
    header = ["layers", "tracked coalitions", *EVENT_TYPES, "weight links", "s_min", "log S: source / target / specific"]
    header += ["causal links", "causal s_min", "weight links confirmed", "log effect: source / target / specific"] if causal else []
    document.table(header, [_tracking_row(pair, causal) for pair in chain])
    document.paragraph(_tracking_note(chain[0]), "note")
    document.items(link_notes(chain))
    _weight_links_table(document, chain)
    document.paragraph(f"The full-size diagram is in {layout.sankey.relative_to(layout.root)}.", "note")
    document.figure(sankey_figure(chain, sankey))


def _tracking_row(pair: LayerPairEvents, causal: bool) -> list[str]:
    """One row of the tracking table: layers, coalitions, event shares, the weight links and (with the causal test) the causal ones."""
    row = [
        f"{pair.source_layer} → {pair.target_layer}",
        f"{pair.tracking.n_sources} → {pair.tracking.n_targets}",
        *pair.share_texts().values(),
    ]
    row += [pair.specific_links(), pair.floor_text().removeprefix("s_min "), _shares(pair.decomposition)]
    if causal:
        row += [pair.causal_links(), pair.causal_floor_text().removeprefix("s_min "), pair.confirmed_text()]
        row += [_shares(None if pair.causal is None else pair.causal.decomposition)]
    return row


def _shares(decomposition: Any) -> str:
    return "–" if decomposition is None else f"{decomposition.source:.0%} / {decomposition.target:.0%} / {decomposition.specific:.0%}"


WEIGHT_LINKS_SHOWN = 12
"""Weight links listed per layer pair in the report (the strongest z first)."""


def _weight_links_table(document: HtmlDocument, chain: Sequence[LayerPairEvents]) -> None:
    """The strongest specific weight links of each pair, marked confirmed or not by the causal test where it ran."""
    rows, hidden = [], 0
    for pair in chain:
        if pair.link_tests is None:
            continue
        causal = None if pair.causal is None else {(p, q): z for p, q, z, _ in pair.causal.tests.links}
        ranked = sorted(pair.link_tests.links, key=lambda link: -link[2])
        hidden += max(0, len(ranked) - WEIGHT_LINKS_SHOWN)
        for p, q, z, q_value in ranked[:WEIGHT_LINKS_SHOWN]:
            mark = "–" if causal is None else (f"confirmed (z {causal[(p, q)]:.1f})" if (p, q) in causal else "not confirmed")
            source, target = pair.source_coalitions[p], pair.target_coalitions[q]
            rows.append(
                [
                    f"{pair.source_layer} → {pair.target_layer}",
                    f"C{p} ({len(source)})",
                    f"C{q} ({len(target)})",
                    f"{z:.1f}",
                    f"{q_value:.2g}",
                    mark,
                ]
            )
    if not rows:
        document.paragraph("No specific weight links at any layer pair.", "note")
        return
    document.heading("Specific weight links", level=3)
    document.table(
        ["layers", "source coalition (size)", "target coalition (size)", "z", "q (BH)", "causal test"], rows, text_columns=(0, 1, 2, 5)
    )
    if hidden:
        document.paragraph(f"{hidden} weaker specific weight links not listed (all are in the events files).", "note")


def _tracking_note(pair: LayerPairEvents) -> str:
    """How the events were decided: rule, thresholds, which coalitions, which side each share is over, the intervals."""
    side = ", ".join(pair.tracking.source_side)
    interval = (
        f" Intervals: {pair.bootstrap['confidence']:.0%} bootstrap over the {pair.bootstrap['inputs']} analysis inputs behind E|a| "
        f"({pair.bootstrap['resamples']} resamples; the virtual weights are fixed)."
        if pair.bootstrap
        else ""
    )
    return (
        f"Only coalitions of at least {pair.min_size} neurons are tracked. Rule {pair.rule_text()}; "
        f"{side}: shares of layer ℓ's tracked coalitions; emerge{'' if 'merge' in side else ', merge'}: of layer ℓ+1's." + interval
    )


def meaning_section(document: HtmlDocument, layout: RunLayout, layers: Sequence[int]) -> None:
    """Functional importance, IR-feature alignment and cross-domain probes of each evaluated layer (spec §8)."""
    document.heading("What the coalitions mean")
    explained = [layer for layer in layers if layout.meaning(layer).is_file()]
    if not explained:
        document.paragraph("The meaning stage did not run.", "note")
        return
    for layer in sorted(set(layers) - set(explained)):
        document.paragraph(f"layer {layer}: meaning missing ({layout.meaning(layer).relative_to(layout.root)}).", "warn")
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
            document.table(
                ["feature", "method", "draws", "domain pairs", "mean R²", "sd R²", "beats random"], probe_rows, text_columns=(0, 1)
            )
        for note in result.notes:
            document.paragraph(note, "note")


def run_section(
    document: HtmlDocument,
    layout: RunLayout,
    config: Mapping[str, Any] | None,
    analysed: Sequence[int],
    evaluated: Sequence[int],
    timings: Mapping[str, float],
) -> None:
    """Run facts (model, adapter, seed, valuation, layers) and the stage wall times, last in the report."""
    document.heading("The run: facts and stage timings", anchor="run")
    if config is None:
        document.paragraph(
            f"config.toml is missing: the model, adapter and settings of this run are unknown. Analysed layers {list(analysed)}; "
            f"evaluated layers {list(evaluated)}.",
            "warn",
        )
    else:
        model = config.get("model", {})
        adapter = model.get("adapter") or ("the shipped adapter" if ships_adapter(str(model.get("name", ""))) else "none")
        document.paragraph(
            f"Model {model.get('name', '?')} (adapter: {adapter}, {model.get('dtype', '?')} on {model.get('device', '?')}); "
            f"seed {config.get('seed', '?')}; valuation {config.get('valuation', {}).get('kind', '?')}; "
            f"analysed layers {list(analysed)}; evaluated layers {list(evaluated)}."
        )
    if timings:
        rows = [[name, seconds] for name, seconds in timings.items() if name != "report"]
        rows.append(["total", float(np.sum([seconds for _, seconds in rows]))])
        document.table(["stage", "wall time (s)"], rows)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _num(value: float | None, spec: str = ".3g") -> str:
    return "–" if value is None or not np.isfinite(value) else format(value, spec)


def _interval(low: float | None, high: float | None, spec: str = ".3g") -> str:
    return "–" if low is None or high is None else f"[{format(low, spec)}, {format(high, spec)}]"
