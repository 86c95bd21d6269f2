"""Bootstrap intervals of the event shares: per-input |a| agrees with the statistics, S is linear in E|a|, intervals."""

from __future__ import annotations

import numpy as np
import pytest

from hedonic.errors import ConfigError
from hedonic.game import Partition
from hedonic.models import ModelAdapter
from hedonic.stats import collect_stats
from hedonic.testing import tiny_model
from hedonic.tracking import (
    BootstrapSettings,
    InputActivity,
    ShareThresholds,
    TrackingOptions,
    coalition_influence,
    collect_input_activity,
    player_influences,
    share_intervals,
    track_chain,
    virtual_map,
)
from hedonic.tracking.bootstrap import influence_from_units

N = 24
QUERIES = ("read the file", "a list", "open data", "the error type", "python code", "search result rank", "a set", "the model")
TEXTS = (
    "open the file and read it",
    "the list is a type of data set",
    "python",
    "an error is a value of a type",
    "import the code and test it with a loop",
    "the model is a neuron layer",
    "a dict is not a set",
    "a neuron layer",
)


@pytest.fixture(scope="module")
def adapter() -> ModelAdapter:
    return tiny_model("llama", seed=3, layers=3, intermediate=N)


def batches(adapter: ModelAdapter) -> list:
    return [adapter.encode(QUERIES[k : k + 3], TEXTS[k : k + 3]) for k in range(0, len(QUERIES), 3)]


@pytest.mark.parametrize("tokens", ["readout", "all"])
def test_per_input_sums_add_up_to_the_statistics(adapter: ModelAdapter, tokens: str) -> None:
    neurons = {0: np.array([1, 5, 7, 20]), 1: np.arange(N)}
    activity = collect_input_activity(adapter, batches(adapter), neurons, tokens=tokens)
    stats = collect_stats(adapter, batches(adapter), [0, 1], tokens=tokens, outer=False)
    for layer, ids in neurons.items():
        assert activity[layer].sums.shape == (len(QUERIES), len(ids))
        np.testing.assert_allclose(activity[layer].sums.sum(axis=0), stats[layer].sum_abs[ids], rtol=1e-10)
        assert activity[layer].counts.sum() == stats[layer].count
        np.testing.assert_allclose(activity[layer].mean_abs(), stats[layer].mean_abs()[ids], rtol=1e-10)


def test_the_pass_stops_after_the_last_layer_asked_for(adapter: ModelAdapter) -> None:
    calls: list[int] = []
    handle = adapter.block(2).register_forward_pre_hook(lambda *_: calls.append(1))
    try:
        collect_input_activity(adapter, batches(adapter), {0: np.arange(4), 1: np.arange(4)})
        assert calls == []
        collect_input_activity(adapter, batches(adapter), {2: np.arange(4)})
        assert collect_input_activity(adapter, batches(adapter), {}) == {}
    finally:
        handle.remove()
    assert len(calls) == len(batches(adapter))


def test_influence_is_linear_in_mean_abs(adapter: ModelAdapter) -> None:
    source = Partition.from_coalitions([range(0, 10), range(10, 24)], "x", layer=0)
    target = Partition.from_coalitions([range(0, 12), range(12, 20), range(20, 24)], "x", layer=1)
    weights = np.random.default_rng(0).uniform(0.1, 2.0, N)
    vmap = virtual_map(adapter, 0)
    units, _ = player_influences(vmap, source, target)
    np.testing.assert_allclose(influence_from_units(units, source, weights), coalition_influence(vmap, source, target, weights), rtol=1e-9)
    batch = np.stack([weights, 2 * weights])
    stacked = influence_from_units(units, source, batch)
    np.testing.assert_allclose(stacked[1], 2 * stacked[0], rtol=1e-12)


def test_intervals_are_degenerate_without_input_variation() -> None:
    source = Partition.from_coalitions([[0, 1], [2, 3]], "x")
    units = np.array([[4.0, 0.0], [4.0, 0.0], [1.0, 3.0], [1.0, 3.0]])
    same = InputActivity(0, np.arange(4), np.ones((20, 4)), np.ones(20), "readout")
    intervals = share_intervals(units, source, same, ShareThresholds(), BootstrapSettings(resamples=50))
    assert intervals["persist"] == (100.0, 100.0) and intervals["vanish"] == (0.0, 0.0)


def test_intervals_cover_the_point_estimate_and_follow_the_seed() -> None:
    rng = np.random.default_rng(1)
    source = Partition.from_coalitions([[0, 1], [2, 3], [4, 5]], "x")
    units = rng.uniform(0, 1, (6, 4))
    activity = InputActivity(0, np.arange(6), rng.lognormal(0, 1, (60, 6)), np.ones(60), "readout")
    settings = BootstrapSettings(resamples=200, seed=4)
    intervals = share_intervals(units, source, activity, ShareThresholds(alpha=0.4, beta=0.4), settings)
    from hedonic.tracking.transitions import event_percentages

    point = event_percentages(influence_from_units(units, source, activity.mean_abs()), ShareThresholds(alpha=0.4, beta=0.4))
    assert all(low <= point[kind] <= high for kind, (low, high) in intervals.items())
    assert any(high > low for low, high in intervals.values()), "heavy-tailed inputs make the shares vary"
    assert intervals == share_intervals(units, source, activity, ShareThresholds(alpha=0.4, beta=0.4), settings)


def test_chain_writes_intervals_only_with_activity(adapter: ModelAdapter) -> None:
    source = Partition.from_coalitions([range(0, 12), range(12, 24)], "x", layer=0)
    target = Partition.from_coalitions([range(0, 12), range(12, 24)], "x", layer=1)
    options = TrackingOptions(min_size=10, thresholds=ShareThresholds(), bootstrap=BootstrapSettings(resamples=20))
    activity = collect_input_activity(adapter, batches(adapter), {0: np.arange(N)})
    (with_intervals,) = track_chain(adapter, {0: source, 1: target}, {0: activity[0].mean_abs()}, options, activity)
    assert with_intervals.intervals is not None and set(with_intervals.intervals) >= {"persist", "vanish"}
    assert with_intervals.bootstrap == {"resamples": 20, "confidence": 0.95, "seed": 0, "inputs": len(QUERIES), "tokens": "readout"}
    (without,) = track_chain(adapter, {0: source, 1: target}, None, options)
    assert without.intervals is None and without.bootstrap is None
    (links_rule,) = track_chain(adapter, {0: source, 1: target}, {0: activity[0].mean_abs()}, TrackingOptions(min_size=10), activity)
    assert links_rule.tracking.rule == "links" and links_rule.intervals is None, "the links rule does not read E|a|: no intervals"


def test_bad_bootstrap_settings_and_mismatched_activity_are_refused() -> None:
    with pytest.raises(ConfigError, match="resamples"):
        BootstrapSettings(resamples=1)
    source = Partition.from_coalitions([[0, 1]], "x")
    with pytest.raises(ConfigError, match="does not cover"):
        share_intervals(
            np.ones((2, 1)),
            source,
            InputActivity(0, np.array([0, 2]), np.ones((3, 2)), np.ones(3), "readout"),
            ShareThresholds(),
            BootstrapSettings(),
        )
