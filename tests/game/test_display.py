"""How a Partition and its Stability show themselves: short repr, HTML tables, size-distribution figure."""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
import pytest

from hedonic.game import Partition, Stability, discover, planted_valuation


@pytest.fixture(scope="module")
def partition() -> Partition:
    phi, _ = planted_valuation(120, 0.3, seed=2)
    return discover(phi, seed=0)


def test_repr_says_sizes_and_stability(partition: Partition) -> None:
    text = repr(partition)
    assert f"{partition.n_players} players in {len(partition.coalitions)} coalitions" in text
    assert f"largest {partition.largest()}" in text and "Nash stable" in text
    assert "\n" not in text


def test_html_lists_every_size_and_the_stability_statement(partition: Partition) -> None:
    page = partition._repr_html_()
    for size, count in partition.size_distribution().items():
        assert f"<tr><td>{size}</td><td>{count}</td><td>{size * count}</td></tr>" in page
    assert html.escape(partition.stability.statement) in page


def test_html_of_a_partition_without_stability_and_an_odd_method_name_is_escaped() -> None:
    plain = Partition.from_labels([0, 0, 1, 1, 2, 2, 3, 3, 4, 4], "<b>k-means</b>")
    page = plain._repr_html_()
    assert "&lt;b&gt;k-means&lt;/b&gt;" in page and "<b>" not in page and "Stability" not in page
    assert "DEGENERATE" not in repr(plain)


def test_repr_flags_a_degenerate_partition() -> None:
    assert "DEGENERATE" in repr(Partition.from_labels(np.zeros(10, dtype=int), "giant"))


def test_plot_is_one_bar_trace_of_neurons_per_size(partition: Partition) -> None:
    figure = partition.plot()
    assert isinstance(figure, go.Figure) and len(figure.data) == 1
    bars = figure.data[0]
    assert list(bars.x) == [str(size) for size in partition.size_distribution()]
    assert sum(bars.y) == partition.n_players


def test_stability_shows_violations_when_not_nash_stable() -> None:
    stability = Stability(
        preference={"kind": "additive"}, nash_stable=False, nash_violations=3, individually_stable=False, individual_violations=1
    )
    assert repr(stability) == "Stability(3 Nash violations)"
    page = stability._repr_html_()
    assert "no (3 neurons gain by moving)" in page and html.escape(stability.statement) in page


def test_stability_html_holds_the_sampled_core_bound(partition: Partition) -> None:
    stability = partition.stability
    page = stability._repr_html_()
    assert f"{stability.blocking} of {stability.samples} block" in page
    assert f"core ε ≤ {stability.epsilon_upper:.3g}" in repr(stability)
