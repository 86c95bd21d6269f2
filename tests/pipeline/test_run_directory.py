"""Issue 18 items 1 and 10: `hedonic run` writes only into new, empty or its own run directories."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from hedonic.artifacts import write_json
from hedonic.errors import ConfigError
from hedonic.pipeline.config import RunConfig
from hedonic.pipeline.run import run_pipeline
from hedonic.pipeline.run_directory import check_out_dir, claim, is_run_directory


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes (what must not change)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def foreign(tmp_path: Path) -> Path:
    """A user's folder that is not a run directory: the files the issue found overwritten."""
    folder = tmp_path / "mine"
    (folder / "data").mkdir(parents=True)
    (folder / "notes.txt").write_text("my notes")
    (folder / "config.toml").write_text("# mine")
    (folder / "report.html").write_text("<p>mine</p>")
    (folder / "data" / "inputs.jsonl").write_text('{"mine": 1}\n')
    return folder


def test_a_non_empty_folder_that_is_not_a_run_directory_is_refused_and_left_alone(foreign: Path, tiny_config: RunConfig) -> None:
    before = snapshot(foreign.parent)
    with pytest.raises(
        ConfigError, match=r"is not empty and is not a hedonic run directory \(it holds config\.toml, data, notes\.txt and 1 more\)"
    ):
        run_pipeline(replace(tiny_config, out_dir=str(foreign)))
    assert snapshot(foreign.parent) == before


def test_an_empty_out_dir_is_refused_and_the_current_directory_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_config: RunConfig
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(ConfigError, match="out_dir is empty: the run would be written into the current directory") as error:
        run_pipeline(replace(tiny_config, out_dir=""))
    assert "out_dir" in (error.value.hint or "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_a_file_a_path_under_a_file_and_proc_are_refused(tmp_path: Path) -> None:
    afile = tmp_path / "run.txt"
    afile.write_text("x")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        check_out_dir(afile)
    with pytest.raises(ConfigError, match=r"lies under .*run\.txt, which is a file"):
        check_out_dir(afile / "sub" / "run")
    with pytest.raises(ConfigError, match="cannot create the run directory /proc/hedonic-run"):
        claim(check_out_dir("/proc/hedonic-run"))
    assert afile.read_text() == "x"


def test_a_folder_that_is_not_writable_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)
    with pytest.raises(ConfigError, match=r"is not writable"):
        check_out_dir(tmp_path / "run")


def test_new_empty_and_own_folders_are_accepted(tmp_path: Path) -> None:
    assert check_out_dir(tmp_path / "new" / "run") == tmp_path / "new" / "run"
    (tmp_path / "empty").mkdir()
    check_out_dir(tmp_path / "empty")
    claim(tmp_path / "ours")
    assert is_run_directory(tmp_path / "ours") and (tmp_path / "ours" / "hedonic-run.json").is_file()
    (tmp_path / "ours" / "extra.txt").write_text("x")
    check_out_dir(tmp_path / "ours")
    legacy = tmp_path / "legacy"
    write_json(legacy / "manifest.json", "manifest", 1, {})
    (legacy / "report.html").write_text("x")
    check_out_dir(legacy)
    not_ours = tmp_path / "other"
    write_json(not_ours / "manifest.json", "something-else", 1, {})
    assert not is_run_directory(not_ours)


# ---------------------------------------------------------------- issue 28
@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` unwritable for this process: ``chattr +i`` as root (who ignores modes), ``chmod 555`` otherwise."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            pytest.skip("running as root where chattr +i is not supported: cannot make a folder read-only")
        undo = ["chattr", "-i", str(folder)]
    else:
        folder.chmod(0o555)
        undo = ["chmod", "755", str(folder)]
    try:
        yield
    finally:
        subprocess.run(undo, check=True)


@pytest.mark.parametrize("sub", ["partitions", "baselines/layer1", "stale/partitions"])
def test_a_read_only_sub_folder_of_a_run_directory_is_refused_before_the_model_loads(
    tiny_config: RunConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str], sub: str
) -> None:
    """Item 2: `chattr +i RUN/partitions` ended in a PermissionError from mkstemp after statistics and φ."""
    from hedonic import cli
    from hedonic.pipeline.config import config_toml

    root = tmp_path / "run"
    claim(root)
    (root / sub).mkdir(parents=True)
    (tmp_path / "run.toml").write_text(config_toml(replace(tiny_config, out_dir=str(root))))
    before = snapshot(tmp_path)
    with read_only(root / sub), pytest.raises(SystemExit) as stop:
        cli.main(["run", str(tmp_path / "run.toml")])
    err = " ".join(capsys.readouterr().err.split())
    assert stop.value.code == 2 and "Traceback" not in err and "loading model" not in err
    assert f"error: out_dir {root}: the run writes into {sub}, which is not writable" in err and "chattr -i" in err
    assert snapshot(tmp_path) == before


def test_a_run_refused_before_writing_leaves_no_folder_behind(
    tiny_config: RunConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 8: a run that stopped before its first stage left its new out dir (marker, config.toml) behind."""
    from hedonic.errors import DataError
    from hedonic.pipeline import stages

    def refuse(context: object) -> None:
        raise DataError("refused")

    monkeypatch.setattr(stages, "data", refuse)
    with pytest.raises(DataError):
        run_pipeline(replace(tiny_config, out_dir=str(tmp_path / "new" / "deeper" / "run")))
    assert not (tmp_path / "new").exists()
    claim(tmp_path / "ours")
    with pytest.raises(DataError):
        run_pipeline(replace(tiny_config, out_dir=str(tmp_path / "ours")))
    assert sorted(p.name for p in (tmp_path / "ours").iterdir()) == ["config.toml", "hedonic-run.json"]
