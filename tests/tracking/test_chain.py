"""Tracking a chain of layers of a tiny model, E|a| files, and the run-directory layout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from hedonic.artifacts import save_tensors
from hedonic.errors import ArtifactError, ConfigError
from hedonic.game import Partition, save_partition
from hedonic.models import ModelAdapter, tiny_model
from hedonic.tracking import (
    TrackingOptions,
    adjacent_pairs,
    classify_events,
    coalition_influence,
    explicit_inputs,
    load_events,
    load_mean_abs,
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


def test_chain_tracks_each_adjacent_pair(adapter: ModelAdapter) -> None:
    partitions = {layer: partition(layer) for layer in (0, 1, 3)}
    mean_abs = {0: np.linspace(0.0, 1.0, N)}
    results = track_chain(adapter, partitions, mean_abs, TrackingOptions(block_rows=5))
    assert [(r.source_layer, r.target_layer) for r in results] == [(0, 1)]
    (result,) = results
    expected = coalition_influence(virtual_map(adapter, 0), partitions[0], partitions[1], mean_abs[0], block_rows=5)
    assert result.tracking == classify_events(expected)
    assert result.settings["weighting"] == "mean_abs" and result.settings["projection"] == "both"
    assert result.source_coalitions == partitions[0].coalitions
    uniform = track_chain(adapter, {1: partition(1), 2: partition(2)}, None, TrackingOptions(projection="gate"))
    assert uniform[0].settings["weighting"] == "uniform" and uniform[0].settings["projection"] == "gate"


def test_mean_abs_files(tmp_path: Path) -> None:
    np.save(tmp_path / "e.npy", np.arange(4.0))
    np.testing.assert_array_equal(load_mean_abs(tmp_path / "e.npy"), np.arange(4.0))
    save_tensors(tmp_path / "s.safetensors", "stats", 1, {"sum_abs": np.array([2.0, 4.0]), "count": np.array(4)})
    np.testing.assert_array_equal(load_mean_abs(tmp_path / "s.safetensors"), [0.5, 1.0])
    save_tensors(tmp_path / "m.safetensors", "x", 1, {"mean_abs": np.array([1.0, 3.0], dtype=np.float32)})
    np.testing.assert_array_equal(load_mean_abs(tmp_path / "m.safetensors"), [1.0, 3.0])
    save_tensors(tmp_path / "bad.safetensors", "stats", 1, {"sum": np.ones(2)})
    with pytest.raises(ArtifactError, match="needs 'mean_abs'"):
        load_mean_abs(tmp_path / "bad.safetensors")
    save_tensors(tmp_path / "zero.safetensors", "stats", 1, {"sum_abs": np.ones(2), "count": np.array(0)})
    with pytest.raises(ArtifactError, match="positive"):
        load_mean_abs(tmp_path / "zero.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"junk" * 8)
    with pytest.raises(ArtifactError, match="cannot read"):
        load_mean_abs(tmp_path / "junk.safetensors")
    with pytest.raises(ArtifactError, match="no such file"):
        load_mean_abs(tmp_path / "missing.npy")


def _run_dir(tmp_path: Path, layers: tuple[int, ...], stats: tuple[int, ...]) -> Path:
    run = tmp_path / "run"
    for layer in layers:
        save_partition(partition(layer), run / "partitions" / f"layer{layer}.json")
    for layer in stats:
        sums = {"sum_abs": np.full(N, 3.0), "count": np.array(3)}
        save_tensors(run / "stats" / f"layer{layer}.safetensors", "stats", 1, sums)
    return run


def test_run_dir_round_trip(tmp_path: Path, adapter: ModelAdapter) -> None:
    run = _run_dir(tmp_path, (1, 2, 3), (1,))
    inputs = run_dir_inputs(run)
    assert sorted(inputs.partitions) == [1, 2, 3] and sorted(inputs.mean_abs) == [1]
    results = track_chain(adapter, inputs.partitions, inputs.mean_abs)
    paths = write_tracking(results, run / "tracking")
    assert [p.name for p in paths] == ["events_1_2.json", "events_2_3.json", "sankey.html"]
    assert [load_events(p).settings["weighting"] for p in paths[:2]] == ["mean_abs", "uniform"]
    # E|a| = 1 everywhere equals uniform weights
    assert load_events(paths[0]).tracking == track_chain(adapter, {1: partition(1), 2: partition(2)})[0].tracking
    rerun = write_tracking(track_chain(adapter, inputs.partitions, inputs.mean_abs), tmp_path / "again")
    assert [p.read_bytes() for p in rerun[:2]] == [p.read_bytes() for p in paths[:2]]


def test_run_dir_without_partitions_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="no partitions found") as error:
        run_dir_inputs(tmp_path)
    assert "discover" in (error.value.hint or "")


def test_explicit_inputs_take_layers_from_partitions_or_names(tmp_path: Path) -> None:
    named = save_partition(Partition.from_labels(np.zeros(N, dtype=int), "one"), tmp_path / "layer7.json")
    tagged = save_partition(partition(8), tmp_path / "b.json")
    np.save(tmp_path / "e7.npy", np.ones(N))
    inputs = explicit_inputs([named, tagged], [tmp_path / "e7.npy"])
    assert sorted(inputs.partitions) == [7, 8] and sorted(inputs.mean_abs) == [7]
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
