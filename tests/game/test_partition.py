"""The Partition type and its JSON artifact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hedonic.errors import ArtifactError
from hedonic.game import Partition, Stability, load_partition, save_partition


def test_from_labels_is_canonical() -> None:
    partition = Partition.from_labels([2, 0, 2, 1, 0], "test")
    assert partition.coalitions == ((0, 2), (1, 4), (3,))
    assert partition.labels().tolist() == [0, 1, 0, 2, 1]
    assert partition.size_distribution() == {1: 1, 2: 2}
    assert partition == Partition.from_coalitions([[3], [4, 1], [2, 0]], "test", neurons=range(5))


def test_neuron_ids_of_a_subset() -> None:
    partition = Partition.from_labels([0, 0, 1], "test", neurons=[10, 3, 7])
    assert partition.neurons == (3, 7, 10)
    assert partition.coalitions == ((3, 10), (7,))
    assert partition.labels().tolist() == [0, 1, 0]


@pytest.mark.parametrize(
    ("coalitions", "neurons", "message"),
    [([[0, 1], [1, 2]], None, "more than one coalition"), ([[0, 1]], [0, 1, 2], "in no coalition"), ([[0, 5]], [0, 1], "not among")],
)
def test_invalid_coalitions_are_rejected(coalitions: list[list[int]], neurons: list[int] | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Partition.from_coalitions(coalitions, "test", neurons=neurons)


def test_degenerate_flag() -> None:
    giant = Partition.from_coalitions([range(30), *([i] for i in range(30, 40))], "test")
    assert giant.degenerate and giant.largest() == 30
    lonely = Partition.from_labels(np.arange(10), "test")
    assert lonely.degenerate and lonely.singleton_share() == 1.0
    healthy = Partition.from_labels(np.arange(40) // 4, "test")
    assert not healthy.degenerate
    assert Partition.from_labels(np.arange(40) // 4, "test", max_share=0.05).degenerate


def test_roundtrip_is_byte_identical(tmp_path: Path) -> None:
    partition = Partition.from_labels(
        np.arange(12) % 5,
        "top_cover",
        parameters={"k": 3},
        seed=7,
        layer=2,
        stability=Stability(
            {"game": "test"}, True, 0, True, 0, cap=4, samples=100, blocking=0, rate=0.0, epsilon_upper=0.03, confidence=0.95
        ),
    )
    first = save_partition(partition, tmp_path / "p.json").read_bytes()
    loaded = load_partition(tmp_path / "p.json")
    assert loaded == partition
    assert save_partition(loaded, tmp_path / "p.json").read_bytes() == first
    document = json.loads(first)
    assert document["kind"] == "partition" and document["format_version"] == 3
    assert document["size_distribution"] == {"2": 3, "3": 2}
    assert document["stability"]["statement"].startswith(
        "Nash stable and individually stable (every unilateral move checked under the cap of 4)"
    )


def test_load_rejects_a_tampered_file(tmp_path: Path) -> None:
    path = save_partition(Partition.from_labels([0, 0, 1], "test"), tmp_path / "p.json")
    document = json.loads(path.read_text())
    document["coalitions"] = [[0, 1], [1, 2]]
    path.write_text(json.dumps(document))
    with pytest.raises(ArtifactError, match="invalid partition.*more than one coalition"):
        load_partition(path)
