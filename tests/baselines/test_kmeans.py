"""Weight features and spherical k-means."""

from __future__ import annotations

import numpy as np
import pytest

from hedonic.baselines import spherical_kmeans, spherical_kmeans_baseline, weight_features
from hedonic.errors import ConfigError

from .conftest import Planted, same_grouping


def test_features_are_unit_and_their_cosine_is_the_mean_blockwise_cosine(data: Planted) -> None:
    features = weight_features(data.w_in, data.w_out).astype(np.float64)
    np.testing.assert_allclose(np.linalg.norm(features, axis=1), 1.0, rtol=1e-6)
    blocks = [data.w_in["gate"], data.w_in["up"], data.w_out.T]
    cosines = [(b[0] @ b[1]) / np.linalg.norm(b[0]) / np.linalg.norm(b[1]) for b in blocks]
    assert features[0] @ features[1] == pytest.approx(np.mean(cosines), rel=1e-5)


def test_features_ignore_each_neurons_weight_scale(data: Planted) -> None:
    rescaled = {name: w * np.linspace(0.1, 9, w.shape[0])[:, None] for name, w in data.w_in.items()}
    np.testing.assert_allclose(weight_features(rescaled, data.w_out), weight_features(data.w_in, data.w_out), atol=1e-6)


def test_features_refuse_mismatched_blocks(data: Planted) -> None:
    with pytest.raises(ConfigError, match="shape"):
        weight_features({"fc": data.w_in["gate"][:-1]}, data.w_out)


def test_spherical_kmeans_recovers_planted_groups(data: Planted) -> None:
    result = spherical_kmeans(weight_features(data.w_in, data.w_out), 6, seed=0)
    assert same_grouping(result.labels, data.groups)
    np.testing.assert_allclose(np.linalg.norm(result.centroids, axis=1), 1.0, rtol=1e-5)


def test_spherical_kmeans_is_deterministic_for_a_seed(data: Planted) -> None:
    features = np.random.default_rng(1).normal(size=(50, 8))
    first = spherical_kmeans(features, 7, seed=3)
    assert np.array_equal(first.labels, spherical_kmeans(features, 7, seed=3).labels)
    assert first.objective == spherical_kmeans(features, 7, seed=3).objective


def test_every_cluster_gets_a_member_even_with_duplicate_points() -> None:
    features = np.repeat(np.eye(2), 5, axis=0)
    result = spherical_kmeans(features, 4, seed=0, n_init=1)
    assert np.bincount(result.labels, minlength=4).min() >= 1


def test_spherical_kmeans_refuses_more_clusters_than_points() -> None:
    with pytest.raises(ConfigError, match="clusters"):
        spherical_kmeans(np.eye(3), 4)


def test_baseline_partition_records_its_parameters(data: Planted) -> None:
    ids = np.arange(100, 100 + data.groups.size)
    sizes = [10, 10, 8, 8, 6, 6]
    partition = spherical_kmeans_baseline(weight_features(data.w_in, data.w_out), ids, 6, seed=2, match_to=sizes, layer=5)
    assert partition.neurons == tuple(ids.tolist())
    assert sorted(partition.sizes().tolist()) == sorted(sizes)
    assert partition.method == "spherical-kmeans" and partition.seed == 2 and partition.layer == 5
    assert partition.parameters["size_matching"] is True and partition.parameters["n_clusters_found"] == 6
