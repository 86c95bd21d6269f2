"""The whole pipeline on a tiny model: every stage's files, resumption, determinism, atomicity."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hedonic.evaluation import load_comparison
from hedonic.evaluation.meaning import load_meaning
from hedonic.game import load_partition
from hedonic.layout import RunLayout
from hedonic.pipeline import stages
from hedonic.pipeline.config import RunConfig, load_config
from hedonic.pipeline.run import run_pipeline
from hedonic.tracking import load_events


def _artifacts(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_run_writes_every_stage_and_resumes(tiny_config: RunConfig) -> None:
    result = run_pipeline(tiny_config)
    layout = result.layout
    assert result.analysed == [0, 1, 2] and len(result.evaluated) == 2
    for layer in result.analysed:
        assert load_partition(layout.partition(layer)).n_players == 32
        assert layout.stats(layer).is_file() and layout.valuation(layer).is_file()
    for layer in result.evaluated:
        comparison = load_comparison(layout.comparison(layer))
        assert comparison.reference == "hedonic" and set(comparison.methods) >= {"hedonic", "random"}
        assert layout.synergy(layer, "hedonic").is_file()
        assert load_meaning(layout.meaning(layer)).layer == layer
    assert load_events(layout.events(0, 1)).source_layer == 0 and layout.sankey.is_file()
    assert layout.report.is_file() and layout.manifest.is_file() and layout.lora_profile.is_file()
    assert load_config(layout.config) == tiny_config
    assert not [p for p in layout.root.rglob("*.tmp")]

    again = run_pipeline(tiny_config)
    assert set(again.reused) >= {"stats", "data", "lora", "partition-layer0", "tracking"}
    assert "report" in again.reused


def test_same_seed_gives_byte_identical_artifacts(tiny_config: RunConfig, tmp_path: Path) -> None:
    first = run_pipeline(tiny_config, tmp_path / "a").layout
    second = run_pipeline(tiny_config, tmp_path / "b").layout
    for name in ("partitions", "tracking", "baselines", "evaluation", "meaning"):
        a, b = _artifacts(first.root / name), _artifacts(second.root / name)
        assert a and a == b, name


def test_changed_parameter_reruns_only_what_depends_on_it(tiny_config: RunConfig) -> None:
    run_pipeline(tiny_config)
    changed = replace(tiny_config, game=replace(tiny_config.game, k=3))
    result = run_pipeline(changed)
    assert {"stats", "data", "valuation-layer0"} <= set(result.reused)
    assert "partition-layer0" not in result.reused and "tracking" not in result.reused


def test_a_killed_run_leaves_no_partial_file_and_resumes(tiny_config: RunConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    original = stages.partition
    calls: list[int] = []

    def dies_on_layer_1(pipeline: object, layer: int) -> None:
        calls.append(layer)
        if layer == 1:
            raise KeyboardInterrupt
        original(pipeline, layer)  # type: ignore[arg-type]

    monkeypatch.setattr(stages, "partition", dies_on_layer_1)
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(tiny_config)
    layout = RunLayout(Path(tiny_config.out_dir))
    assert layout.partition(0).is_file() and not layout.partition(1).exists()
    assert not [p for p in layout.root.rglob("*") if p.name.endswith(".tmp")]
    monkeypatch.setattr(stages, "partition", original)
    result = run_pipeline(tiny_config)
    assert {"stats", "valuation-layer0", "partition-layer0"} <= set(result.reused)
    assert "partition-layer1" not in result.reused


def test_an_edited_artifact_is_recomputed(tiny_config: RunConfig) -> None:
    layout = run_pipeline(tiny_config).layout
    good = layout.partition(2).read_bytes()
    layout.partition(2).write_text('{"kind": "partition", "format_version": 1, "coalitions": [[0, 0]]}')
    result = run_pipeline(tiny_config)
    assert "partition-layer2" not in result.reused and "partition-layer1" in result.reused
    assert layout.partition(2).read_bytes() == good


def test_a_sub_command_names_a_corrupt_artifact_of_the_run(tiny_config: RunConfig, capsys: pytest.CaptureFixture[str]) -> None:
    from hedonic import cli

    layout = run_pipeline(replace(tiny_config, layers=replace(tiny_config.layers, analyse=[0, 1]))).layout
    layout.valuation(0).write_bytes(b"garbage")
    with pytest.raises(SystemExit) as stop:
        cli.main(["discover", "--run-dir", str(layout.root), "--layer", "0"])
    assert stop.value.code == 2
    assert "layer0.safetensors" in " ".join(capsys.readouterr().err.split())
