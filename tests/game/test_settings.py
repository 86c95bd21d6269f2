"""One declaration of the game's parameters: discover(), ``hedonic discover`` and the run configuration's [game] agree."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import typer

from hedonic.errors import ConfigError
from hedonic.game import DEFAULTS, GAME_METHODS, GameParameters, GameSettings, auto_max_size, check_method, discover
from hedonic.pipeline.config import GameSection, RunConfig
from hedonic.pipeline.validation import validate_config


def _cli_defaults() -> dict[str, object]:
    """The ``hedonic discover`` default of every game parameter, read as the command reads its value."""
    from hedonic import cli
    from hedonic.cli import discover as discover_command  # registers the command

    command = typer.main.get_command(cli.app).commands["discover"]  # type: ignore[attr-defined]
    defaults = {parameter.name: parameter.default for parameter in command.params}
    assert defaults.pop("no_threshold") is False
    return {name: discover_command._setting(name, value) if isinstance(value, str) else value for name, value in defaults.items()}


def test_library_configuration_and_command_line_defaults_agree() -> None:
    names = [field.name for field in dataclasses.fields(GameParameters)]
    assert GameSection is GameParameters and [field.name for field in dataclasses.fields(GameSettings)] == names
    assert "epsilon" in names and GameSection().settings() == DEFAULTS == GameSettings()
    parameters = inspect.signature(discover).parameters
    cli_defaults = _cli_defaults()
    for name, value in DEFAULTS.as_dict().items():
        assert parameters[name].default == value, f"discover {name}"
        assert cli_defaults[name] == value, f"hedonic discover --{name}"
        assert getattr(RunConfig().game, name) == value, f"[game] {name}"


def test_the_configuration_spells_none_as_the_command_line_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hedonic.pipeline.config import config_toml, load_config

    path = tmp_path / "run.toml"
    path.write_text('[game]\nk = "none"\nthreshold = 0.5\nepsilon = 0.1\nm = "none"\n')
    settings = load_config(path).game.settings()
    assert (settings.k, settings.threshold, settings.epsilon, settings.m) == (None, 0.5, 0.1, None)
    assert 'epsilon = "none"' in config_toml(RunConfig()) and 'k = "none"' in config_toml(replace(RunConfig(), game=GameSection(k=None)))
    for text, name, meaning in (
        ("k = 0", "k", None),
        ("m = 0", "m", None),
        ("threshold = -inf", "threshold", None),
        ("max_size = 0", "max_size", "auto"),
    ):
        path.write_text(f"[game]\n{text}\n")
        with pytest.warns(FutureWarning, match=f"write {name} = "):
            assert getattr(load_config(path).game.settings(), name) == meaning


def test_the_former_command_line_spellings_still_read(tmp_path: Path) -> None:
    from hedonic.cli import discover as discover_command

    with pytest.warns(FutureWarning, match="--k 0 is deprecated: write --k none"):
        assert discover_command._setting("k", "0") is None
    with pytest.warns(FutureWarning, match="--no-threshold is deprecated"):
        assert discover_command._threshold("0.0", True) is None
    assert discover_command._setting("k", "none") is None and discover_command._setting("threshold", "none") is None
    assert discover_command._setting("tau", "0.5") == 0.5 and discover_command._setting("tau", "noise") == "noise"
    with pytest.raises(ConfigError, match="--k: expected an integer or 'none', got 'many'"):
        discover_command._setting("k", "many")


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

    assert (
        GameSettings(max_size="none").size_bound(1000) is None
        and GameSettings(max_size="auto").size_bound(1000) == auto_max_size(1000) == 100
    )
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
