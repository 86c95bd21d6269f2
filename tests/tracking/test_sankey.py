"""Sankey: one node per drawn coalition, one link per drawn edge, colours by event, offline HTML."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from hedonic.errors import ConfigError
from hedonic.tracking import LayerPairEvents, SankeyOptions, sankey_figure, sankey_layout, write_sankey_html
from hedonic.tracking.sankey import EVENT_COLORS


def _trace(figure: object) -> dict:
    (trace,) = json.loads(figure.to_json())["data"]  # type: ignore[attr-defined]
    return trace


def _edges(trace: dict) -> list[tuple[str, str]]:
    labels = trace["node"]["label"]
    return [(labels[a], labels[b]) for a, b in zip(trace["link"]["source"], trace["link"]["target"], strict=True)]


def test_one_node_per_coalition_and_one_link_per_kept_edge(chain: list[LayerPairEvents]) -> None:
    trace = _trace(sankey_figure(chain))
    assert trace["type"] == "sankey"
    # nodes with a drawn link first (plotly.js misplaces nodes after an unlinked one), then the rest
    assert trace["node"]["label"] == [
        "L4 C0 (2)",
        "L4 C1 (1)",
        "L5 C0 (1)",
        "L5 C1 (2)",
        "L5 C2 (2)",
        "L6 C0 (3)",
        "L6 C1 (3)",
        "L4 C2 (3)",
        "L5 C3 (1)",
    ]
    # kept links: 4→5 (0,0) (0,1) (1,2); 5→6 (0,0) (1,0) (2,1)
    assert _edges(trace) == [
        ("L4 C0 (2)", "L5 C0 (1)"),
        ("L4 C0 (2)", "L5 C1 (2)"),
        ("L4 C1 (1)", "L5 C2 (2)"),
        ("L5 C0 (1)", "L6 C0 (3)"),
        ("L5 C1 (2)", "L6 C0 (3)"),
        ("L5 C2 (2)", "L6 C1 (3)"),
    ]
    assert trace["node"]["x"][:2] == pytest.approx([0.001, 0.001]) and trace["node"]["x"][5] == pytest.approx(0.999)


def test_link_threshold_is_relative_to_the_source_strongest_link(chain: list[LayerPairEvents]) -> None:
    trace = _trace(sankey_figure(chain, SankeyOptions(link_threshold=0.9)))
    # 4→5: source 0 links S = 5 and 4 (4/5 = 0.8 < 0.9 dropped); every other source has one link
    assert _edges(trace) == [
        ("L4 C0 (2)", "L5 C0 (1)"),
        ("L4 C1 (1)", "L5 C2 (2)"),
        ("L5 C0 (1)", "L6 C0 (3)"),
        ("L5 C1 (2)", "L6 C0 (3)"),
        ("L5 C2 (2)", "L6 C1 (3)"),
    ]
    assert trace["link"]["value"] == pytest.approx([1.0] * 5)
    widths = _trace(sankey_figure(chain))["link"]["value"]
    assert widths == pytest.approx([1.0, 0.8, 1.0, 1.0, 1.0, 1.0])


def test_colours_follow_events(chain: list[LayerPairEvents]) -> None:
    nodes, links = sankey_layout(chain)
    fates = {(node.layer, node.index): node.fate for node in nodes}
    assert fates[(4, 0)] == "split" and fates[(4, 1)] == "persist" and fates[(4, 2)] == "vanish"
    assert fates[(5, 1)] == "none" and fates[(5, 3)] == "vanish" and fates[(6, 0)] == "merge"
    assert [link.type for link in links] == ["persist", "split", "persist", "persist", "merge", "persist"]
    trace = _trace(sankey_figure(chain))
    assert trace["node"]["color"][0] == EVENT_COLORS["split"] and trace["node"]["color"][7] == EVENT_COLORS["vanish"]
    assert trace["link"]["color"][1].startswith(EVENT_COLORS["split"])


def test_size_filter_and_top_k_drop_nodes_and_their_links(chain: list[LayerPairEvents]) -> None:
    nodes, links = sankey_layout(chain, SankeyOptions(min_size=2))
    assert [(n.layer, n.index) for n in nodes] == [(4, 0), (4, 2), (5, 1), (5, 2), (6, 0), (6, 1)]
    assert [(nodes[link.source].index, nodes[link.target].index) for link in links] == [(0, 1), (1, 0), (2, 1)]
    nodes, links = sankey_layout(chain, SankeyOptions(top_k=1, max_size=2))
    # sizes ≤ 2, then the largest per layer (lower index on ties); layer 6 has only size-3 coalitions
    assert [(n.layer, n.index) for n in nodes] == [(4, 0), (5, 1)]
    assert [(link.source, link.target) for link in links] == [(0, 1)]


def test_html_is_offline_and_matches_the_figure(chain: list[LayerPairEvents], tmp_path: Path) -> None:
    figure = sankey_figure(chain, SankeyOptions(link_threshold=0.9))
    path = write_sankey_html(figure, tmp_path / "out" / "sankey.html")
    html = path.read_text()
    assert "<script src=" not in html and "plotly.js" in html.lower()  # the library is inlined
    assert 'id="hedonic-sankey"' in html
    match = re.search(r'Plotly\.newPlot\(\s*"hedonic-sankey",\s*(\[.*?\]),\s*\{', html, re.S)
    assert match is not None
    (trace,) = json.loads(match.group(1))
    assert len(trace["node"]["label"]) == 9 and len(trace["link"]["source"]) == 5
    assert write_sankey_html(figure, tmp_path / "again.html").read_text() == html


def test_mismatched_layers_and_bad_options_are_refused(make_pair: Callable[..., LayerPairEvents], chain: list[LayerPairEvents]) -> None:
    other = make_pair(5)
    changed = LayerPairEvents(5, 6, ((0, 1, 2, 3, 4, 5),), other.target_coalitions, other.tracking, other.settings)
    with pytest.raises(ConfigError, match="different coalitions"):
        sankey_layout([chain[0], changed])
    for bad in ({"link_threshold": 1.5}, {"min_size": 0}, {"min_size": 3, "max_size": 2}, {"top_k": 0}):
        with pytest.raises(ConfigError):
            SankeyOptions(**bad)
