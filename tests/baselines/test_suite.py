"""Running every baseline against a reference partition."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hedonic.baselines import BASELINE_METHODS, BaselineInputs, activation_correlation, run_baselines, weight_features
from hedonic.errors import ConfigError
from hedonic.game import Partition, load_partition, save_partition

from .conftest import Planted, planted, stats_of


def _inputs(data: Planted, offset: int = 0) -> BaselineInputs:
    rho = activation_correlation(stats_of(data.activations))
    ids = np.arange(data.groups.size) + offset
    return BaselineInputs(ids, data.phi, weight_features(data.w_in, data.w_out), rho)


def _reference(neurons: list[int], sizes: list[int]) -> Partition:
    labels = np.repeat(np.arange(len(sizes)), sizes)
    return Partition.from_labels(labels, "hedonic", neurons=neurons, layer=3)


def test_every_baseline_matches_the_reference_sizes(data: Planted) -> None:
    pytest.importorskip("networkx")
    sizes = [12, 10, 8, 6, 4, 4, 2, 1, 1]
    reference = _reference(list(range(data.groups.size)), sizes)
    run = run_baselines(reference, _inputs(data), seed=0)
    assert set(run.partitions) == set(BASELINE_METHODS) and not run.skipped
    for method, partition in run.partitions.items():
        assert partition.method == method and partition.layer == 3
        assert partition.neurons == reference.neurons
        assert sorted(partition.sizes().tolist()) == sorted(sizes), method
        assert partition.parameters["reference_method"] == "hedonic"
        assert run.seconds[method] >= 0


def test_a_heavy_tailed_reference_is_matched_at_every_size() -> None:
    """Issue 27: the whole size distribution, a coalition of half the layer and the singletons included, not only sizes 4–32."""
    pytest.importorskip("networkx")
    data = planted(seed=1, groups=10, size=8)
    sizes = [40, 17, 9, 5, 3, 2, 1, 1, 1, 1]
    reference = _reference(list(range(data.groups.size)), sizes)
    run = run_baselines(reference, _inputs(data), seed=0, kmeans_n_init=1)
    assert set(run.partitions) == set(BASELINE_METHODS) and not run.skipped
    for method, partition in run.partitions.items():
        assert partition.size_distribution() == reference.size_distribution(), method
        assert partition.large_coalitions() == reference.large_coalitions() == [40, 17]


def test_without_size_matching_clusterings_keep_their_own_sizes(data: Planted) -> None:
    reference = _reference(list(range(data.groups.size)), [8] * 6)
    run = run_baselines(reference, _inputs(data), ["spherical-kmeans", "random"], seed=0, match_sizes=False, kmeans_n_init=1)
    assert run.partitions["spherical-kmeans"].parameters["size_matching"] is False
    assert run.partitions["spherical-kmeans"].parameters["n_init"] == 1
    assert run.partitions["random"].sizes().tolist() == [8] * 6


def test_baselines_use_only_the_reference_players(data: Planted) -> None:
    players = list(range(1000, 1000 + data.groups.size, 2))
    reference = _reference(players, [6, 6, 6, 6])
    run = run_baselines(reference, _inputs(data, offset=1000), ["spectral", "agglomerative"], seed=1)
    for partition in run.partitions.values():
        assert partition.neurons == tuple(players)


def test_missing_inputs_skip_their_methods(data: Planted) -> None:
    reference = _reference(list(range(data.groups.size)), [8] * 6)
    run = run_baselines(
        reference, BaselineInputs(np.arange(data.groups.size), phi=data.phi), ["spherical-kmeans", "agglomerative", "spectral"]
    )
    assert set(run.partitions) == {"spectral"}
    assert run.skipped == {"spherical-kmeans": "no weight features given", "agglomerative": "no activation statistics given"}


def test_a_too_large_spectral_problem_is_skipped_with_its_reason(data: Planted) -> None:
    reference = _reference(list(range(data.groups.size)), [8] * 6)
    run = run_baselines(reference, _inputs(data), ["spectral"], max_spectral_players=10)
    assert not run.partitions and "limit: 10 neurons" in run.skipped["spectral"]


def test_unknown_methods_and_missing_rows_are_refused(data: Planted) -> None:
    reference = _reference(list(range(data.groups.size)), [8] * 6)
    with pytest.raises(ConfigError, match="unknown baseline"):
        run_baselines(reference, _inputs(data), ["kmeans++"])
    with pytest.raises(ConfigError, match="no row"):
        run_baselines(reference, _inputs(data, offset=5), ["random"])


def test_runs_are_reproducible_to_the_byte(data: Planted, tmp_path: Path) -> None:
    reference = _reference(list(range(data.groups.size)), [10, 10, 10, 6, 6, 3, 3])
    methods = ["spherical-kmeans", "spectral", "agglomerative", "random"]
    texts = []
    for attempt in range(2):
        run = run_baselines(reference, _inputs(data), methods, seed=7)
        for method, partition in run.partitions.items():
            path = save_partition(partition, tmp_path / f"{attempt}" / f"{method}.json")
            assert load_partition(path) == partition
            texts.append(path.read_text())
    assert texts[: len(methods)] == texts[len(methods) :]
