"""Terminal tables (:mod:`rich`) of the comparison of methods, as the CLI prints them (the meaning stage's: :mod:`hedonic.meaning.tables`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hedonic.evaluation.comparison import Comparison


def comparison_tables(comparison: Comparison, metrics: Sequence[str] | None = None) -> list[Any]:
    """One :class:`rich.table.Table` per metric (default: all): methods as rows; ranks first, then means.

    Columns: count, median, Cliff's δ with its interval, the Holm-adjusted rank-test p, then the
    mean with its interval and the Holm-adjusted permutation p of the difference of means; about
    80 characters wide.
    """
    from rich.table import Table

    level = f"{comparison.confidence:.0%}"
    low, high = comparison.size_range
    tables = []
    columns = ("method", "n", "median", f"Cliff's δ [{level} CI]", "p rank", f"mean [{level} CI]", "p perm.")
    for metric in metrics or comparison.metrics:
        table = Table(
            title=f"{metric}, coalitions of size {low}–{high}: {comparison.reference} vs baselines",
            caption=f"p: {comparison.rank_test} rank test and permutation test of the means, Holm over baselines",
        )
        for column in columns:
            if column == "method":
                table.add_column(column, no_wrap=True)
            else:
                table.add_column(column, justify="right", overflow="fold")
        for method in comparison.methods:
            summary = comparison.summary(method, metric)
            count = f"{summary.count}" + (f" (−{summary.dropped})" if summary.dropped else "")
            mean = number_text(summary.mean, ".3g") + " " + _interval(summary.ci_low, summary.ci_high, ".2g")
            if method == comparison.reference:
                table.add_row(method, count, number_text(summary.median, ".3g"), "", "", mean, "")
                continue
            contrast = comparison.contrast(method, metric)
            delta = number_text(contrast.cliffs_delta, "+.2f") + " " + _interval(contrast.delta_ci_low, contrast.delta_ci_high, "+.2f")
            table.add_row(
                method,
                count,
                number_text(summary.median, ".3g"),
                delta,
                number_text(contrast.rank_p_holm, ".2g"),
                mean,
                number_text(contrast.p_holm, ".2g"),
            )
        tables.append(table)
    return tables


def number_text(value: float | None, spec: str = ".4g") -> str:
    """``value`` formatted with ``spec``, or an en dash for an undefined (None) value."""
    return "–" if value is None else format(value, spec)


def _interval(low: float | None, high: float | None, spec: str = ".4g") -> str:
    return "–" if low is None or high is None else f"[{format(low, spec)}, {format(high, spec)}]"
