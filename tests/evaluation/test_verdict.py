"""The computed verdict on constructed comparisons: ahead, level, behind, undetermined; per layer and per model."""

from __future__ import annotations

import numpy as np
import pytest

from hedonic.errors import ConfigError
from hedonic.evaluation.comparison import compare_methods
from hedonic.evaluation.verdict import classify, layer_verdicts, model_verdicts


def _comparison(layer: int, shifts: dict[str, float], count: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    values = {"hedonic": {"na_abs": rng.lognormal(0.0, 1.0, count)}}
    sizes = {"hedonic": np.full(count, 5)}
    for method, shift in shifts.items():
        values[method] = {"na_abs": rng.lognormal(shift, 1.0, count)}
        sizes[method] = np.full(count, 5)
    return compare_methods(values, sizes, n_resamples=299, n_permutations=299, seed=seed, context={"layer": layer, "model": "m"})


def test_ahead_level_and_behind_follow_delta_and_the_holm_p() -> None:
    comparison = _comparison(3, {"random": -1.5, "spectral": 0.0, "louvain": 1.5})
    verdicts = {v.baseline: v for v in layer_verdicts(comparison)}
    assert verdicts["random"].verdict == "ahead" and verdicts["random"].delta > 0.5
    assert verdicts["spectral"].verdict == "level"
    assert verdicts["louvain"].verdict == "behind" and verdicts["louvain"].delta < -0.5
    line = verdicts["random"].line()
    assert line.startswith("layer 3: hedonic ahead of random on na_abs (δ = +0.") and "(Holm)" in line and "40 vs 40" in line
    assert "level with spectral" in verdicts["spectral"].line() and "behind louvain" in verdicts["louvain"].line()
    assert all(v.layer == 3 and v.model == "m" for v in verdicts.values())


def test_the_rule_itself() -> None:
    assert classify(0.3, 0.01, 0.05) == "ahead"
    assert classify(-0.3, 0.01, 0.05) == "behind"
    assert classify(0.3, 0.2, 0.05) == "level"
    assert classify(0.3, 0.04, 0.01) == "level"
    assert classify(None, None, 0.05) == "undetermined"


def test_too_few_coalitions_are_undetermined() -> None:
    values = {"hedonic": {"na_abs": [1.0]}, "random": {"na_abs": [0.0, 2.0]}}
    comparison = compare_methods(values, {"hedonic": [5], "random": [5, 6]}, n_resamples=99, n_permutations=99, context={"layer": 1})
    (verdict,) = layer_verdicts(comparison)
    assert verdict.verdict == "undetermined" and "fewer than 2 coalitions" in verdict.line()


def test_model_verdict_combines_the_layers() -> None:
    layers = [
        *layer_verdicts(_comparison(3, {"random": -1.5, "spectral": -1.5, "louvain": 0.0}, seed=1)),
        *layer_verdicts(_comparison(4, {"random": -1.5, "spectral": 1.5, "louvain": 0.0}, seed=2)),
    ]
    combined = {v.baseline: v for v in model_verdicts(layers)}
    assert combined["random"].verdict == "ahead" and combined["random"].layers == {3: "ahead", 4: "ahead"}
    assert combined["spectral"].verdict == "mixed"
    assert combined["louvain"].verdict == "level"
    assert combined["spectral"].line() == "model m: hedonic mixed against spectral on na_abs (layer 3 ahead, layer 4 behind)"


def test_unknown_metric_and_bad_alpha_are_refused() -> None:
    comparison = _comparison(3, {"random": 0.0})
    with pytest.raises(ConfigError, match="verdict metric"):
        layer_verdicts(comparison, metric="pair")
    with pytest.raises(ConfigError, match="alpha"):
        layer_verdicts(comparison, alpha=1.5)


def test_each_model_gets_its_own_verdict() -> None:
    first = layer_verdicts(_comparison(3, {"random": -1.5}, seed=3), model="llama")
    second = layer_verdicts(_comparison(3, {"random": 1.5}, seed=4), model="bert")
    combined = model_verdicts([*first, *second])
    assert [(m.model, m.verdict) for m in combined] == [("llama", "ahead"), ("bert", "behind")]


def test_the_verdict_names_its_readout() -> None:
    from dataclasses import replace

    comparison = _comparison(4, {"random": -1.5})
    frozen = replace(comparison, context={**comparison.context, "readout": "model", "freeze_norms": True})
    (verdict,) = layer_verdicts(frozen)
    assert verdict.readout == "model, norms frozen" and "on na_abs, model, norms frozen readout (δ" in verdict.line()
    (local,) = layer_verdicts(replace(comparison, context={**comparison.context, "readout": "local"}))
    (combined,) = model_verdicts([local])
    assert combined.line() == "model m: hedonic ahead of random on na_abs, local readout (layer 4 ahead)"
