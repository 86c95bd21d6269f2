"""Issue 18 item 3: one writer per run directory (a lock file with the holder's pid; stale locks taken over)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from hedonic.errors import ConfigError
from hedonic.pipeline.config import RunConfig
from hedonic.pipeline.lock import RunLock
from hedonic.pipeline.run import run_pipeline
from hedonic.pipeline.run_directory import claim

HOLD = (
    "import sys, time; from pathlib import Path; from hedonic.pipeline.lock import RunLock\n"
    "with RunLock(Path(sys.argv[1])):\n    print('held', flush=True)\n    time.sleep(60)\n"
)


def test_a_second_holder_is_refused_naming_the_first(tmp_path: Path) -> None:
    with RunLock(tmp_path) as held:
        assert json.loads(held.path.read_text())["pid"] == os.getpid()
        with pytest.raises(
            ConfigError, match=rf"is in use: another hedonic run \(pid {os.getpid()} on .* since .*\) holds .*run\.lock"
        ) as error:
            RunLock(tmp_path).__enter__()
        assert "another out_dir" in (error.value.hint or "")
    assert not (tmp_path / "run.lock").exists()
    with RunLock(tmp_path) as again:
        assert again.previous is None


def test_a_run_on_a_held_directory_fails_before_writing_and_a_killed_holders_lock_is_taken_over(
    tiny_config: RunConfig, tmp_path: Path
) -> None:
    root = tmp_path / "run"
    claim(root)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(root)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(ConfigError, match=rf"another hedonic run \(pid {holder.pid} on"):
            run_pipeline(replace(tiny_config, out_dir=str(root)))
        assert sorted(p.name for p in root.iterdir()) == ["hedonic-run.json", "run.lock"]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert json.loads((root / "run.lock").read_text())["pid"] == holder.pid  # left behind by kill -9
    with RunLock(root) as lock:
        assert lock.previous is not None and lock.previous["pid"] == holder.pid
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()


@pytest.mark.slow
def test_kill_9_mid_run_then_a_new_run_takes_the_lock_over_and_resumes_byte_identical(tiny_config: RunConfig, tmp_path: Path) -> None:
    """Issue 28, the kill -9 tries: a `hedonic run` killed by SIGKILL while a stage runs leaves its lock
    file behind; the next run takes it over, reuses the finished stages and ends with the same bytes as
    a run that was never interrupted."""
    import io
    import time

    from rich.console import Console

    from hedonic.pipeline.config import config_toml
    from tests.pipeline.test_run import artifact_bytes, quick

    config = quick(replace(tiny_config, out_dir=str(tmp_path / "killed")))
    (tmp_path / "run.toml").write_text(config_toml(config))
    root = Path(config.out_dir)
    child = subprocess.Popen(
        [sys.executable, "-m", "hedonic.cli", "run", str(tmp_path / "run.toml")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 300
        while not (root / "stages" / "lora.json").is_file():  # the statistics run now
            assert child.poll() is None and time.monotonic() < deadline, child.stderr.read() if child.stderr else ""
            time.sleep(0.01)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert json.loads((root / "run.lock").read_text())["pid"] == child.pid and not (root / "manifest.json").exists()
    (root / "data" / ".inputs.jsonl.k9x2.tmp").write_bytes(b"half")  # what a kill in the middle of a write leaves
    said = io.StringIO()
    resumed = run_pipeline(config, console=Console(file=said, width=1000))
    assert f"took over the lock of a run that ended without releasing it (pid {child.pid} on" in said.getvalue()
    assert {"data", "lora"} <= set(resumed.reused) and not (root / "run.lock").exists()
    assert artifact_bytes(root) == artifact_bytes(run_pipeline(replace(config, out_dir=str(tmp_path / "whole"))).layout.root)
    assert not list(root.rglob("*.tmp"))
