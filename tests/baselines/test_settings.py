"""One declaration of the baselines' parameters: run_baselines, ``[baselines]`` and ``hedonic baselines`` agree."""

from __future__ import annotations

import dataclasses
import inspect

from hedonic.baselines import BASELINE_METHODS, run_baselines
from hedonic.baselines.settings import DEFAULTS, KMEANS_N_INIT, BaselineParameters
from hedonic.baselines.spectral import DEFAULT_MAX_PLAYERS
from hedonic.pipeline.config import RUN_KMEANS_N_INIT, BaselinesSection, RunConfig
from tests.cli.defaults import command_defaults


def test_library_configuration_and_command_line_defaults_agree() -> None:
    parameters = inspect.signature(run_baselines).parameters
    assert list(parameters["methods"].default) == DEFAULTS.methods == list(BASELINE_METHODS)
    assert (parameters["match_sizes"].default, parameters["kmeans_n_init"].default) == (DEFAULTS.match_sizes, KMEANS_N_INIT)
    section = RunConfig().baselines
    assert issubclass(BaselinesSection, BaselineParameters) and [f.name for f in dataclasses.fields(BaselinesSection)] == [
        "methods",
        "match_sizes",
        "kmeans_n_init",
    ]
    assert section == BaselinesSection() and dataclasses.replace(section, kmeans_n_init=KMEANS_N_INIT).__dict__ == DEFAULTS.__dict__
    assert section.kmeans_n_init == RUN_KMEANS_N_INIT < KMEANS_N_INIT  # the run's one smaller budget
    cli = command_defaults("baselines")
    assert cli["methods"].split(",") == section.methods  # type: ignore[union-attr]
    assert (cli["match_sizes"], cli["kmeans_n_init"], cli["max_spectral_players"]) == (
        section.match_sizes,
        section.kmeans_n_init,
        DEFAULT_MAX_PLAYERS,
    )
