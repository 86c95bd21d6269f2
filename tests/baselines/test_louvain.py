"""Louvain communities on the φ friendship graph."""

from __future__ import annotations

import numpy as np
import pytest

from hedonic.baselines import friendship_graph, louvain_baseline

from .conftest import Planted, planted, same_grouping

pytest.importorskip("networkx")


def test_friendship_graph_keeps_top_positive_partners_symmetrically() -> None:
    phi = np.array([[0, 3, 1, -1], [3, 0, -2, 2], [1, -2, 0, -1], [-1, 2, -1, 0]], dtype=np.float64)
    graph = friendship_graph(phi, neighbours=1).toarray()
    np.testing.assert_allclose(graph, graph.T)
    np.testing.assert_allclose(graph, [[0, 1, 1 / 3, 0], [1, 0, 0, 2 / 3], [1 / 3, 0, 0, 0], [0, 2 / 3, 0, 0]])


def test_louvain_recovers_planted_groups(data: Planted) -> None:
    partition = louvain_baseline(data.phi, np.arange(data.groups.size), neighbours=5, seed=0)
    assert same_grouping(partition.labels(), data.groups)


def test_resolution_search_approaches_the_requested_count() -> None:
    many = planted(seed=3, groups=12, size=5)
    partition = louvain_baseline(many.phi, np.arange(many.groups.size), n_clusters=12, neighbours=4, seed=0)
    assert abs(partition.parameters["n_clusters_found"] - 12) <= 1
    assert partition.parameters["resolution"] > 0


def test_louvain_is_deterministic_for_a_seed(data: Planted) -> None:
    ids = np.arange(data.groups.size)
    first = louvain_baseline(data.phi, ids, n_clusters=9, seed=4, match_to=[6] * 8)
    assert first == louvain_baseline(data.phi, ids, n_clusters=9, seed=4, match_to=[6] * 8)
    assert first.sizes().tolist() == [6] * 8
