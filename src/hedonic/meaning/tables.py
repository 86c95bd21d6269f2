"""Terminal tables (:mod:`rich`) and summary lines of a meaning result, as the CLI prints them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from hedonic.evaluation.tables import comparison_tables, number_text
from hedonic.meaning.importance import NULL_METHOD

if TYPE_CHECKING:
    from hedonic.meaning.explain import MeaningResult
    from hedonic.meaning.interpretation import AlignmentSummary, TopInput


def meaning_tables(result: MeaningResult, *, rows: int = 10) -> list[Any]:
    """:class:`rich.table.Table` s of ``result``: importance (per metric, most important coalitions),
    interpretation (most aligned coalitions, top inputs, alignment per method) and probes.

    ``rows`` bounds the per-coalition tables.
    """
    return [
        *comparison_tables(result.importance_comparison),
        _important_table(result, rows),
        _aligned_table(result),
        _top_inputs_table(result, min(3, rows)),
        _alignment_table(result),
        _probe_table(result),
    ]


def ranked_coalitions(result: MeaningResult) -> list[int]:
    """Indices of the reference coalitions, most important first (by nDCG drop, then score drop)."""
    rows = result.importance.of(result.settings.reference)
    return [row.index for row in sorted(rows, key=lambda r: (-(r.ndcg_drop or 0.0), -r.score_drop, r.index))]


def _important_table(result: MeaningResult, rows: int) -> Any:
    from rich.table import Table

    importance = result.importance
    contrasts = {(c.index, c.metric): c for c in result.null_contrasts if c.method == result.settings.reference}
    table = Table(
        title=f"Most important {result.settings.reference} coalitions, layer {result.layer} "
        f"({importance.readout} readout, {importance.mode} ablation; clean nDCG@{importance.k} = {number_text(importance.clean_ndcg, '.3f')}, "
        f"MRR = {number_text(importance.clean_mrr, '.3f')} on {importance.num_ranked} queries); pct = share of random groups of the same size it beats"
    )
    for column in ("#", "size", "score drop", "pct", "nDCG drop", "pct", "MRR drop", "pct"):
        table.add_column(column, justify="right")
    by_index = {row.index: row for row in importance.of(result.settings.reference)}
    for index in ranked_coalitions(result)[:rows]:
        row = by_index[index]
        cells = [str(index), str(len(row.neurons))]
        for metric in ("score_drop", "ndcg_drop", "mrr_drop"):
            contrast = contrasts.get((index, metric))
            cells += [number_text(row.metric(metric)), number_text(None if contrast is None else contrast.percentile, ".2f")]
        table.add_row(*cells)
    return table


def _aligned_table(result: MeaningResult) -> Any:
    from rich.table import Table

    interpretation = result.interpretation
    by_key = {(c.index, c.feature): c for c in interpretation.correlations}
    table = Table(
        title=f"{interpretation.method} coalitions most aligned with each IR feature (q: Benjamini–Hochberg over all coalition × feature tests)"
    )
    for column in ("feature", "#", "size", "Pearson r", "q", "Spearman ρ", "q"):
        table.add_column(column, justify="left" if column == "feature" else "right")
    sizes = [len(c) for c in result.coalitions(interpretation.method)]
    for feature, indices in interpretation.aligned.items():
        for index in indices:
            entry = by_key[index, feature]
            table.add_row(
                feature,
                str(index),
                str(sizes[index]),
                number_text(entry.pearson_r, ".3f"),
                number_text(entry.pearson_q, ".2g"),
                number_text(entry.spearman_rho, ".3f"),
                number_text(entry.spearman_q, ".2g"),
            )
    return table


def _top_inputs_table(result: MeaningResult, coalitions: int) -> Any:
    from rich.table import Table

    table = Table(title=f"Top-activating held-out inputs of the {coalitions} most important coalitions")
    for column in ("#", "rank", "activation", "query", "document"):
        table.add_column(column, justify="right" if column in ("#", "rank", "activation") else "left")
    by_index: dict[int, list[TopInput]] = {}
    for entry in result.interpretation.top_inputs:
        by_index.setdefault(entry.index, []).append(entry)
    for index in ranked_coalitions(result)[:coalitions]:
        for entry in by_index.get(index, []):
            table.add_row(str(index), str(entry.rank + 1), f"{entry.activation:.3g}", entry.query, entry.snippet)
    return table


def _alignment_table(result: MeaningResult) -> Any:
    from rich.table import Table

    table = Table(title="Alignment of each method's groups with the IR features (random: mean over draws)")
    for column in ("method", "draws", "groups", "significant tests", "mean max |r|"):
        table.add_column(column, justify="left" if column == "method" else "right")
    by_method: dict[str, list[AlignmentSummary]] = {}
    for summary in result.interpretation.summaries:
        by_method.setdefault(summary.method, []).append(summary)
    for method, summaries in by_method.items():
        shares = [s.significant_share for s in summaries if s.significant_share is not None]
        strengths = [s.mean_max_abs_r for s in summaries if s.mean_max_abs_r is not None]
        table.add_row(
            method,
            str(len(summaries)),
            str(summaries[0].coalitions),
            number_text(float(np.mean(shares)) if shares else None, ".1%"),
            number_text(float(np.mean(strengths)) if strengths else None, ".3f"),
        )
    return table


def _probe_table(result: MeaningResult) -> Any:
    from rich.table import Table

    summaries = {(s.method, s.feature): s for s in result.probe_summary}
    methods = list(dict.fromkeys(s.method for s in result.probe_summary))
    pairs = max((s.pairs for s in result.probe_summary), default=0)
    table = Table(
        title=f"Cross-domain ridge probes: R² on unseen domains, mean over {pairs} (train, test) domain pairs; random: mean ± sd over draws; > random: share of random draws beaten"
    )
    table.add_column("feature")
    for method in methods:
        table.add_column(method, justify="right")
    others = [m for m in methods if m != NULL_METHOD]
    for method in others:
        table.add_column(f"{method} > random", justify="right")
    for feature in result.interpretation.features:
        cells = [feature]
        for method in methods:
            summary = summaries.get((method, feature))
            text = "–" if summary is None else number_text(summary.mean_r2, ".3f")
            if summary is not None and summary.std_r2 is not None:
                text += f" ± {summary.std_r2:.3f}"
            cells.append(text)
        for method in others:
            summary = summaries.get((method, feature))
            cells.append(number_text(None if summary is None else summary.null_share_below, ".0%"))
        table.add_row(*cells)
    return table


def summary_lines(result: MeaningResult) -> list[str]:
    """A few plain sentences with the headline numbers: importance vs random and baselines, probes."""
    reference = result.settings.reference
    comparison = result.importance_comparison
    lines = []
    for metric in ("score_drop", "ndcg_drop"):
        ours = comparison.summary(reference, metric)
        parts = [f"{metric}: {reference} median {number_text(ours.median)}, mean {number_text(ours.mean)} over {ours.count} coalitions"]
        for method in comparison.methods[1:]:
            other, contrast = comparison.summary(method, metric), comparison.contrast(method, metric)
            parts.append(
                f"{method} median {number_text(other.median)} (Cliff's δ {number_text(contrast.cliffs_delta, '+.2f')}, "
                f"{contrast.rank_test} Holm p {number_text(contrast.rank_p_holm, '.3g')})"
            )
        lines.append("; ".join(parts))
    beating = [c for c in result.null_contrasts if c.method == reference and c.metric == "score_drop" and c.percentile is not None]
    if beating:
        top = sum(1 for c in beating if c.percentile == 1.0)
        lines.append(f"{top} of {len(beating)} {reference} coalitions lower the score more than every random group of their size")
    summaries = {(s.method, s.feature): s for s in result.probe_summary}
    features = result.interpretation.features
    for method in dict.fromkeys(s.method for s in result.probe_summary):
        if method == reference:
            continue
        wins = [
            f
            for f in features
            if (reference, f) in summaries
            and (method, f) in summaries
            and summaries[reference, f].mean_r2 is not None
            and summaries[method, f].mean_r2 is not None
            and summaries[reference, f].mean_r2 > summaries[method, f].mean_r2  # type: ignore[operator]
        ]
        lines.append(
            f"probes: {reference} has the higher cross-domain R² than {method} on {len(wins)} of {len(features)} IR features ({', '.join(wins) or 'none'})"
        )
    lines.extend(result.notes)
    return lines
