"""The run configuration file."""

from __future__ import annotations

from pathlib import Path

import pytest

from hedonic.errors import ConfigError
from hedonic.pipeline.config import RunConfig, config_toml, load_config


def test_defaults_round_trip_through_toml(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text(config_toml(RunConfig()))
    assert load_config(path) == RunConfig()


def test_every_value_survives_the_round_trip(tmp_path: Path) -> None:
    from dataclasses import replace

    from hedonic.pipeline.config import GameSection, StatsSection

    config = replace(RunConfig(), game=GameSection(threshold=float("-inf")), stats=StatsSection(grad="none"))
    path = tmp_path / "run.toml"
    path.write_text(config_toml(config))
    assert load_config(path) == config


def test_user_values_and_nested_tables(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text('seed = 3\n[model]\nname = "/m"\ndtype = "bfloat16"\n[layers]\nanalyse = [1, 2]\n[game]\nthreshold = 0.5\n')
    config = load_config(path)
    assert (config.seed, config.model.name, config.model.dtype, config.layers.analyse) == (3, "/m", "bfloat16", [1, 2])
    assert config.game.threshold == 0.5 and config.game.k == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[game]\nkk = 3\n", "unknown key 'kk'"),
        ("colour = 1\n", "unknown key 'colour'"),
        ('[valuation]\nkind = "magic"\n', "not one of"),
        ('[data]\nbatch_size = "big"\n', "config.data.batch_size: expected int"),
        ("seed = \n", "not valid TOML"),
        ("[evaluation]\nalpha = 1.5\n", r"\[evaluation\] alpha must lie in"),
        ("[evaluation]\nsignificance_draws = 1\n", "significance_draws must be 0"),
        ('[evaluation]\nverdict_metric = "x"\n', "verdict_metric: 'x' is not one of"),
        ('[evaluation]\nsignificance_metrics = ["excess"]\n', "significance_metrics\\[0\\]: 'excess' is not one of"),
        ('[tracking]\nrule = "magic"\n', "tracking.rule: 'magic' is not one of"),
        ("[tracking]\nbootstrap = 1\n", r"\[tracking\] bootstrap must be 0"),
        ("[tracking]\nmin_size = 0\n", r"\[tracking\] min_size must be"),
        ("[tracking]\nalpha = 0\n", r"\[tracking\] alpha must lie in"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as error:
        load_config(path)
    assert "bad.toml" in str(error.value)


def test_unknown_key_lists_the_valid_ones(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[game]\nkk = 3\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "max_k" in str(error.value.hint) and "stability_samples" in str(error.value.hint)


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config("/nonexistent/run.toml")
