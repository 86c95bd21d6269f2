"""Random groups of exact sizes and post-hoc size matching."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.baselines import check_target_sizes, cluster_affinity, match_sizes, random_baseline, random_labels
from hedonic.errors import ConfigError


def _sizes_of(labels: np.ndarray) -> list[int]:
    return sorted(np.bincount(labels)[np.bincount(labels) > 0].tolist())


@st.composite
def sizes_and_clustering(draw: st.DrawFn) -> tuple[list[int], np.ndarray, np.ndarray]:
    sizes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=8))
    n = sum(sizes)
    k = draw(st.integers(1, n))
    labels = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    labels = np.unique(labels, return_inverse=True)[1]
    seed = draw(st.integers(0, 2**16))
    affinity = np.random.default_rng(seed).normal(size=(n, int(labels.max()) + 1))
    return sizes, labels, affinity


@given(sizes_and_clustering())
@settings(max_examples=60, deadline=None)
def test_match_sizes_gives_exactly_the_target_sizes(case: tuple[list[int], np.ndarray, np.ndarray]) -> None:
    sizes, labels, affinity = case
    matched = match_sizes(labels, affinity, sizes)
    assert _sizes_of(matched) == sorted(sizes)
    assert np.array_equal(matched, match_sizes(labels, affinity, sizes))


def test_match_sizes_keeps_a_clustering_that_already_fits() -> None:
    labels = np.array([2, 0, 2, 1, 2, 0])
    affinity = np.random.default_rng(0).normal(size=(6, 3))
    matched = match_sizes(labels, affinity, [1, 3, 2])
    assert matched.tolist() == [0, 1, 0, 2, 0, 1]


def test_match_sizes_trims_the_least_fitting_member_and_gives_it_the_best_slot() -> None:
    labels = np.array([0, 0, 0, 1])
    affinity = np.array([[0.9, 0.0], [0.8, 0.1], [0.1, 0.7], [0.0, 1.0]])
    matched = match_sizes(labels, affinity, [2, 2])
    assert matched.tolist() == [0, 0, 1, 1]


def test_match_sizes_with_fewer_clusters_than_slots_fills_empty_slots() -> None:
    labels = np.zeros(5, dtype=np.int64)
    affinity = np.linspace(1, 0, 5)[:, None]
    matched = match_sizes(labels, affinity, [2, 2, 1])
    assert _sizes_of(matched) == [1, 2, 2]
    assert matched[:2].tolist() == [0, 0]


def test_cluster_affinity_is_the_mean_similarity_to_the_other_members() -> None:
    similarity = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, -0.4], [0.2, -0.4, 1.0]])
    affinity = cluster_affinity(similarity, np.array([0, 0, 1]))
    np.testing.assert_allclose(affinity, [[0.5, 0.2], [0.5, -0.4], [(0.2 - 0.4) / 2, 0.0]])


def test_random_labels_have_exact_sizes_and_follow_the_seed() -> None:
    sizes = [5, 3, 3, 1, 8]
    first = random_labels(20, sizes, seed=4)
    assert _sizes_of(first) == sorted(sizes)
    assert np.array_equal(first, random_labels(20, sizes, seed=4))
    assert not np.array_equal(first, random_labels(20, sizes, seed=5))


def test_random_baseline_partitions_the_given_neurons() -> None:
    partition = random_baseline([10, 3, 7, 40], [3, 1], seed=0, layer=2)
    assert partition.neurons == (3, 7, 10, 40)
    assert sorted(partition.sizes().tolist()) == [1, 3]
    assert partition.method == "random" and partition.layer == 2 and partition.seed == 0


@pytest.mark.parametrize(("sizes", "n", "problem"), [([2, 0, 3], 5, "≥ 1"), ([2, 2], 5, "sum to 4")])
def test_bad_target_sizes_are_refused(sizes: list[int], n: int, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        check_target_sizes(sizes, n)
