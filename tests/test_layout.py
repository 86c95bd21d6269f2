"""The run-directory layout."""

from __future__ import annotations

from pathlib import Path

from hedonic.layout import RunLayout


def test_paths_and_layer_discovery(tmp_path: Path) -> None:
    layout = RunLayout(tmp_path)
    assert layout.partition(3) == tmp_path / "partitions" / "layer3.json"
    assert layout.baseline(2, "random") == tmp_path / "baselines" / "layer2" / "random.json"
    assert layout.events(1, 2).name == "events_1_2.json"
    for layer in (4, 1, 10):
        layout.partition(layer).parent.mkdir(parents=True, exist_ok=True)
        layout.partition(layer).write_text("{}")
    (tmp_path / "partitions" / "layerx.json").write_text("{}")
    assert layout.layers_with("partitions") == [1, 4, 10]
    assert layout.layers_with("stats") == []
