"""The first two sections of the report: the computed verdict, then the significant coalitions.

The verdict per evaluated layer and baseline is the one the evaluation stored
(:mod:`hedonic.evaluation.verdict`), with the rank-based evidence; the per-model verdict combines
the layers. Significant coalitions are the hedonic coalitions that beat their size-matched
random groups after Benjamini–Hochberg (:mod:`hedonic.evaluation.significance`), strongest
first, with their members, held-out synergy, z-scores and, where the meaning stage interpreted
them, their top-activating inputs and IR-feature correlations.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from hedonic.evaluation import Comparison, load_comparison, load_synergy
from hedonic.evaluation.significance import CoalitionTests, ranked_findings
from hedonic.evaluation.verdict import BaselineVerdict, model_verdicts, verdict_from_dict
from hedonic.layout import REFERENCE, RunLayout
from hedonic.meaning import load_meaning

if TYPE_CHECKING:
    from hedonic.evaluation.synergy import SynergyResult
    from hedonic.meaning.interpretation import InterpretationResult
    from hedonic.report.contents import Missing
    from hedonic.report.document import HtmlDocument


def verdict_section(document: HtmlDocument, layout: RunLayout, evaluated: Sequence[int], missing: Sequence[Missing]) -> None:
    """Verdict lines per layer and model, a table of the evidence, each method's share of significant coalitions."""
    document.heading("Verdict", anchor="verdict")
    comparisons = {layer: load_comparison(layout.comparison(layer)) for layer in evaluated if layout.comparison(layer).is_file()}
    verdicts = [verdict_from_dict(entry) for comparison in comparisons.values() for entry in comparison.context.get("verdict", [])]
    if not verdicts:
        document.paragraph("No evaluated layer has a synergy comparison: there is no verdict.", "warn")
    else:
        first = next(iter(comparisons.values()))
        document.raw("".join(f'<p class="summary">{html.escape(line)}</p>' for line in summary_lines(verdicts)))
        document.paragraph(
            f"Held-out synergy per coalition through the {readout_text(first.context)}: "
            f"{verdicts[0].metric}{_METRIC_WORDS.get(verdicts[0].metric, '')}, on inputs φ never saw. "
            f"Decided on ranks, because a few coalitions holding one loud neuron dominate any mean: Cliff's δ = "
            f"P[hedonic > baseline] − P[hedonic < baseline] (+1: every hedonic coalition above every baseline one) with its 95% "
            f"bootstrap interval, and the {first.rank_test} test Holm-adjusted over the baselines; ahead / behind when "
            f"p < {first.context.get('alpha', 0.05)}, level otherwise. One row per evaluated layer and baseline:"
        )
        _verdict_table(document, verdicts, comparisons)
        _significance_table(document, comparisons)
    if missing:
        document.heading("Missing pieces", level=3, anchor="missing")
        document.raw('<div class="missing">')
        document.items([entry.message() for entry in missing])
        document.raw("</div>")


_READOUT_WORDS = {
    "local": "score head on the normed residual stream right after the layer, whose synergy is the norm's curvature and a BERT pooler's tanh",
    "model": "model's own logit, every later layer run",
    "linear": "head without its norm (additive: a control)",
}


def readout_text(context: Mapping[str, object]) -> str:
    """``local readout (…)`` for a comparison's context: the readout, what it is, and whether the norms were frozen."""
    readout = str(context.get("readout", "?"))
    frozen = ", norms frozen at their clean scale" if context.get("freeze_norms") else ""
    return f"{readout} readout ({_READOUT_WORDS.get(readout, readout)}{frozen})"


_METRIC_WORDS = {
    "na_abs": " (mean |Δ_C − Σ_i Δ_i|: how far ablating the coalition at once departs from the sum of its single ablations)",
    "na": " (mean Δ_C − Σ_i Δ_i: the signed departure of the joint ablation from the sum of the single ones)",
    "pair": " (mean pairwise synergy ψ_ij of the coalition's pairs)",
    "pair_abs": " (mean |ψ_ij| of the coalition's pairs)",
}
"""Plain words for the verdict metric in the report's first paragraph."""


