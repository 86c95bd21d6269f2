"""One declaration of the tracking's parameters: the library's TrackingOptions, ``[tracking]`` and ``hedonic track`` agree."""

from __future__ import annotations

from hedonic.pipeline.config import DataSection, RunConfig, StatsSection, TrackingSection
from hedonic.tracking import SankeyOptions, TrackingOptions
from hedonic.tracking.settings import RUN_LINK_THRESHOLD, RUN_SANKEY_TOP_K, TrackingParameters
from tests.cli.defaults import command_defaults


def test_library_configuration_and_command_line_defaults_agree() -> None:
    section = RunConfig().tracking
    assert TrackingSection is TrackingParameters and section == TrackingParameters()
    library = TrackingOptions()
    options = section.options(seed=0)
    assert options == library  # the configuration's defaults are the library's, to the last nested setting
    assert section.sankey() == SankeyOptions(link_threshold=RUN_LINK_THRESHOLD, min_size=library.min_size, top_k=RUN_SANKEY_TOP_K)
    assert (SankeyOptions().link_threshold, SankeyOptions().top_k) == (0.0, None)  # the run's Sankey choice, named once
    cli = command_defaults("track")
    for name in ("projection", "rule", "measure", "link_statistic", "floor_links", "causal_mode", "causal_inputs", "causal_groups"):
        assert cli[name] == getattr(section, name), f"hedonic track --{name}"
    for name in ("causal_floor", "alpha", "beta", "tau", "presence", "min_size", "bootstrap", "link_threshold"):
        assert cli[name] == getattr(section, name), f"hedonic track --{name}"
    assert cli["top_k"] == section.sankey_top_k and cli["tokens"] == StatsSection().tokens
    assert (cli["batch_size"], cli["max_length"]) == (DataSection().batch_size, DataSection().max_length)
