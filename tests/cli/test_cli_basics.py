"""The CLI entry point: commands are registered, errors become exit code 2 with a hint."""

from __future__ import annotations

import pytest

from hedonic import cli
from hedonic.errors import HedonicError


def test_version_lists_main_packages(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["version"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "hedonic 0.1.0" in out and "torch " in out


def test_hedonic_error_exits_2_with_hint(capsys: pytest.CaptureFixture[str]) -> None:
    @cli.app.command("fail-for-test")
    def _fail() -> None:
        raise HedonicError("something is wrong", hint="do this instead")

    with pytest.raises(SystemExit) as stop:
        cli.main(["fail-for-test"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "something is wrong" in err and "do this instead" in err
