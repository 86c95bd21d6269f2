"""The stage table: one row per stage, its record names, and the pipeline's actions for exactly its rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from hedonic.layout import RunLayout
from hedonic.stage_table import STAGE, STAGES, artifact_roots


def test_every_stage_has_one_action_and_every_action_a_stage() -> None:
    from hedonic.pipeline.stages import ACTIONS

    assert list(ACTIONS) == [row.name for row in STAGES] and len(STAGE) == len(STAGES)


def test_record_names_read_back_their_layer() -> None:
    partition = STAGE["partition"]
    assert partition.record_name(2) == "partition-layer2" and partition.layer_of("partition-layer2") == 2
    assert partition.layer_of("partitions-layer2") is None and partition.layer_of("partition-layerx") is None
    assert STAGE["stats"].record_name() == "stats" and STAGE["stats"].layer_of("stats") is None
    assert STAGE["report"].record_path(RunLayout(Path("run"))) == Path("run", "stages", "report.json")
    with pytest.raises(ValueError):
        STAGE["stats"].record_name(0)
    with pytest.raises(ValueError):
        partition.record_name()


def test_the_swept_roots_are_the_tops_of_every_output_but_the_report() -> None:
    assert artifact_roots() == (
        "data",
        "lora_profile.json",
        "stats",
        "valuation",
        "partitions",
        "baselines",
        "evaluation",
        "meaning",
        "tracking",
        "stages",
    )
