"""The report of a whole (tiny) run: every section present, renders in a real browser without errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hedonic.pipeline.config import RunConfig
from hedonic.pipeline.run import run_pipeline

SECTIONS = (
    "The run",
    "LoRA update profile",
    "Valuation φ",
    "Coalitions: sizes and stability",
    "Synergy: hedonic coalitions vs baselines",
    "Coalitions across layers",
    "What the coalitions mean",
    "Top coalitions",
)


@pytest.mark.slow
def test_run_report_has_every_section_and_renders(tiny_config: RunConfig, render_in_browser: Callable) -> None:
    layout = run_pipeline(tiny_config).layout
    text = layout.report.read_text()
    for section in SECTIONS:
        assert f">{section}" in text, section
    assert "did not run" not in text and "No synergy evaluation" not in text
    rendered = render_in_browser(layout.report)
    assert rendered.errors == []
    assert rendered.dom.count('class="main-svg"') >= 5
