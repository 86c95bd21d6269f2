"""How a Valuation shows itself: short repr, HTML table, exact pair histogram, Plotly figure."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from hedonic.game import planted_valuation
from hedonic.valuation import Valuation


@pytest.fixture
def valuation() -> Valuation:
    phi, _ = planted_valuation(60, 0.3, seed=1)
    return Valuation(phi.astype(np.float32), "pas-exact", np.arange(100, 160), layer=3, readout="local")


def test_repr_is_one_short_line(valuation: Valuation) -> None:
    text = repr(valuation)
    assert text.startswith("Valuation('pas-exact', layer 3, 60 players")
    assert "\n" not in text and len(text) < 120


def test_html_holds_the_shape_layer_and_players(valuation: Valuation) -> None:
    page = valuation._repr_html_()
    assert "60×60" in page and "<td>3</td>" in page and "neurons 100…159" in page and "local" in page


@pytest.mark.parametrize("bins", [1, 7, 100])
def test_histogram_counts_each_pair_once_against_the_upper_triangle(valuation: Valuation, bins: int) -> None:
    counts, edges = valuation.histogram(bins)
    upper = valuation.phi[np.triu_indices(valuation.n, k=1)]
    expected, _ = np.histogram(upper, bins=edges)
    np.testing.assert_array_equal(counts, expected)


def test_histogram_of_a_nonpositive_phi_takes_the_diagonal_out_of_the_last_bin() -> None:
    phi = -np.ones((4, 4), dtype=np.float32)
    np.fill_diagonal(phi, 0)
    counts, _ = Valuation(phi, "negative", np.arange(4)).histogram(3)
    assert counts.tolist() == [6, 0, 0]


def test_plot_is_one_bar_trace_over_all_pairs(valuation: Valuation) -> None:
    figure = valuation.plot(bins=20)
    assert isinstance(figure, go.Figure) and len(figure.data) == 1
    assert int(np.sum(figure.data[0].y)) == 60 * 59 // 2
    assert figure.layout.yaxis.type == "log"
