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
from hedonic.pipeline.validation import validate_config, validate_model


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
        ("game.threshold", float("nan"), r'\[game\] threshold must be a number or "none"'),
        ("game.m", -1, r"\[game\] m must be ≥ 0"),
        ("game.method", "pac", r"\[game\] unknown game method 'pac'"),
        ("game.tau", "loud", r"\[game\] tau must be a finite number, 'auto' or a rule name"),
        ("game.max_size", "big", r'\[game\] max_size must be an integer ≥ 1, "auto" or "none"'),
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
        validate_model(changed(tiny_config, "layers.analyse", [0, 3]))
    validate_model(changed(tiny_config, "layers.evaluate", [-1]))


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


# ---------------------------------------------------------------- issue 28 items 1, 8, 9
def refused_at_the_command_line(config: RunConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """stderr of `hedonic run` on ``config``, after checking: exit code 2, no traceback, the model
    not loaded, and nothing written beside the configuration file (no out dir left behind)."""
    from hedonic import cli
    from hedonic.pipeline.config import config_toml

    path = tmp_path / "refused.toml"
    path.write_text(config_toml(config))
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(SystemExit) as stop:
        cli.main(["run", str(path)])
    err = " ".join(capsys.readouterr().err.split())
    assert stop.value.code == 2 and "Traceback" not in err and "loading model" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before and not Path(config.out_dir).exists()
    return err


def test_a_malicious_pickle_is_refused_before_anything_is_loaded(
    tiny_config: RunConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 1: rc 1 and a traceback ending in torch's advice to retry with weights_only=False."""
    from tests.models.test_loading import malicious_checkpoint

    marker = tmp_path / "pwned"
    model_dir = malicious_checkpoint(tmp_path / "evil", marker)
    err = refused_at_the_command_line(changed(changed(tiny_config, "model.name", str(model_dir)), "model.adapter", ""), tmp_path, capsys)
    assert f"error: {model_dir / 'pytorch_model.bin'}: the weights are a pickle, and hedonic never loads pickles" in err
    assert "safetensors" in err and "weights_only" not in err and not marker.exists()


def three_logit_checkpoint(folder: Path) -> Path:
    """A tiny LLaMA reranker folder whose head has 3 logits."""
    import json

    from hedonic.testing import save_tiny_checkpoint

    model_dir = save_tiny_checkpoint("llama", folder, adapter=False, layers=3, hidden=16, intermediate=32).model_dir
    config = json.loads((model_dir / "config.json").read_text())
    config |= {"id2label": {str(i): f"LABEL_{i}" for i in range(3)}, "label2id": {f"LABEL_{i}": i for i in range(3)}}
    (model_dir / "config.json").write_text(json.dumps(config))
    return model_dir


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("model.name", "three-logits", "the model has a 3-logit head; hedonic needs a one-logit head"),
        ("layers", {"analyse": [0, 1], "evaluate": [2]}, "[layers] evaluate names layer(s) [2] that are not analysed"),
        ("model.adapter", "no-adapter-config", "is not a peft adapter folder (no adapter_config.json)"),
        ("data.max_length", 1_000_000_000, "[data] max_length = 1000000000 exceeds the 64 positions of the model"),
        ("game.m", 99999999999999999999, "[game] m must be ≤ 1000000000, got 99999999999999999999"),
        ("game.k", 10**30, "[game] k = 1000000000000000000000000000000 does not fit in 64 bits"),
    ],
)
def test_the_model_head_layers_adapter_and_bounds_are_checked_before_loading_model(
    tiny_config: RunConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, value: Any, message: str
) -> None:
    """Items 8 and 9: a 3-logit head (out dir left behind), evaluate outside analyse and an adapter folder
    without adapter_config.json failed after "loading model"; max_length and m were not bounded."""
    from hedonic.pipeline.config import LayersSection

    if value == "three-logits":
        value = str(three_logit_checkpoint(tmp_path / "three"))
        tiny_config = changed(tiny_config, "model.adapter", "")
    elif value == "no-adapter-config":
        (tmp_path / "lora").mkdir()
        value = str(tmp_path / "lora")
    config = replace(tiny_config, layers=LayersSection(**value)) if key == "layers" else changed(tiny_config, key, value)
    assert message in refused_at_the_command_line(config, tmp_path, capsys)


def test_evaluated_layers_are_compared_with_the_analysed_ones_by_position(tiny_config: RunConfig) -> None:
    from hedonic.pipeline.config import LayersSection

    validate_model(replace(tiny_config, layers=LayersSection(analyse=[0, -1], evaluate=[2])))
    validate_model(replace(tiny_config, layers=LayersSection(evaluate=[2])))
