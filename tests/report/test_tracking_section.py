"""The report's tracking section: link tests, floors, decompositions, and weight links marked by the causal test."""

from __future__ import annotations

from pathlib import Path

from hedonic.layout import RunLayout
from hedonic.report.document import HtmlDocument
from hedonic.report.sections import tracking_section
from hedonic.tracking import save_events
from tests.tracking.conftest import links_pair


def test_weight_links_are_marked_confirmed_or_not_by_the_causal_test(tmp_path: Path) -> None:
    layout = RunLayout(tmp_path)
    save_events(links_pair(), layout.events(4, 5))
    document = HtmlDocument("report")
    tracking_section(document, layout, [4, 5])
    page = "".join(document.blocks)
    for header in (
        "weight links",
        "s_min",
        "causal links",
        "causal s_min",
        "weight links confirmed",
        "log effect: source / target / specific",
    ):
        assert f"<th>{header}</th>" in page or f">{header}<" in page, header
    assert "90% / 5% / 5%" in page and "60% / 30% / 10%" in page and ">1 of 3<" in page
    assert page.count("not confirmed") == 2 and page.count("confirmed (z 4.0)") == 1
    assert "Specific weight links" in page and "s_min (detection floor)" in page and "Rule links (causal, BH 5%)" in page
