"""Reading a layer's partitions: the hedonic one under REFERENCE, then its baselines by method, all of the layer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hedonic.errors import ConfigError
from hedonic.game import Partition, save_partition
from hedonic.layer_partitions import partitions_of_layer, run_partitions
from hedonic.layout import REFERENCE, RunLayout, baseline_files


def _partition(method: str, layer: int = 2) -> Partition:
    labels = np.repeat(np.arange(4), [4, 3, 3, 2])
    return Partition.from_labels(labels, method, layer=layer)


def test_partitions_of_layer_names_and_checks(tmp_path: Path) -> None:
    reference = save_partition(_partition("top_cover"), tmp_path / "layer2.json")
    folder = tmp_path / "baselines"
    assert baseline_files(folder) == []
    files = [save_partition(_partition(m), folder / f"{m}.json") for m in ("random", "spectral")]
    found = partitions_of_layer(reference, baseline_files(folder), 2)
    assert list(found) == [REFERENCE, "random", "spectral"]
    assert found[REFERENCE].method == "top_cover"
    with pytest.raises(ConfigError, match="two partitions named 'random'"):
        partitions_of_layer(reference, [files[0], files[0]], 2)
    with pytest.raises(ConfigError, match="two partitions named 'random'"):
        partitions_of_layer(reference, files, 2, reserved=["random"])
    with pytest.raises(ConfigError, match="of layer 2, not 3"):
        partitions_of_layer(reference, files, 3)


def test_run_partitions_reads_a_run_directory(tmp_path: Path) -> None:
    layout = RunLayout(tmp_path)
    save_partition(_partition("additive"), layout.partition(2))
    assert list(run_partitions(layout, 2)) == [REFERENCE]
    for method in ("spectral", "random"):
        save_partition(_partition(method), layout.baseline(2, method))
    assert layout.baseline_files(2) == [layout.baseline(2, "random"), layout.baseline(2, "spectral")]
    assert list(run_partitions(layout, 2)) == [REFERENCE, "random", "spectral"]
    with pytest.raises(ConfigError, match="two partitions named 'random'"):
        run_partitions(layout, 2, reserved=["random"])
