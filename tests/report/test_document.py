"""The self-contained HTML document renders offline in a real browser."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import plotly.graph_objects as go
import pytest

from hedonic.report.document import HtmlDocument


def _document() -> HtmlDocument:
    document = HtmlDocument("A <test> report")
    document.heading("Section")
    document.paragraph("x < y & z")
    document.table(["name", "value"], [["a", 0.123456], ["b", 3]])
    document.figure(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])))
    document.figure(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])))
    return document


def test_document_is_self_contained_and_deterministic(tmp_path: Path) -> None:
    first = _document().write(tmp_path / "a.html").read_text()
    second = _document().write(tmp_path / "b.html").read_text()
    assert first == second
    assert "A &lt;test&gt; report" in first and "x &lt; y &amp; z" in first and "0.1235" in first
    assert first.count('<script type="text/javascript">') == 1
    assert "<script src=" not in first and "<link" not in first


@pytest.mark.slow
def test_document_renders_without_console_errors(tmp_path: Path, render_in_browser: Callable) -> None:
    rendered = render_in_browser(_document().write(tmp_path / "report.html"))
    assert rendered.errors == []
    assert rendered.dom.count('class="main-svg"') >= 2


@pytest.mark.slow
def test_browser_probe_catches_errors(tmp_path: Path, render_in_browser: Callable) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><head></head><body><script>console.error('boom'); missing();</script></body></html>")
    rendered = render_in_browser(page)
    assert any("boom" in error for error in rendered.errors)
    assert any("missing" in error for error in rendered.errors)


def test_verdict_summary_groups_the_baselines_per_model() -> None:
    from hedonic.evaluation.verdict import BaselineVerdict
    from hedonic.report.headline import summary_lines

    def verdict(model: str, layer: int, baseline: str, kind: str) -> BaselineVerdict:
        return BaselineVerdict(model, layer, "na_abs", "hedonic", baseline, kind, 0.5, 0.1, 0.9, 0.01, "brunner-munzel", 10, 10)

    lines = summary_lines(
        [
            verdict("a", 3, "random", "ahead"),
            verdict("a", 3, "louvain", "level"),
            verdict("a", 4, "random", "ahead"),
            verdict("a", 4, "louvain", "behind"),
            verdict("b", 2, "random", "behind"),
        ]
    )
    assert lines == [
        "Model a, layers 3, 4: hedonic ahead of random; mixed (the layers disagree) against louvain (2 baselines).",
        "Model b, layer 2: hedonic behind random (1 baseline).",
    ]
