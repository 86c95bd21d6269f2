"""Issue 18 items 10 and 11: every bad value is a clear error naming its key, before the model loads."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from hedonic.errors import ConfigError, HedonicError, ModelError
from hedonic.pipeline import context as context_module
from hedonic.pipeline.config import RunConfig
from hedonic.pipeline.run import run_pipeline
from hedonic.pipeline.validation import validate_config, validate_model_layers


def changed(config: RunConfig, key: str, value: Any) -> RunConfig:
    """``config`` with ``key`` ("seed" or "section.key") set to ``value``."""
    if "." not in key:
        return replace(config, **{key: value})
    section, name = key.split(".")
    return replace(config, **{section: replace(getattr(config, section), **{name: value})})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("seed", -5, r"seed must lie in 0\.\.4294967295, got -5"),
        ("seed", True, r"config\.seed: expected int, found bool"),
        ("model.device", "tpu", r"\[model\] device 'tpu' is not a torch device"),
        ("model.device", "cuda:3", r"\[model\] device 'cuda:3': this machine has \d+ CUDA device"),
        ("model.device", "meta", r"hedonic runs on cpu, cuda or mps"),
        ("model.dtype", "int8", r"config\.model\.dtype: 'int8' is not one of"),
        ("model.adapter", "/nowhere/lora", r"\[model\] adapter: folder /nowhere/lora does not exist"),
        ("data.batch_size", 0, r"\[data\] batch_size must be ≥ 1, got 0"),
        ("data.max_length", 1, r"\[data\] max_length must be ≥ 2, got 1"),
        ("data.inputs_limit", -1, r"\[data\] inputs_limit must be ≥ 0"),
        ("data.heldout", "", r"\[data\] heldout is empty"),
        ("data.inputs", "/nowhere/in.jsonl", r"\[data\] inputs: file /nowhere/in\.jsonl does not exist"),
        ("data.qrels", "/nowhere/qrels.txt", r"\[data\] qrels: file /nowhere/qrels\.txt does not exist"),
        ("layers.top_k", 0, r"\[layers\] top_k must be ≥ 1"),
        ("valuation.subset", "lora:x", r"\[valuation\] cannot read the neuron subset 'lora:x'"),
        ("game.k", -1, r"\[game\] k must be a positive integer"),
        ("game.delta", 1.5, r"\[game\] delta must lie in \(0, 1\)"),
        ("game.threshold", float("nan"), r"\[game\] threshold must be a number or -inf"),
        ("game.m", -1, r"\[game\] m must be ≥ 0"),
        ("game.method", "pac", r"\[game\] unknown game method 'pac'"),
        ("game.tau", "noise", r"\[game\] tau must be a finite number or 'auto'"),
        ("baselines.methods", ["kmeans++"], r"\[baselines\] unknown method\(s\) kmeans\+\+"),
        ("evaluation.min_size", 1, r"\[evaluation\] min_size must be ≥ 2"),
        ("evaluation.max_size", 1, r"\[evaluation\] size range 2–1: min_size must be ≥ 2 and at most max_size"),
        ("evaluation.max_size", "all", r'\[evaluation\] max_size must be an integer or "none"'),
        ("evaluation.max_pairs", 1, r"\[evaluation\] max_pairs must be 0 \(every pair\) or ≥ 2"),
        ("evaluation.verdict_metric", "excess", r"\[evaluation\] verdict_metric 'excess' is not among the metrics"),
        ("decomposition.max_pairs", -1, r"\[decomposition\] max_pairs must be 0"),
        ("evaluation.n_resamples", 0, r"\[evaluation\] n_resamples must be ≥ 1"),
        ("meaning.max_coalitions", 1, r"\[meaning\] max_coalitions must be ≥ 2"),
        ("tracking.tau", 7.0, r"\[tracking\] tau must lie in \(0, 1\], got 7"),
        ("tracking.presence", -0.1, r"\[tracking\] presence must lie in \[0, 1\]"),
        ("tracking.link_threshold", 2.0, r"\[tracking\] link_threshold must lie in \[0, 1\]"),
        ("report.top_coalitions", -1, r"\[report\] top_coalitions must be ≥ 0"),
    ],
)
def test_a_bad_value_names_its_key(key: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        validate_config(changed(RunConfig(), key, value))
    assert error.value.hint


def test_the_defaults_are_valid() -> None:
    validate_config(RunConfig())


def test_layers_are_checked_against_the_models_config_without_loading_it(tiny_config: RunConfig) -> None:
    with pytest.raises(ConfigError, match=r"\[layers\] analyse names layer\(s\) \[3\]: the model has 3 layers"):
        validate_model_layers(changed(tiny_config, "layers.analyse", [0, 3]))
    validate_model_layers(changed(tiny_config, "layers.evaluate", [-1]))


@pytest.mark.parametrize(
    ("key", "value"),
    [("tracking.tau", 7.0), ("data.batch_size", 0), ("seed", -5), ("model.device", "tpu"), ("layers.analyse", [9])],
)
def test_a_bad_configuration_fails_before_the_model_loads_and_writes_nothing(
    tiny_config: RunConfig, monkeypatch: pytest.MonkeyPatch, key: str, value: Any
) -> None:
    def no_model(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(context_module, "open_model", no_model)
    with pytest.raises(HedonicError):
        run_pipeline(changed(tiny_config, key, value))
    assert not Path(tiny_config.out_dir).exists()


def test_an_unsupported_model_type_fails_before_anything_is_written(tiny_config: RunConfig, tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text('{"model_type": "qwen99"}')
    with pytest.raises(ModelError, match="'qwen99' is not supported"):
        run_pipeline(changed(changed(tiny_config, "model.name", str(tmp_path / "model")), "model.adapter", ""))
    assert not Path(tiny_config.out_dir).exists()