def summary_lines(verdicts: Sequence[BaselineVerdict]) -> list[str]:
    """One sentence per model: the baselines hedonic is ahead of, level with and behind, over its evaluated layers."""
    lines = []
    combined = model_verdicts(verdicts)
    for model in dict.fromkeys(entry.model for entry in combined):
        mine = [entry for entry in combined if entry.model == model]
        layers = sorted({layer for entry in mine for layer in entry.layers})
        groups: dict[str, list[str]] = {}
        for entry in mine:
            groups.setdefault(entry.verdict, []).append(entry.baseline)
        parts = [f"{_PHRASE.get(kind, kind)} {', '.join(names)}" for kind, names in groups.items()]
        where = f"layer {layers[0]}" if len(layers) == 1 else f"layers {', '.join(map(str, layers))}"
        if mine[0].readout:
            where += f", {mine[0].readout} readout"
        lines.append(
            f"Model {model}, {where}: {mine[0].reference} " + "; ".join(parts) + f" ({len(mine)} baseline{'s' if len(mine) > 1 else ''})."
        )
    return lines


_PHRASE = {"ahead": "ahead of", "behind": "behind", "level": "level with", "mixed": "mixed (the layers disagree) against"}


def _verdict_table(document: HtmlDocument, verdicts: Sequence[BaselineVerdict], comparisons: dict[int, Comparison]) -> None:
    rows, classes = [], []
    for verdict in verdicts:
        comparison = comparisons[verdict.layer]
        ours, theirs = (comparison.summary(m, verdict.metric).median for m in (verdict.reference, verdict.baseline))
        rows.append(
            [
                f"layer {verdict.layer}",
                verdict.baseline,
                verdict.verdict,
                _num(verdict.delta, "+.2f"),
                _interval(verdict.delta_ci_low, verdict.delta_ci_high),
                _num(verdict.p_holm, ".2g"),
                _num(ours),
                _num(theirs),
                f"{verdict.count_reference} vs {verdict.count_baseline}",
            ]
        )
        classes.append({2: f"verdict-{verdict.verdict}"})
    header = ["layer", "baseline", "verdict", "Cliff's δ", "95% CI of δ", "p (Holm)", "hedonic median", "baseline median", "coalitions"]
    document.table(header, rows, text_columns=(0, 1, 2), classes=classes)


def _significance_table(document: HtmlDocument, comparisons: dict[int, Comparison]) -> None:
    rows = []
    for layer, comparison in comparisons.items():
        for method, summary in comparison.context.get("significance", {}).items():
            shares = [_share(value) for value in summary["by_metric"].values()]
            rows.append([f"layer {layer}", method, summary["coalitions"], summary["significant"], _share(summary["share"]), *shares])
    if not rows:
        document.paragraph("The coalitions were not tested against random groups (evaluation.significance_draws = 0).", "note")
        return
    metrics = list(next(s for c in comparisons.values() for s in c.context.get("significance", {}).values())["by_metric"])
    document.paragraph(
        "Coalitions more synergistic than random: each coalition against size-matched random groups of its layer "
        "(empirical one-sided p), Benjamini–Hochberg over the method's coalitions and metrics, q < alpha on some metric."
    )
    document.table(["layer", "method", "tested", "significant", "share", *[f"share on {m}" for m in metrics]], rows, text_columns=(0, 1))


