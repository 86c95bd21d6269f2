"""Loading a layer's partitions and selecting the coalitions to compare."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hedonic.errors import ConfigError
from hedonic.evaluation.compare_partitions import REFERENCE, baseline_files, partitions_of_layer, select_coalitions
from hedonic.game import Partition, save_partition


def _partition(method: str, layer: int = 2) -> Partition:
    labels = np.repeat(np.arange(8), [6, 5, 5, 4, 4, 3, 3, 2])
    return Partition.from_labels(labels, method, layer=layer)


def test_select_coalitions_caps_with_a_seeded_sample() -> None:
    partition = _partition("hedonic")
    assert select_coalitions(partition, (3, 5), None, 0, "h") == [c for c in partition.coalitions if 3 <= len(c) <= 5]
    capped = select_coalitions(partition, (2, 6), 3, 0, "h")
    assert len(capped) == 3 and capped == select_coalitions(partition, (2, 6), 3, 0, "h")
    assert all(c in partition.coalitions for c in capped)


def test_partitions_of_layer_names_and_checks(tmp_path: Path) -> None:
    reference = save_partition(_partition("top_cover"), tmp_path / "layer2.json")
    folder = tmp_path / "baselines"
    assert baseline_files(folder) == []
    files = [save_partition(_partition(m), folder / f"{m}.json") for m in ("random", "spectral")]
    found = partitions_of_layer(reference, baseline_files(folder), 2)
    assert list(found) == [REFERENCE, "random", "spectral"]
    with pytest.raises(ConfigError, match="two partitions named 'random'"):
        partitions_of_layer(reference, [files[0], files[0]], 2)
    with pytest.raises(ConfigError, match="two partitions named 'random'"):
        partitions_of_layer(reference, files, 2, reserved=["random"])
    with pytest.raises(ConfigError, match="of layer 2, not 3"):
        partitions_of_layer(reference, files, 3)
