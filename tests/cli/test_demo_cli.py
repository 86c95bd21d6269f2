"""``hedonic demo --model/--task``: bad choices fail before any model is loaded; ``hedonic lora smollm2``."""

from __future__ import annotations

from pathlib import Path

import pytest

from hedonic import cli
from hedonic.models import load_lora_profile


@pytest.mark.parametrize(
    ("arguments", "message"),
    [(["--model", "llama"], "no demo for model 'llama'"), (["--task", "cqtr"], "the demo demo has no cqtr task")],
)
def test_bad_demo_choice_exits_2(arguments: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["demo", "--out-dir", str(tmp_path / "run"), *arguments])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
@pytest.mark.smollm2
def test_lora_profiles_the_smollm2_relevance_adapter(smollm2_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "profile.json"
    with pytest.raises(SystemExit) as stop:
        cli.main(["lora", "smollm2:relevance", "--out", str(out)])
    assert stop.value.code == 0
    assert "largest relative MLP update" in capsys.readouterr().out
    profile = load_lora_profile(out)
    assert profile.model == "smollm2:relevance" and profile.num_layers == 30 and len(profile.modules) == 90


@pytest.mark.slow
@pytest.mark.smollm2
def test_collect_runs_on_smollm2(smollm2_folder: Path, tmp_path: Path) -> None:
    from hedonic.stats import load_stats

    with pytest.raises(SystemExit) as stop:
        cli.main(["collect", "smollm2", "--data", "demo", "--layer", "3", "--limit", "4", "--max-length", "64", "--out-dir", str(tmp_path)])
    assert stop.value.code == 0
    stats = load_stats(tmp_path / "layer3.safetensors")
    assert (stats.k, stats.num_inputs) == (1536, 4)
