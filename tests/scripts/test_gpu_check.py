"""``scripts/gpu_check.sh``: its CPU-only dry mode runs every timing of the GPU check on tiny sizes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ("stats", "pas-exact", "evaluation", "evaluation-8b")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_dry_mode_prints_one_line_per_figure() -> None:
    env = {**os.environ, "PYTHON": sys.executable, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(["bash", str(ROOT / "scripts" / "gpu_check.sh"), "--dry"], env=env, capture_output=True, text=True, timeout=290)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("gpu_check: dry mode")
    found = {line.split(":")[0]: line for line in lines if re.match(r"^[a-z0-9-]+: \d", line)}
    assert sorted(found) == sorted(FIGURES), done.stdout
    assert "tokens/s" in found["stats"] and "per 1000 inputs" in found["pas-exact"]
    assert "set·inputs/s" in found["evaluation-8b"]


def test_without_cuda_and_with_bad_options_it_says_what_to_do() -> None:
    env = {**os.environ, "PYTHON": sys.executable, "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(["bash", str(ROOT / "scripts" / "gpu_check.sh")], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "--dry" in done.stderr
    done = subprocess.run(["bash", str(ROOT / "scripts" / "gpu_check.sh"), "--fast"], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "usage" in done.stderr
