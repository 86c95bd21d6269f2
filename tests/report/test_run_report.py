"""The report of a whole (tiny) run: every section present, renders in a real browser without errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hedonic.pipeline.config import RunConfig
from hedonic.pipeline.run import run_pipeline
from tests.report.conftest import check_report_in_browser

SECTIONS = (
    "Verdict",
    "Significant coalitions",
    "Synergy: hedonic coalitions vs baselines",
    "Coalitions: sizes and stability",
    "LoRA update profile",
    "Valuation φ",
    "Coalitions across layers",
    "What the coalitions mean",
    "The run: facts and stage timings",
)
"""The report's sections, in order: verdict first, run facts last."""


def check_sections(text: str) -> None:
    """Every section is there, in order, and nothing says a stage did not run or a piece is missing."""
    positions = [text.find(f">{section}") for section in SECTIONS]
    assert all(p >= 0 for p in positions), [s for s, p in zip(SECTIONS, positions) if p < 0]
    assert positions == sorted(positions), "sections out of order"
    assert "did not run" not in text and "No synergy evaluation" not in text and "Missing pieces" not in text


@pytest.mark.slow
def test_run_report_has_every_section_and_renders(tiny_config: RunConfig, render_in_browser: Callable) -> None:
    layout = run_pipeline(tiny_config).layout
    text = layout.report.read_text()
    check_sections(text)
    assert "hedonic ahead of" in text or "hedonic level with" in text or "hedonic behind" in text
    check_report_in_browser(render_in_browser(layout.report))
