"""How the events of a layer pair show themselves: short repr, HTML table, Sankey figure."""

from __future__ import annotations

from dataclasses import replace

import plotly.graph_objects as go

from hedonic.tracking import EVENT_TYPES, LayerPairEvents, LinkTests
from tests.tracking.conftest import links_pair, pair_result


def test_repr_and_html_give_every_event_share_and_the_specific_links() -> None:
    pair = replace(pair_result(4), link_tests=LinkTests(((0, 0, 4.2, 0.01),), 12), intervals={kind: (0.0, 50.0) for kind in EVENT_TYPES})
    shares = pair.tracking.percentages()
    text = repr(pair)
    assert text.startswith("LayerPairEvents(4→5: 3→4 coalitions") and "weight links 1 of 12" in text and "\n" not in text
    page = pair._repr_html_()
    for kind in EVENT_TYPES:
        assert f"<th style='text-align:left'>{kind}</th><td>{shares[kind]:.0f}% [0, 50]</td>" in page
    assert "<td>1 of 12</td>" in page


def test_plot_is_the_sankey_of_the_pair() -> None:
    pair: LayerPairEvents = pair_result(4)
    figure = pair.plot()
    assert isinstance(figure, go.Figure) and isinstance(figure.data[0], go.Sankey)


def test_the_links_rule_shows_both_measures_their_floors_and_the_confirmed_links() -> None:
    pair = links_pair()
    text = repr(pair)
    assert "rule links (causal, BH 5%)" in text and "weight links 3 of 12 (s_min 0.1; log S: source 90%, target 5%, specific 5%)" in text
    assert "causal links 2 of 12 (1 of 3 weight links confirmed; s_min 0.2; log effect: source 60%, target 30%, specific 10%)" in text
    from hedonic.tracking import link_notes

    assert "causal s_min (links planted into the model's weights, the same grid): 4→5 0.2" in link_notes([pair])
    page = pair._repr_html_()
    assert "<td>1 of 3</td>" in page and "<td>s_min 0.2</td>" in page and "<td>s_min 0.1</td>" in page
