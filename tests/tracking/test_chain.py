"""Tracking a chain of layers of a tiny model, E|a| files, and the run-directory layout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from hedonic.errors import ArtifactError, ConfigError
from hedonic.game import Partition, save_partition
from hedonic.models import ModelAdapter
from hedonic.stats import ActivationStats, save_stats
from hedonic.testing import tiny_model
from hedonic.tracking import (
    FloorSettings,
    ShareThresholds,
    Thresholds,
    Tracking,
    TrackingOptions,
    VirtualMap,
    adjacent_pairs,
    classify,
    coalition_influence,
    expand_mean_abs,
    explicit_inputs,
    load_events,
    mean_abs_from_npy,
    mean_abs_from_stats,
    run_dir_inputs,
    track_chain,
    virtual_map,
    write_tracking,
)

N = 24


@pytest.fixture(scope="module")
def adapter() -> ModelAdapter:
    return tiny_model("llama", seed=5, layers=4, intermediate=N)


def partition(layer: int, groups: int = 5) -> Partition:
    labels = np.random.default_rng(layer).integers(0, groups, N)
    return Partition.from_labels(labels, "random", layer=layer)


def test_adjacent_pairs_skip_gaps() -> None:
    assert adjacent_pairs([5, 1, 2, 3]) == [(1, 2), (2, 3)]
    assert adjacent_pairs([0, 2]) == []


def _same_tracking(found: Tracking, expected: Tracking) -> None:
    assert found.rule == expected.rule and found.thresholds == expected.thresholds
    assert [(e.type, e.sources, e.targets) for e in found.events] == [(e.type, e.sources, e.targets) for e in expected.events]
    assert [link[:2] for link in found.links] == [link[:2] for link in expected.links]
    np.testing.assert_allclose([link[2] for link in found.links], [link[2] for link in expected.links], rtol=1e-9)


@pytest.mark.parametrize("thresholds", [Thresholds(), ShareThresholds()])
def test_chain_tracks_each_adjacent_pair(adapter: ModelAdapter, thresholds: object) -> None:
    partitions = {layer: partition(layer) for layer in (0, 1, 3)}
    mean_abs = {0: np.linspace(0.0, 1.0, N)}
    results = track_chain(adapter, partitions, mean_abs, TrackingOptions(block_rows=5, min_size=1, thresholds=thresholds))
    assert [(r.source_layer, r.target_layer) for r in results] == [(0, 1)]
    (result,) = results
    expected = coalition_influence(virtual_map(adapter, 0), partitions[0], partitions[1], mean_abs[0], block_rows=5)
    _same_tracking(result.tracking, classify(expected, thresholds))
    assert result.settings["weighting"] == "mean_abs" and result.settings["projection"] == "both"
    assert result.source_coalitions == partitions[0].coalitions and result.untracked == (0, 0)
    uniform = track_chain(adapter, {1: partition(1), 2: partition(2)}, None, TrackingOptions(projection="gate"))
    assert uniform[0].settings["weighting"] == "uniform" and uniform[0].settings["projection"] == "gate"


def test_a_pair_builds_each_row_of_w_once(adapter: ModelAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    magnitude = VirtualMap.magnitude
    monkeypatch.setattr(
        VirtualMap, "magnitude", lambda self, rows=None, columns=None: built.append(len(rows)) or magnitude(self, rows, columns)
    )
    options = TrackingOptions(block_rows=5, min_size=1, floor=FloorSettings(links=0))
    (result,) = track_chain(adapter, {0: partition(0), 1: partition(1)}, options=options)
    assert result.link_tests is not None and result.floor is None and sum(built) == N


def test_only_coalitions_of_min_size_are_tracked(adapter: ModelAdapter) -> None:
    source = Partition.from_coalitions([range(0, 10), range(10, 13), range(13, 24)], "x", layer=0)
    target = Partition.from_coalitions([range(0, 2), range(2, 24)], "x", layer=1)
    (result,) = track_chain(adapter, {0: source, 1: target}, options=TrackingOptions(min_size=10))
    assert result.source_coalitions == (tuple(range(10)), tuple(range(13, 24)))
    assert result.target_coalitions == (tuple(range(2, 24)),) and result.untracked == (1, 1) and result.min_size == 10
    assert result.tracking.n_sources == 2 and result.tracking.n_targets == 1
    (nothing,) = track_chain(adapter, {0: source, 1: target}, options=TrackingOptions(min_size=30))
    assert nothing.tracking.n_sources == 0 and nothing.tracking.events == () and nothing.untracked == (3, 2)


def stats_of(layer: int, neurons: np.ndarray, sum_abs: np.ndarray, count: int = 4) -> ActivationStats:
    zeros = np.zeros(len(neurons))
    return ActivationStats(layer, neurons.astype(np.int64), "readout", count, count, zeros, sum_abs, zeros)


def test_mean_abs_from_statistics_and_npy(tmp_path: Path) -> None:
    path = save_stats(stats_of(2, np.array([1, 3, 4]), np.array([4.0, 8.0, 2.0])), tmp_path / "s.safetensors")
    loaded = mean_abs_from_stats(path)
    assert loaded.layer == 2 and loaded.neurons.tolist() == [1, 3, 4] and loaded.values.tolist() == [1.0, 2.0, 0.5]
    players = Partition.from_coalitions([[1, 4], [3]], "x")
    np.testing.assert_array_equal(expand_mean_abs(loaded, 2, players, 6), [0.0, 1.0, 0.0, 2.0, 0.5, 0.0])
    with pytest.raises(ArtifactError, match="no E\\|a\\| for 1 players"):
        expand_mean_abs(loaded, 2, Partition.from_coalitions([[0, 1]], "x"), 6)
    with pytest.raises(ArtifactError, match="statistics of layer 2 given for the partition of layer 3"):
        expand_mean_abs(loaded, 3, players, 6)
    with pytest.raises(ArtifactError, match="the layer has 4 neurons"):
        expand_mean_abs(loaded, 2, players, 4)
    np.save(tmp_path / "e.npy", np.arange(4.0))
    vector = mean_abs_from_npy(tmp_path / "e.npy")
    assert vector.layer is None and vector.neurons.tolist() == [0, 1, 2, 3]
    np.save(tmp_path / "bad.npy", np.ones((2, 2)))
    with pytest.raises(ArtifactError, match="numeric vector"):
        mean_abs_from_npy(tmp_path / "bad.npy")
    (tmp_path / "junk.npy").write_bytes(b"junk" * 8)
    with pytest.raises(ArtifactError, match=r"not a \.npy array"):
        mean_abs_from_npy(tmp_path / "junk.npy")
    with pytest.raises(ArtifactError, match="no such file"):
        mean_abs_from_npy(tmp_path / "missing.npy")


def _run_dir(tmp_path: Path, layers: tuple[int, ...], stats: tuple[int, ...]) -> Path:
    run = tmp_path / "run"
    for layer in layers:
        save_partition(partition(layer), run / "partitions" / f"layer{layer}.json")
    for layer in stats:
        save_stats(stats_of(layer, np.arange(N), np.full(N, 4.0)), run / "stats" / f"layer{layer}.safetensors")
    return run


def test_run_dir_round_trip(tmp_path: Path, adapter: ModelAdapter) -> None:
    run = _run_dir(tmp_path, (1, 2, 3), (1,))
    inputs = run_dir_inputs(run)
    assert sorted(inputs.partitions) == [1, 2, 3] and sorted(inputs.mean_abs) == [1]
    results = track_chain(adapter, inputs.partitions, inputs.weights(N))
    paths = write_tracking(results, run / "tracking")
    assert [p.name for p in paths] == ["events_1_2.json", "events_2_3.json", "sankey.html"]
    assert [load_events(p).settings["weighting"] for p in paths[:2]] == ["mean_abs", "uniform"]
    # E|a| = 1 everywhere equals uniform weights
    _same_tracking(load_events(paths[0]).tracking, track_chain(adapter, {1: partition(1), 2: partition(2)})[0].tracking)
    rerun = write_tracking(track_chain(adapter, inputs.partitions, inputs.weights(N)), tmp_path / "again")
    assert [p.read_bytes() for p in rerun[:2]] == [p.read_bytes() for p in paths[:2]]


def test_run_dir_without_partitions_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="no partitions found") as error:
        run_dir_inputs(tmp_path)
    assert "discover" in (error.value.hint or "")


def test_explicit_inputs_take_layers_from_partitions_or_names(tmp_path: Path) -> None:
    named = save_partition(Partition.from_labels(np.zeros(N, dtype=int), "one"), tmp_path / "layer7.json")
    tagged = save_partition(partition(8), tmp_path / "b.json")
    np.save(tmp_path / "e7.npy", np.ones(N))
    inputs = explicit_inputs([named, tagged], [tmp_path / "e7.npy"], stats=False)
    assert sorted(inputs.partitions) == [7, 8] and sorted(inputs.weights(N)) == [7]
    stats_file = save_stats(stats_of(8, np.arange(N), np.ones(N)), tmp_path / "s8.safetensors")
    with pytest.raises(ArtifactError, match="statistics of layer 8 given for the partition of layer 7"):
        explicit_inputs([named, tagged], [stats_file, stats_file]).weights(N)
    anonymous = save_partition(Partition.from_labels(np.zeros(N, dtype=int), "one"), tmp_path / "c.json")
    with pytest.raises(ArtifactError, match="has no layer"):
        explicit_inputs([anonymous, tagged])
    liar = save_partition(partition(8), tmp_path / "layer3.json")
    with pytest.raises(ArtifactError, match="says layer 3"):
        explicit_inputs([liar, named])
    with pytest.raises(ConfigError, match="at least two"):
        explicit_inputs([named])
    with pytest.raises(ConfigError, match="3 E|a| files"):
        explicit_inputs([named, tagged], [tmp_path / "e7.npy"] * 3)
    with pytest.raises(ConfigError, match="two partition files for layer 8"):
        explicit_inputs([tagged, tagged])


def test_partition_of_another_layer_width_is_refused(adapter: ModelAdapter) -> None:
    wide = Partition.from_labels(np.zeros(N + 4, dtype=int), "one", layer=0)
    with pytest.raises(ArtifactError, match="has 24 neurons"):
        track_chain(adapter, {0: wide, 1: partition(1)})


def test_events_files_are_plain_json(tmp_path: Path, adapter: ModelAdapter) -> None:
    results = track_chain(adapter, {0: partition(0), 1: partition(1)}, options=TrackingOptions(dtype=torch.float64))
    (events, _) = write_tracking(results, tmp_path)
    document = json.loads(events.read_text())
    assert document["kind"] == "events" and document["settings"]["folded"] == ["layer 1 post_attention_layernorm (γ)"]
