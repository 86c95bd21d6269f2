"""One declaration of the statistics' parameters: collect_stats, ``hedonic collect`` and ``[stats]`` agree."""

from __future__ import annotations

import inspect

from hedonic.pipeline.config import RunConfig, StatsSection
from hedonic.stats import collect_stats, collect_stats_distributed
from hedonic.stats.settings import DEFAULTS, StatsParameters
from tests.cli.defaults import command_defaults


def test_library_configuration_and_command_line_defaults_agree() -> None:
    assert StatsSection is StatsParameters and RunConfig().stats == DEFAULTS
    for function in (collect_stats, collect_stats_distributed):
        assert inspect.signature(function).parameters["tokens"].default == DEFAULTS.tokens, function.__name__
    collect = command_defaults("collect")
    assert collect["tokens"] == DEFAULTS.tokens and collect["readout"] == DEFAULTS.grad
    assert collect["grad"] is False  # the command line collects the gradient moments only when asked (hedonic.stats.settings)
