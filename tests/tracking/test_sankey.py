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


def test_one_node_per_coalition_and_one_link_per_kept_edge(chain: list[LayerPairEvents]) -> None:
    trace = _trace(sankey_figure(chain))
    assert trace["type"] == "sankey"
    assert trace["node"]["label"] == [
        "L4 C0 (2)", "L4 C1 (1)", "L4 C2 (3)",
        "L5 C0 (1)", "L5 C1 (2)", "L5 C2 (2)", "L5 C3 (1)",
        "L6 C0 (3)", "L6 C1 (3)",
    ]
    # kept links: 4→5 (0,0) (0,1) (1,2); 5→6 (0,0) (1,0) (2,1); node positions 0..2, 3..6, 7..8
    edges = list(zip(trace["link"]["source"], trace["link"]["target"], strict=True))
    assert edges == [(0, 3), (0, 4), (1, 5), (3, 7), (4, 7), (5, 8)]


def test_link_threshold_is_relative_to_each_pair(chain: list[LayerPairEvents]) -> None:
    trace = _trace(sankey_figure(chain, SankeyOptions(link_threshold=0.9)))
    # 4→5: max S = 6, only S = 6 ≥ 5.4; 5→6: max 3, S = 3 and 2.8 ≥ 2.7
    edges = list(zip(trace["link"]["source"], trace["link"]["target"], strict=True))
    assert edges == [(1, 5), (3, 7), (4, 7)]
    assert max(trace["link"]["value"]) == pytest.approx(1.0)


def test_colours_follow_events(chain: list[LayerPairEvents]) -> None:
    nodes, links = sankey_layout(chain)
    fates = {(node.layer, node.index): node.fate for node in nodes}
    assert fates[(4, 0)] == "split" and fates[(4, 1)] == "persist" and fates[(4, 2)] == "vanish"
    assert fates[(5, 1)] == "none" and fates[(5, 3)] == "vanish" and fates[(6, 0)] == "merge"
    assert [link.type for link in links] == ["persist", "split", "persist", "persist", "merge", "persist"]
    trace = _trace(sankey_figure(chain))
    assert trace["node"]["color"][0] == EVENT_COLORS["split"]
    assert trace["link"]["color"][1].startswith(EVENT_COLORS["split"])


def test_size_filter_and_top_k_drop_nodes_and_their_links(chain: list[LayerPairEvents]) -> None:
    nodes, links = sankey_layout(chain, SankeyOptions(min_size=2))
    assert [(n.layer, n.index) for n in nodes] == [(4, 0), (4, 2), (5, 1), (5, 2), (6, 0), (6, 1)]
    assert [(nodes[l.source].index, nodes[l.target].index) for l in links] == [(0, 1), (1, 0), (2, 1)]
    nodes, links = sankey_layout(chain, SankeyOptions(top_k=1, max_size=2))
    # sizes ≤ 2, then the largest per layer (lower index on ties); layer 6 has only size-3 coalitions
    assert [(n.layer, n.index) for n in nodes] == [(4, 0), (5, 1)]
    assert [(l.source, l.target) for l in links] == [(0, 1)]


def test_html_is_offline_and_matches_the_figure(chain: list[LayerPairEvents], tmp_path: Path) -> None:
    figure = sankey_figure(chain, SankeyOptions(link_threshold=0.9))
    path = write_sankey_html(figure, tmp_path / "out" / "sankey.html")
    html = path.read_text()
    assert "<script src=" not in html and "plotly.js" in html.lower()  # the library is inlined
    assert 'id="hedonic-sankey"' in html
    match = re.search(r'Plotly\.newPlot\(\s*"hedonic-sankey",\s*(\[.*?\]),\s*\{', html, re.S)
    assert match is not None
    (trace,) = json.loads(match.group(1))
    assert len(trace["node"]["label"]) == 9 and len(trace["link"]["source"]) == 3
    assert write_sankey_html(figure, tmp_path / "again.html").read_text() == html


def test_mismatched_layers_and_bad_options_are_refused(
    make_pair: Callable[..., LayerPairEvents], chain: list[LayerPairEvents]
) -> None:
    other = make_pair(5)
    changed = LayerPairEvents(5, 6, ((0, 1, 2, 3, 4, 5),), other.target_coalitions, other.tracking, other.settings)
    with pytest.raises(ConfigError, match="different coalitions"):
        sankey_layout([chain[0], changed])
    for bad in ({"link_threshold": 1.5}, {"min_size": 0}, {"min_size": 3, "max_size": 2}, {"top_k": 0}):
        with pytest.raises(ConfigError):
            SankeyOptions(**bad)
