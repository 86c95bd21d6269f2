"""Issue 18 items 2, 8, 10 and 12 at the command line: exit code 2 with a message, never a traceback."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from hedonic import cli
from hedonic.game import discover, save_partition
from hedonic.pipeline import run as run_module


def _exit(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """(exit code, stderr with its line breaks folded) of ``hedonic argv``."""
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return int(stop.value.code or 0), " ".join(err.split())


def _phi(n: int = 6) -> np.ndarray:
    x = np.random.default_rng(0).normal(size=(n, n)).astype(np.float32)
    phi = x + x.T
    np.fill_diagonal(phi, 0)
    return phi


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[model]\ndevice = "tpu"\n', "error: [model] device 'tpu' is not a torch device"),
        ("[data]\nbatch_size = 0\n", "error: [data] batch_size must be ≥ 1, got 0"),
        ("seed = -5\n", "error: seed must lie in 0..4294967295, got -5"),
        ("[tracking]\ntau = 7\n", "error: [tracking] tau must lie in (0, 1], got 7.0"),
    ],
)
def test_a_bad_configuration_exits_2_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, message: str) -> None:
    path = tmp_path / "run.toml"
    path.write_text(f'out_dir = "{tmp_path / "run"}"\n' + toml)
    code, err = _exit(["run", str(path)], capsys)
    assert code == 2 and message in err and "hint:" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.toml"]


@pytest.mark.parametrize(("how", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_an_interrupted_run_says_that_a_rerun_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], how: str, code: int
) -> None:
    """Item 12: SIGINT / SIGTERM ended the run without saying that rerunning resumes it."""

    def interrupted(*args: object, **kwargs: object) -> None:
        if how == "SIGINT":
            raise KeyboardInterrupt
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
        raise AssertionError("SIGTERM did not stop the run")

    monkeypatch.setattr(run_module, "run_pipeline", interrupted)
    path = tmp_path / "run.toml"
    path.write_text("")
    found, err = _exit(["run", str(path)], capsys)
    assert found == code and f"interrupted ({how}): the stages that finished are kept; rerun `hedonic run {path}` to resume" in err
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_report_on_a_missing_folder_says_it_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _exit(["report", str(tmp_path / "nowhere")], capsys)
    assert code == 2 and f"{tmp_path / 'nowhere'} does not exist" in err and "no partitions" not in err


def test_discover_never_writes_over_its_input_or_a_file_that_is_not_a_partition(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Item 2: --phi self.npy --out self.npy overwrote the input; --out over any file overwrote it silently."""
    phi = tmp_path / "self.npy"
    np.save(phi, _phi())
    before = phi.read_bytes()
    code, err = _exit(["discover", "--phi", str(phi), "--out", str(phi)], capsys)
    assert code == 2 and "is also an input of this command" in err and phi.read_bytes() == before
    notes = tmp_path / "notes.json"
    notes.write_text('{"mine": true}')
    code, err = _exit(["discover", "--phi", str(phi), "--out", str(notes)], capsys)
    assert code == 2 and "exists and is not a hedonic partition artifact: it is left as it is" in err
    assert notes.read_text() == '{"mine": true}'
    old = save_partition(discover(_phi(), stability_samples=10), tmp_path / "old.json")
    code, _ = _exit(["discover", "--phi", str(phi), "--out", str(old), "--stability-samples", "10"], capsys)
    assert code == 0


def test_discover_refuses_an_empty_phi(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Item 8: a 0×0 φ was accepted and reported core stable."""
    np.save(tmp_path / "empty.npy", np.zeros((0, 0), np.float32))
    code, err = _exit(["discover", "--phi", str(tmp_path / "empty.npy"), "--out", str(tmp_path / "p.json")], capsys)
    assert code == 2 and "a 0×0 φ has no players" in err and not (tmp_path / "p.json").exists()
