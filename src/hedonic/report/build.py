"""The run report: one self-contained HTML page built from the artifacts of a run directory.

Sections: the run (model, layers, stage wall times); LoRA update profile by layer; φ distribution
per analysed layer; coalition sizes and stability; synergy of hedonic coalitions vs baselines (means
with bootstrap CIs, permutation p-values, effect sizes); cross-layer events and their Sankey; what
the coalitions mean (functional importance, IR-feature alignment, cross-domain probes); and cards
for the top coalitions (neurons, synergy, top-activating inputs, IR correlations). Every number is
read from the run's files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hedonic.layout import RunLayout
from hedonic.models import resolve_named
from hedonic.tracking import SankeyOptions
from hedonic.report.document import HtmlDocument
from hedonic.report.sections import (
    coalition_cards,
    lora_section,
    meaning_section,
    partition_section,
    phi_section,
    synergy_section,
    tracking_section,
)

HEADLINE_METRICS = ("pair_abs", "na_abs", "pair", "na")
"""Synergy metrics shown first (absolute values per input, then signed)."""


def write_report(
    layout: RunLayout,
    analysed: Sequence[int],
    evaluated: Sequence[int],
    *,
    timings: Mapping[str, float] | None = None,
    top_coalitions: int = 6,
    sankey: SankeyOptions | None = None,
    notes: Sequence[str] = (),
) -> Path:
    """Build the report of the run in ``layout`` and write it to ``layout.report``; returns the path.

    ``timings``: wall time (s) of each stage, shown in the first section; ``sankey``: what the
    Sankey diagram draws (default: everything, which is slow and large for hundreds of coalitions);
    ``notes``: what loading the model changed (e.g. a head built from the seed), shown first.
    """
    document = HtmlDocument("hedonic report")
    _run_section(document, layout, analysed, evaluated, timings or {})
    for note in notes:
        document.paragraph(f"Model: {note}.", "note")
    lora_section(document, layout)
    phi_section(document, layout, analysed)
    partition_section(document, layout, analysed)
    synergy_section(document, layout, evaluated, HEADLINE_METRICS)
    tracking_section(document, layout, sankey)
    meaning_section(document, layout, evaluated)
    coalition_cards(document, layout, evaluated, top_coalitions)
    return document.write(layout.report)


def _run_section(
    document: HtmlDocument, layout: RunLayout, analysed: Sequence[int], evaluated: Sequence[int], timings: Mapping[str, float]
) -> None:
    document.heading("The run")
    config = _config(layout)
    model = config.get("model", {})
    adapter = model.get("adapter") or ("the shipped adapter" if resolve_named(str(model.get("name", ""))) else "none")
    document.paragraph(
        f"Model {model.get('name', '?')} (adapter: {adapter}, {model.get('dtype', '?')} on {model.get('device', '?')}); "
        f"seed {config.get('seed', '?')}; valuation {config.get('valuation', {}).get('kind', '?')}; "
        f"analysed layers {list(analysed)}; evaluated layers {list(evaluated)}."
    )
    if timings:
        rows = [[name, seconds] for name, seconds in timings.items() if name != "report"]
        rows.append(["total", float(np.sum([seconds for _, seconds in rows]))])
        document.table(["stage", "wall time (s)"], rows)


def _config(layout: RunLayout) -> dict[str, Any]:
    import tomllib

    if not layout.config.is_file():
        return {}
    return tomllib.loads(layout.config.read_text(encoding="utf-8"))