def findings_section(document: HtmlDocument, layout: RunLayout, evaluated: Sequence[int], top: int) -> None:
    """Cards of the strongest significant hedonic coalitions of each evaluated layer (at most ``top``)."""
    document.heading("Significant coalitions", anchor="findings")
    shown = False
    for layer in evaluated:
        path = layout.synergy(layer, REFERENCE)
        if not path.is_file():
            continue
        result = load_synergy(path)
        meaning = load_meaning(layout.meaning(layer)) if layout.meaning(layer).is_file() else None
        interpretation = None if meaning is None else meaning.findings_interpretation
        findings = list(meaning.findings) if meaning is not None else []
        ranked = ranked_findings(result, top)
        document.heading(f"Layer {layer}", level=3)
        shown = True
        if result.significance is None:
            document.paragraph("The coalitions of this layer were not tested against random groups.", "note")
            continue
        total = int(result.significance.tests.significant.sum())
        shown_text = f"the {len(ranked)} strongest (smallest q, then largest z) follow." if ranked else "there is nothing to show here."
        document.paragraph(
            f"{total} of {len(result.coalitions)} evaluated hedonic coalitions are more synergistic than random after "
            f"Benjamini–Hochberg; {shown_text}"
        )
        for index in ranked:
            document.raw(_card(result, result.significance.tests, index, interpretation, findings))
    if not shown:
        document.paragraph("No evaluated layer has a hedonic synergy file: no coalition was tested.", "note")


def _card(
    result: SynergyResult,
    tests: CoalitionTests,
    index: int,
    interpretation: InterpretationResult | None,
    findings: Sequence[tuple[int, ...]],
) -> str:
    """One coalition's card: members, tested synergy with z, p and q, other metrics, interpretation."""
    coalition = result.coalitions[index]
    scores = "; ".join(
        f"{metric} = {tests.observed[index, k]:.3g} (z = {tests.z[index, k]:.1f}, p = {tests.p[index, k]:.2g}, q = {tests.q[index, k]:.2g})"
        for k, metric in enumerate(tests.metrics)
    )
    metrics = coalition.metrics
    body = (
        f"<b>{coalition.size} neurons</b>: {html.escape(', '.join(map(str, coalition.neurons)))}<br>"
        f"held-out synergy ({result.readout} readout, {len(result.input_ids)} inputs): {html.escape(scores)}<br>"
        f"|ψ| per pair {metrics['pair_abs']:.3g}, |NA| {metrics['na_abs']:.3g}, E Δ_C = {coalition.whole:.3g} "
        f"vs Σ E Δ_i = {float(np.sum(coalition.single)):.3g} logits"
    )
    return f'<div class="card">{body}{_interpretation_of(interpretation, findings, coalition.neurons)}</div>'


def _interpretation_of(interpretation: InterpretationResult | None, findings: Sequence[tuple[int, ...]], neurons: tuple[int, ...]) -> str:
    """Top-activating inputs and significant IR correlations of a coalition, as card markup."""
    if interpretation is None or neurons not in findings:
        return '<br><span class="note">not interpreted (the meaning stage did not run on it)</span>'
    index = findings.index(neurons)
    inputs = [entry for entry in interpretation.top_inputs if entry.index == index][:3]
    correlations = [
        f"{c.feature} r = {c.pearson_r:.2f} (q = {c.pearson_q:.2g})"
        for c in interpretation.correlations
        if c.index == index and c.pearson_r is not None and c.pearson_q is not None and c.pearson_q < interpretation.alpha
    ]
    items = "".join(
        f"<li>{entry.activation:.3g}: <i>{html.escape(entry.query)}</i> — {html.escape(entry.snippet)}</li>" for entry in inputs
    )
    aligned = html.escape("; ".join(correlations) or f"no IR-feature correlation with q < {interpretation.alpha}")
    return f"<br>IR features: {aligned}<br>top-activating held-out inputs:<ul>{items}</ul>"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _num(value: float | None, spec: str = ".3g") -> str:
    return "–" if value is None or not np.isfinite(value) else format(value, spec)


def _interval(low: float | None, high: float | None) -> str:
    return "–" if low is None or high is None else f"[{low:+.2f}, {high:+.2f}]"
