"""The report's listing of missing artifacts, read off the stage table."""

from __future__ import annotations

from pathlib import Path

from hedonic.artifacts import write_json
from hedonic.layout import RunLayout
from hedonic.report.contents import missing_artifacts, run_layers


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")


def test_missing_pieces_are_listed_in_stage_order_layer_by_layer(tmp_path: Path) -> None:
    layout = RunLayout(tmp_path)
    for layer in (0, 1):
        _touch(layout.valuation(layer))
    _touch(layout.partition(1))
    _touch(layout.baseline(1, "spectral"))
    _touch(layout.meaning(1))
    _touch(layout.decomposed_comparison(1, False))
    config = {"model": {"name": "tiny", "adapter": ""}, "decomposition": {"enabled": True}, "layers": {"evaluate": [1]}}
    analysed, evaluated = run_layers(layout, config)
    assert (analysed, evaluated) == ([0, 1], [1])
    found = [(gap.layer, gap.what, gap.path) for gap in missing_artifacts(layout, analysed, evaluated, config)]
    assert found == [
        (0, "partition", "partitions/layer0.json"),
        (1, "synergy comparison", "evaluation/layer1/comparison.json"),
        (1, "decomposition (computation)", "evaluation/layer1/decomposition/comparison_frozen.json"),
        (0, "tracking events 0→1", "tracking/events_0_1.json"),
    ]
    assert [gap.what for gap in missing_artifacts(layout, analysed, evaluated, {**config, "decomposition": {}})][1:3] == [
        "synergy comparison",
        "tracking events 0→1",
    ]


def test_without_a_configuration_a_switched_stage_is_expected_where_its_record_is(tmp_path: Path) -> None:
    layout = RunLayout(tmp_path)
    _touch(layout.valuation(3))
    _touch(layout.partition(3))
    _touch(layout.baseline(3, "spectral"))
    _touch(layout.comparison(3))
    write_json(layout.root / "stages" / "meaning-layer3.json", "stage_record", 2, {})
    analysed, evaluated = run_layers(layout, None)
    assert (analysed, evaluated) == ([3], [3])
    found = [gap.what for gap in missing_artifacts(layout, analysed, evaluated, None)]
    assert found == ["configuration", "meaning"]
