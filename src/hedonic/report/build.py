"""The run report: one self-contained HTML page built from the artifacts of a run directory.

Order: what a reader acts on first, how it was obtained last.

1. **Verdict** — per evaluated layer and baseline, hedonic ahead of / level with / behind it on
   held-out synergy (Cliff's δ, its CI, the Holm-adjusted rank-test p), per model over the layers,
   and each method's share of coalitions more synergistic than random; then the list of missing
   artifacts, if any (:mod:`hedonic.report.headline`, :mod:`hedonic.report.contents`); then the
   same verdict on the synergy of the computation, norms free and frozen
   (:mod:`hedonic.report.decomposition`).
2. **Significant coalitions** — cards of the strongest hedonic coalitions that beat their
   size-matched random groups: members, held-out synergy, z, p, q, top-activating inputs and
   IR-feature correlations.
3. Details: synergy tables (ranks first, means second) and per-coalition distributions on log
   axes, the per-coalition z-scores; the decomposition into computation and norm coupling; coalition sizes (log₂-spaced bins) and stability; the LoRA
   update profile; φ; events across layers with bootstrap intervals and the Sankey of the tracked
   coalitions; what the coalitions mean (importance, IR alignment, probes).
4. **The run** — model, adapter, seed, layers, and the stage wall times.

Every number is read from the run's files; one file, plotly.js inlined, opens offline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hedonic.report.contents import Missing, missing_artifacts, read_config
from hedonic.report.decomposition import decomposition_section, decomposition_verdict
from hedonic.report.document import HtmlDocument
from hedonic.report.headline import findings_section, verdict_section
from hedonic.report.sections import (
    lora_section,
    meaning_section,
    partition_section,
    phi_section,
    run_section,
    synergy_section,
    tracking_section,
)

if TYPE_CHECKING:
    from hedonic.layout import RunLayout
    from hedonic.tracking import SankeyOptions

HEADLINE_METRICS = ("na_abs", "pair_abs", "pair", "na")
"""Synergy metrics shown in the detail tables (absolute values per input, then signed)."""


@dataclass(frozen=True)
class ReportResult:
    """The written report's ``path`` and the ``missing`` artifacts it names."""

    path: Path
    missing: tuple[Missing, ...]

    def warnings(self) -> list[str]:
        """One line per missing artifact."""
        return [entry.message() for entry in self.missing]


def write_report(
    layout: RunLayout,
    analysed: Sequence[int],
    evaluated: Sequence[int],
    *,
    timings: Mapping[str, float] | None = None,
    top_coalitions: int = 6,
    sankey: SankeyOptions | None = None,
    notes: Sequence[str] = (),
) -> ReportResult:
    """Build the report of the run in ``layout`` and write it to ``layout.report`` (see the module docstring).

    ``timings``: wall time (s) of each stage, shown in the last section; ``top_coalitions``: cards
    per evaluated layer; ``sankey``: what the Sankey diagram draws (default: every tracked coalition);
    ``notes``: what loading the model changed (e.g. a head built from the seed), shown right after
    the verdict.
    """
    config = read_config(layout)
    missing = missing_artifacts(layout, analysed, evaluated, config)
    document = HtmlDocument("hedonic report")
    verdict_section(document, layout, evaluated, missing)
    decomposition_verdict(document, layout, evaluated)
    for note in notes:
        document.paragraph(f"Model: {note}.", "note")
    findings_section(document, layout, evaluated, top_coalitions)
    synergy_section(document, layout, evaluated, HEADLINE_METRICS)
    decomposition_section(document, layout, evaluated)
    partition_section(document, layout, analysed)
    lora_section(document, layout)
    phi_section(document, layout, analysed)
    tracking_section(document, layout, analysed, sankey)
    meaning_section(document, layout, evaluated)
    run_section(document, layout, config, analysed, evaluated, timings or {})
    return ReportResult(document.write(layout.report), tuple(missing))
