"""The report of a whole (tiny) run: every section present, renders in a real browser without errors."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

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
    assert all(p >= 0 for p in positions), [s for s, p in zip(SECTIONS, positions, strict=True) if p < 0]
    assert positions == sorted(positions), "sections out of order"
    assert "did not run" not in text and "No synergy evaluation" not in text and "Missing pieces" not in text


@pytest.mark.slow
def test_run_report_has_every_section_and_renders(tiny_config: RunConfig, render_in_browser: Callable) -> None:
    layout = run_pipeline(tiny_config).layout
    text = layout.report.read_text()
    check_sections(text)
    assert "hedonic ahead of" in text or "hedonic level with" in text or "hedonic behind" in text
    check_report_in_browser(render_in_browser(layout.report))


PAYLOADS = {
    "query": '<script>alert("xss-query")</script>',
    "text": '<img src=x onerror=alert("xss-text")>',
    "qid": '"><svg onload=alert("xss-qid")>',
}
"""Markup an attacker could put in a dataset's query, passage and qid fields."""


def test_query_passage_and_qid_text_cannot_inject_markup_into_the_report(
    tiny_config: RunConfig, datasets: tuple[Path, Path], tmp_path: Path
) -> None:
    """Issue 28, the injection try: every text of the data reaches the report escaped, and no script block is closed early."""
    from hedonic.data import read_pairs
    from hedonic.data.writers import write_jsonl

    def poisoned(path: Path) -> str:
        pairs = [
            replace(pair, qid=PAYLOADS["qid"] + pair.qid, query=f"{PAYLOADS['query']} {pair.query}", text=f"{PAYLOADS['text']} {pair.text}")
            for pair in read_pairs(path)
        ]
        return str(write_jsonl(pairs, tmp_path / path.name))

    inputs, heldout = datasets
    data = replace(tiny_config.data, inputs=poisoned(inputs), heldout=poisoned(heldout))
    evaluation = replace(tiny_config.evaluation, alpha=0.999)  # (nearly) every coalition gets a card with its top inputs
    layout = run_pipeline(replace(tiny_config, data=data, evaluation=evaluation)).layout
    report = layout.report.read_text()
    for page in (report, layout.sankey.read_text()):
        assert not [payload for payload in PAYLOADS.values() if payload in page]
        assert page.count("<script") == page.count("</script>")
    assert html.escape(PAYLOADS["query"]) in report and html.escape(PAYLOADS["text"]) in report  # the texts reached the page
