"""Stages are skipped when inputs and parameters are unchanged, rerun otherwise."""

from __future__ import annotations

from pathlib import Path

from hedonic.artifacts import atomic_write_text
from hedonic.pipeline.stage_runner import StageRunner


def test_stage_skips_when_unchanged_and_reruns_on_change(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("a")
    calls: list[int] = []

    def action() -> list[Path]:
        calls.append(1)
        return [atomic_write_text(tmp_path / "out.txt", source.read_text() * 2)]

    runner = StageRunner(tmp_path)
    assert runner.run("double", action, {"p": 1}, [source])
    assert not runner.run("double", action, {"p": 1}, [source])
    assert runner.skipped == ["double"]
    assert runner.run("double", action, {"p": 2}, [source])
    source.write_text("b")
    assert runner.run("double", action, {"p": 2}, [source])
    (tmp_path / "out.txt").unlink()
    assert runner.run("double", action, {"p": 2}, [source])
    assert len(calls) == 4
    assert set(runner.recorded_timings()) == {"double"}


def test_interrupted_stage_is_rerun(tmp_path: Path) -> None:
    runner = StageRunner(tmp_path)

    def crash() -> list[Path]:
        atomic_write_text(tmp_path / "partial.txt", "x")
        raise KeyboardInterrupt

    try:
        runner.run("s", crash, {})
    except KeyboardInterrupt:
        pass
    assert not runner.record_path("s").exists()
    assert runner.run("s", lambda: [atomic_write_text(tmp_path / "partial.txt", "y")], {})
