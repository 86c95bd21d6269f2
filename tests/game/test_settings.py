"""One set of game defaults: discover(), ``hedonic discover`` and the run configuration's [game] agree."""

from __future__ import annotations

import inspect

import pytest
import typer

from hedonic.errors import ConfigError
from hedonic.game import DEFAULTS, GAME_METHODS, GameSettings, check_method, discover
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
    assert defaults["max_k"] == DEFAULTS.max_k and defaults["max_size"] is None and DEFAULTS.max_size == "auto"
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
        ({"tau": "noise"}, "tau must be"),
        ({"max_size": "big"}, "max_size must be"),
        ({"max_size": 0}, "max_size must be"),
        ({"m": 10, "epsilon": 0.1}, "not both"),
        ({"delta": 1.0}, "delta must lie"),
        ({"stability_samples": 0}, "stability_samples must be"),
    ],
)
def test_bad_settings_fail_clearly(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        GameSettings(**changes)  # type: ignore[arg-type]
