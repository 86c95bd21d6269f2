"""``hedonic lora`` on a tiny saved model + adapter."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

from hedonic import cli
from hedonic.models import load_lora_profile
from hedonic.testing import save_tiny_checkpoint


def test_lora_prints_a_table_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = save_tiny_checkpoint("llama", tmp_path / "ckpt", layers=3)
    out = tmp_path / "profile.json"
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        cli.main(["lora", str(saved.model_dir), "--adapter", str(saved.adapter_dir), "--out", str(out), "--top-k", "2"])
    assert stop.value.code == 0
    printed = capsys.readouterr().out
    assert "LoRA update of" in printed and "relative" in printed and "gate" in printed and "out" in printed
    assert "largest relative MLP update" in printed
    profile = load_lora_profile(out)
    assert profile.num_layers == 3 and len(profile.modules) == 9
    assert all(u.delta_norm > 0 for u in profile.modules)


def test_lora_without_adapter_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = save_tiny_checkpoint("gpt2", tmp_path / "ckpt", adapter=False)
    with pytest.raises(SystemExit) as stop:
        cli.main(["lora", str(saved.model_dir)])
    assert stop.value.code == 2
    assert "no LoRA adapter" in " ".join(capsys.readouterr().err.split())


def test_lora_missing_model_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["lora", str(tmp_path / "missing")])
    assert stop.value.code == 2
    assert "does not exist" in " ".join(capsys.readouterr().err.split())
