"""``hedonic report --run-dir RUN_DIR`` rebuilds the report from a run directory's files and names what is missing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hedonic import cli
from hedonic.pipeline.config import RunConfig
from hedonic.pipeline.run import run_pipeline


def _report(run: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        cli.main(["report", "--run-dir", str(run)])
    captured = capsys.readouterr()
    return int(stop.value.code or 0), captured.out, " ".join(captured.err.split())


def test_report_rebuilds_from_the_run_directory_and_names_missing_pieces(
    tiny_config: RunConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = run_pipeline(tiny_config).layout
    layout.report.unlink()
    code, out, err = _report(layout.root, capsys)
    assert code == 0 and "warning" not in err
    assert layout.report.is_file() and "Synergy" in layout.report.read_text()
    assert str(layout.report.resolve()) in out

    evaluated = sorted(int(p.name.removeprefix("layer")) for p in (layout.root / "evaluation").iterdir())
    first = evaluated[0]
    layout.partition(first).unlink()
    layout.synergy(first, "random").unlink()
    layout.events(1, 2).unlink()
    code, _, err = _report(layout.root, capsys)
    text = layout.report.read_text()
    assert code == 0
    for message in (
        f"layer {first}: partition missing (partitions/layer{first}.json); rerun `hedonic run",
        f"layer {first}: synergy of random missing (evaluation/layer{first}/synergy_random.json)",
        "layer 1: tracking events 1→2 missing (tracking/events_1_2.json)",
    ):
        assert message in text and f"warning: {message}" in err, message
    assert "Missing pieces" in text and text.index(">Verdict<") < text.index("Missing pieces")

    layout.comparison(first).unlink()
    shutil.rmtree(layout.root / "meaning")
    layout.config.unlink()
    code, _, err = _report(layout.root, capsys)
    text = layout.report.read_text()
    assert code == 0 and f"layer {first}: synergy comparison missing (evaluation/layer{first}/comparison.json)" in err
    assert f"layer {first}: meaning missing (meaning/layer{first}.json)" in err
    assert "run: configuration missing (config.toml)" in err
    assert "adapter: none" not in text and "config.toml is missing" in text


def test_report_of_an_empty_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _report(tmp_path, capsys)
    assert code == 2 and "no partitions found" in err
    code, _, err = _report(tmp_path / "nowhere", capsys)
    assert code == 2 and "does not exist" in err


def test_a_truncated_manifest_is_warned_about_not_ignored(tiny_config: RunConfig, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 28 item 6: `hedonic report` ignored a truncated manifest.json silently (rc 0, no warning)."""
    import html
    from dataclasses import replace

    from hedonic.pipeline.config import BaselinesSection, LayersSection

    config = replace(tiny_config, layers=LayersSection(analyse=[0, 1], evaluate=[1]), baselines=BaselinesSection(methods=["random"]))
    layout = run_pipeline(replace(config, meaning=replace(config.meaning, enabled=False))).layout
    layout.manifest.write_text(layout.manifest.read_text()[:40])
    others = {p: p.read_bytes() for p in layout.root.rglob("*") if p.is_file() and p != layout.report}
    code, _, err = _report(layout.root, capsys)
    message = f"{layout.manifest}: not a valid JSON artifact"
    assert code == 0 and f"warning: {message}" in err and "cannot be shown; rerun `hedonic run` to rewrite it" in err
    assert html.escape(message) in layout.report.read_text()
    assert {p: p.read_bytes() for p in layout.root.rglob("*") if p.is_file() and p != layout.report} == others
