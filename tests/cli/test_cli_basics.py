"""The CLI entry point: commands are registered, errors become exit code 2 with a hint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hedonic import cli
from hedonic.errors import HedonicError
from hedonic.pipeline.config import RunConfig, config_toml


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


# ---------------------------------------------------------------- issue 28 item 5
INTERRUPT_AT_IMPORT = """
import os, signal, sys
target = sys.argv[1]
def hook(event, args):
    if event == "import" and args[0] == target and not getattr(hook, "fired", False):
        hook.fired = True
        os.kill(os.getpid(), signal.SIGINT)
sys.addaudithook(hook)
from hedonic.cli import main
main(sys.argv[2:])
"""


@pytest.mark.parametrize(
    ("module", "advice"),
    [
        pytest.param("typer", "nothing was half-written", id="start-up"),
        pytest.param("hedonic.pipeline.config", "nothing was half-written", id="commands"),
        pytest.param(
            "peft", "the stages that finished are kept; rerun `hedonic run {config}` to resume", id="model-loading", marks=pytest.mark.slow
        ),
    ],
)
def test_ctrl_c_at_any_moment_says_interrupted_with_exit_130_and_no_traceback(
    tiny_config: RunConfig, tmp_path: Path, module: str, advice: str
) -> None:
    """Item 5: Ctrl-C during start-up ended with a KeyboardInterrupt traceback from cli/__init__.py.

    A real SIGINT is sent to the process the moment it first imports ``module``.
    """
    config = tmp_path / "run.toml"
    config.write_text(config_toml(tiny_config))
    before = sorted(p.name for p in tmp_path.iterdir())
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPT_AT_IMPORT, module, "run", str(config)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert "interrupted (SIGINT): " + advice.format(config=config) in " ".join(done.stderr.split())
    assert {p.name for p in tmp_path.iterdir()} - set(before) <= {"run"} and not list(tmp_path.rglob("*.tmp"))


def test_an_interrupted_sub_command_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """Item 5: typer ended any command but `hedonic run` with exit 130 and no word on Ctrl-C."""

    @cli.app.command("sleep-for-test")
    def _sleep() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
        raise AssertionError("SIGINT did not stop the command")

    with pytest.raises(SystemExit) as stop:
        cli.main(["sleep-for-test"])
    err = capsys.readouterr().err
    assert stop.value.code == 130 and "interrupted (SIGINT): nothing was half-written" in err and "Traceback" not in err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_while_the_commands_are_imported_says_interrupted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hedonic.cli import _app

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_app, "register_commands", interrupted)
    with pytest.raises(SystemExit) as stop:
        cli.main(["version"])
    assert stop.value.code == 130 and "interrupted (SIGINT)" in capsys.readouterr().err


def test_a_signal_the_process_was_started_ignoring_stays_ignored(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A background job of a script (SIGINT ignored, as Python itself leaves it) is not stopped by Ctrl-C on the script."""

    @cli.app.command("ignore-for-test")
    def _ignored() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with pytest.raises(SystemExit) as stop:
            cli.main(["ignore-for-test"])
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert stop.value.code == 0 and "interrupted" not in capsys.readouterr().err
