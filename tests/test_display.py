"""Issue 28 item 10: output piped to a file or a pipe (a log, CI) is not wrapped at 80 columns."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from hedonic import cli
from hedonic.display import PIPED_WIDTH, console


def test_a_console_on_a_pipe_is_wide_unless_columns_says_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert console().width == PIPED_WIDTH and console(stderr=True).width == PIPED_WIDTH
    monkeypatch.setenv("COLUMNS", "123")
    assert console().width == 123


def test_a_console_on_a_terminal_takes_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr("sys.stdout", Terminal())
    made = console()
    assert made.is_terminal and made.width != PIPED_WIDTH


def test_piped_command_output_keeps_each_line_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hedonic discover` printed its stability statement wrapped at 80 columns into a log."""
    monkeypatch.delenv("COLUMNS", raising=False)
    x = np.random.default_rng(0).normal(size=(8, 8))
    phi = x + x.T
    np.fill_diagonal(phi, 0)
    np.save(tmp_path / "phi.npy", phi)
    with pytest.raises(SystemExit) as stop:
        cli.main(["discover", "--phi", str(tmp_path / "phi.npy"), "--out", str(tmp_path / "p.json"), "--stability-samples", "10"])
    out = capsys.readouterr().out
    assert stop.value.code == 0
    (line,) = [line for line in out.splitlines() if line.startswith("stability: ")]
    assert len(line) > 80 and line.endswith("core stable (exhaustive)")
