"""One set of game defaults: discover(), ``hedonic discover`` and the run configuration's [game] agree."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest
import typer

from hedonic.errors import ConfigError
from hedonic.game import DEFAULTS, GAME_METHODS, GameSettings, auto_max_size, check_method, discover
from hedonic.pipeline.config import GameSection, RunConfig
from hedonic.pipeline.validation import validate_config


def test_discover_signature_defaults_are_the_shared_defaults() -> None:
    parameters = inspect.signature(discover).parameters
    for name, value in DEFAULTS.as_dict().items():
        assert parameters[name].default == value, name


def test_the_run_configuration_defaults_are_the_shared_defaults() -> None:
    assert GameSection().settings() == DEFAULTS


def test_the_cli_defaults_are_the_shared_defaults() -> None:
    from hedonic import cli
    from hedonic.cli import discover as discover_command  # noqa: F401  (registers the command)

    command = typer.main.get_command(cli.app).commands["discover"]  # type: ignore[attr-defined]
    defaults = {parameter.name: parameter.default for parameter in command.params}
    assert defaults["method"] == DEFAULTS.method and defaults["tau"] == str(DEFAULTS.tau) and defaults["choice"] == DEFAULTS.choice
    assert defaults["k"] == DEFAULTS.k and defaults["threshold"] == DEFAULTS.threshold and defaults["no_threshold"] is (DEFAULTS.threshold is None)
    assert defaults["m"] == DEFAULTS.m and defaults["epsilon"] == DEFAULTS.epsilon and defaults["delta"] == DEFAULTS.delta
    assert defaults["max_k"] == DEFAULTS.max_k and defaults["max_size"] == DEFAULTS.max_size == "auto"
    assert defaults["stability_samples"] == DEFAULTS.stability_samples


def test_the_registry_lists_every_game_and_refuses_others() -> None:
    assert list(GAME_METHODS) == ["additive", "additive-individual", "top-cover", "pac-top-cover"]
    assert check_method("top-cover").name == "top-cover" and DEFAULTS.method in GAME_METHODS
    with pytest.raises(ConfigError, match="use one of additive, additive-individual, top-cover, pac-top-cover"):
        check_method("pac")
    with pytest.raises(ConfigError, match=r"\[game\] unknown game method 'exact'"):
        validate_config(RunConfig(game=GameSection(method="exact")))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tau": "loud"}, "tau must be"),
        ({"tau": float("nan")}, "tau must be"),
        ({"max_size": "big"}, "max_size must be"),
        ({"max_size": 0}, "max_size 0 is ambiguous"),
        ({"max_size": 2.5}, "max_size must be"),
        ({"m": 10, "epsilon": 0.1}, "not both"),
        ({"delta": 1.0}, "delta must lie"),
        ({"stability_samples": 0}, "stability_samples must be"),
    ],
)
def test_bad_settings_fail_clearly(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        GameSettings(**changes)  # type: ignore[arg-type]


def test_max_size_has_one_spelling_in_python_toml_and_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hedonic import cli
    from hedonic.cli import discover as discover_command  # noqa: F401  (registers the command)
    from hedonic.pipeline.config import load_config

    assert GameSettings(max_size="none").size_bound(1000) is None and GameSettings(max_size="auto").size_bound(1000) == auto_max_size(1000) == 100
    assert GameSettings(max_size=7).size_bound(1000) == 7
    with pytest.warns(FutureWarning, match='max_size="none"'):
        assert GameSettings(max_size=None).max_size == "none"  # type: ignore[arg-type]
    for spelling, bound in (('"none"', None), ('"auto"', 100), ("12", 12)):
        (tmp_path / "run.toml").write_text(f"[game]\nmax_size = {spelling}\n")
        assert load_config(tmp_path / "run.toml").game.settings().size_bound(1000) == bound
    (tmp_path / "run.toml").write_text("[game]\nmax_size = 0\n")
    with pytest.warns(FutureWarning, match='write max_size = "auto"'):
        assert load_config(tmp_path / "run.toml").game.settings().max_size == "auto"
    with pytest.raises(ConfigError, match="max_size"):
        validate_config(RunConfig(game=GameSection(max_size="big")))
    np.save(tmp_path / "phi.npy", np.zeros((6, 6), dtype=np.float32))
    argv = ["discover", "--phi", str(tmp_path / "phi.npy"), "--out", str(tmp_path / "p.json"), "--max-size", "0"]
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2 and 'write "none" for no bound' in " ".join(capsys.readouterr().err.split())
