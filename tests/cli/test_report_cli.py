"""``hedonic report RUN_DIR`` rebuilds the report from a run directory's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from hedonic import cli
from hedonic.pipeline.config import RunConfig
from hedonic.pipeline.run import run_pipeline


def test_report_rebuilds_from_the_run_directory(tiny_config: RunConfig, capsys: pytest.CaptureFixture[str]) -> None:
    layout = run_pipeline(tiny_config).layout
    layout.report.unlink()
    with pytest.raises(SystemExit) as stop:
        cli.main(["report", str(layout.root)])
    assert stop.value.code == 0
    assert layout.report.is_file() and "Synergy" in layout.report.read_text()
    assert str(layout.report.resolve()) in capsys.readouterr().out


def test_report_of_an_empty_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["report", str(tmp_path)])
    assert stop.value.code == 2
    assert "no partitions found" in capsys.readouterr().err
