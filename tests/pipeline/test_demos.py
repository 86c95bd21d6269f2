"""The shipped demos' run configurations, and layers.window choosing the analysed layers from the LoRA profile."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hedonic.errors import ConfigError
from hedonic.layout import RunLayout
from hedonic.models import load_lora_profile, select_window
from hedonic.pipeline import stages
from hedonic.pipeline.config import LayersSection, RunConfig
from hedonic.pipeline.context import RunContext
from hedonic.pipeline.demos import DEMO_DECOMPOSITION, DEMO_WINDOW, SMOLLM2_DECOMPOSITION, SMOLLM2_WINDOW, demo_config, demo_names
from hedonic.pipeline.validation import validate_config


def test_demo_is_the_default_configuration_on_a_lora_window() -> None:
    assert demo_names() == ["demo", "smollm2"]
    assert demo_config() == demo_config("demo", "relevance")
    config, defaults = demo_config(), RunConfig()
    assert config.layers == LayersSection(window=DEMO_WINDOW, top_k=2)
    assert config.evaluation == replace(defaults.evaluation, significance_draws=100) and config.meaning == replace(
        defaults.meaning, max_coalitions=4
    )
    assert config.decomposition == DEMO_DECOMPOSITION and config.decomposition.readout == "model"
    assert (
        replace(
            config, layers=defaults.layers, evaluation=defaults.evaluation, meaning=defaults.meaning, decomposition=defaults.decomposition
        )
        == defaults
    )


@pytest.mark.parametrize(
    ("task", "name"), [(None, "smollm2"), ("relevance", "smollm2"), ("cqtr", "smollm2:cqtr"), ("tf-l", "smollm2:tf-l")]
)
def test_smollm2_demo_analyses_a_lora_window(task: str | None, name: str) -> None:
    config = demo_config("smollm2", task)
    assert config.model.name == name and config.out_dir == f"hedonic-runs/smollm2-{task or 'relevance'}"
    assert config.layers.window == SMOLLM2_WINDOW and not config.layers.analyse and not config.layers.evaluate
    assert (config.evaluation.max_coalitions, config.evaluation.significance_draws, config.meaning.max_coalitions) == (0, 100, 2)
    assert (config.data.inputs_limit, config.data.heldout_queries) == (240, 10)
    assert config.decomposition == SMOLLM2_DECOMPOSITION and not config.decomposition.enabled


def test_unknown_demo_or_task_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no demo for model 'llama'"):
        demo_config("llama")
    with pytest.raises(ConfigError, match="the smollm2 demo has no bm25 task") as error:
        demo_config("smollm2", "bm25")
    assert error.value.hint == "pick one of relevance, cqtr, tf-l (--task)"
    with pytest.raises(ConfigError, match="the demo demo has no cqtr task") as error:
        demo_config("demo", "cqtr")
    assert "relevance" in error.value.hint


def test_window_picks_the_consecutive_layers_with_the_largest_update(tiny_config: RunConfig) -> None:
    config = replace(tiny_config, layers=LayersSection(window=2, top_k=1))
    pipeline = RunContext(config, RunLayout(config.out_dir))
    stages.lora_profile(pipeline)
    expected = select_window(load_lora_profile(pipeline.layout.lora_profile), 2)
    analysed = pipeline.analysed_layers()
    assert analysed == expected and len(analysed) == 2
    assert pipeline.evaluated_layers(analysed)[0] in analysed


def test_window_with_listed_layers_is_a_config_error(tiny_config: RunConfig) -> None:
    config = replace(tiny_config, layers=LayersSection(analyse=[0, 1], window=2))
    with pytest.raises(ConfigError, match=r"\[layers\] window = 2"):
        validate_config(config)
