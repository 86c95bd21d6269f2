"""The README's Python examples run as written (on a tiny model and a small φ)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from hedonic.pipeline.config import RunConfig, config_toml, load_config

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_readme_python_examples_run(
    tiny_config: RunConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline_example, game_example = _python_blocks()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my-run.toml").write_text(config_toml(tiny_config))
    exec(compile(pipeline_example, "README.md", "exec"), {})
    assert (tmp_path / "runs" / "my-run" / "report.html").is_file()
    assert "evaluated layers: [" in capsys.readouterr().out

    rng = np.random.default_rng(0)
    phi = rng.normal(size=(40, 40)).astype(np.float32)
    phi = phi + phi.T
    np.fill_diagonal(phi, 0)
    np.save(tmp_path / "phi.npy", phi)
    exec(compile(game_example, "README.md", "exec"), {})
    assert (tmp_path / "partition.json").is_file()
    assert "PAC stable" in capsys.readouterr().out


def test_readme_run_configurations_load(tmp_path: Path) -> None:
    blocks = re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert blocks, "the README shows a run configuration"
    for number, block in enumerate(blocks):
        path = tmp_path / f"readme-{number}.toml"
        path.write_text(block, encoding="utf-8")
        load_config(path)
