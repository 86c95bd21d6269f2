"""Synergy metrics on hand-made Δ tables, their invariants, and the evaluation on a tiny model."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.ablation import AblationEngine, reference_effects
from hedonic.errors import ConfigError, DataError
from hedonic.evaluation import (
    METRICS,
    SynergyPlan,
    coalition_synergy,
    effect_table,
    evaluate_synergy,
    pairwise_psi,
    required_sets,
)
from hedonic.testing import tiny_model

FULL = SynergyPlan(METRICS, max_pairs=None)
"""Every metric, every pair."""

# Hand-made per-input effects (two inputs) for the coalition {0, 1, 2}.
TABLE = {
    (0,): np.array([1.0, 3.0]),
    (1,): np.array([2.0, -2.0]),
    (2,): np.array([0.0, 1.0]),
    (0, 1): np.array([4.0, 0.0]),
    (0, 2): np.array([1.0, 5.0]),
    (1, 2): np.array([2.0, -1.0]),
    (0, 1, 2): np.array([6.0, 2.0]),
}


def test_metrics_of_a_hand_made_table() -> None:
    result = coalition_synergy([2, 0, 1], TABLE, FULL)
    assert result.neurons == (0, 1, 2) and result.pairs == ((0, 1), (0, 2), (1, 2))
    np.testing.assert_allclose(result.single, [2.0, 0.0, 0.5])
    np.testing.assert_allclose(result.single_abs, [2.0, 2.0, 0.5])
    np.testing.assert_allclose(result.pair_delta, [2.0, 3.0, 0.5])
    np.testing.assert_allclose(result.psi, [0.0, 0.5, 0.0])
    np.testing.assert_allclose(result.psi_abs, [1.0, 0.5, 0.0])
    np.testing.assert_allclose(result.leave_one_out, [0.5, 3.0, 2.0])
    assert result.whole == 4.0
    expected = {
        "pair": 1 / 6,
        "pair_abs": 0.5,
        "ratio": 0.5 / 2.5,
        "ratio_abs": 1.5 / 4.5,
        "excess": 1.0,
        "excess_abs": ((6 - 4) + (2 - 5)) / 2,
        "na": 1.5,
        "na_abs": (3 + 0) / 2,
    }
    assert list(result.metrics) == list(METRICS)
    for name, value in expected.items():
        assert result.metrics[name] == pytest.approx(value), name
    pairs, psi = pairwise_psi([0, 1, 2], TABLE)
    assert pairs == [(0, 1), (0, 2), (1, 2)]
    np.testing.assert_allclose(psi, [[1.0, -1.0], [0.0, 1.0], [0.0, 0.0]])


def test_ratio_is_undefined_when_member_effects_cancel() -> None:
    table = {(0,): np.array([1.0, 1.0]), (1,): np.array([-1.0, -1.0]), (0, 1): np.array([0.5, 0.0])}
    result = coalition_synergy([0, 1], table, FULL)
    assert math.isnan(result.metrics["ratio"])
    assert result.metrics["ratio_abs"] == pytest.approx(0.25 / 2)
    assert result.metrics["excess"] == pytest.approx(0.25 - 1.0)
    dead = {(0,): np.zeros(2), (1,): np.zeros(2), (0, 1): np.zeros(2)}
    assert all(math.isnan(coalition_synergy([0, 1], dead).metrics[name]) for name in ("ratio", "ratio_abs"))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 6), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_additive_effects_have_no_synergy(size: int, inputs: int, seed: int) -> None:
    weights = np.random.default_rng(seed).normal(size=(size, inputs))
    members = list(range(size))
    table = {s: weights[list(s)].sum(axis=0) for s in required_sets([members], FULL)}
    result = coalition_synergy(members, table, FULL)
    scale = np.abs(weights).sum()
    for name in ("pair", "pair_abs", "na", "na_abs"):
        assert abs(result.metrics[name]) <= 1e-12 * scale, name
    assert result.metrics["excess"] == pytest.approx(weights.mean(axis=1).min(), abs=1e-12 * scale)
    additive = [result.single[i] + result.single[j] for i, j in result.pairs]
    np.testing.assert_allclose(result.psi, result.pair_delta - additive, atol=1e-12 * scale)


def test_required_sets_are_deduplicated_across_coalitions() -> None:
    assert required_sets([[2, 1, 0], [3, 2]]) == [
        (0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2), (3,), (2, 3),
    ]  # fmt: skip
    assert required_sets([[0, 1, 2]], SynergyPlan(("pair",))) == [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2)]
    assert required_sets([[0, 1, 2, 3]], SynergyPlan(("na", "na_abs"))) == [(0,), (1,), (2,), (3,), (0, 1, 2, 3)]
    assert len(required_sets([[0, 1, 2, 3]], FULL)) == 4 + 6 + 1 + 4
    with pytest.raises(ConfigError, match="fewer than 2 neurons"):
        required_sets([[4]])
    with pytest.raises(ConfigError, match="names a neuron twice"):
        required_sets([[4, 4]])


@pytest.fixture(scope="module")
def model_and_engine() -> tuple:
    adapter = tiny_model("llama", seed=0, layers=3, dtype=torch.float64)
    batch = adapter.encode(["read the file", "a list of code", "test"], ["open the file now", "the list", "true false"])
    return adapter, batch, AblationEngine(adapter, 1, batch)


COALITIONS = [[3, 1, 8], [2, 30], [5, 6, 7, 9]]
IDS = ["q1:d1", "q1:d2", "q2:d9"]


def test_evaluation_matches_metrics_from_the_reference_path(model_and_engine: tuple) -> None:
    adapter, batch, engine = model_and_engine
    for readout in ("local", "model"):
        result = evaluate_synergy(engine, COALITIONS, input_ids=IDS, readout=readout, model_name="tiny")
        sets = required_sets(COALITIONS)
        clean, delta = reference_effects(adapter, batch, 1, sets, readout=readout)
        table = effect_table(sets, delta)
        assert (result.model, result.layer, result.readout, result.mode) == ("tiny", 1, readout, "zero")
        assert result.input_ids == tuple(IDS) and result.sizes().tolist() == [3, 2, 4]
        np.testing.assert_allclose(result.clean, clean, rtol=1e-12)
        for got, coalition in zip(result.coalitions, COALITIONS, strict=True):
            expected = coalition_synergy(coalition, table)
            assert list(got.metrics) == list(result.metrics)
            for name in result.metrics:
                assert got.metrics[name] == pytest.approx(expected.metrics[name], rel=1e-8, abs=1e-12), name
        assert np.abs(result.metric("pair_abs")).max() > 0
        assert result.metric("na").shape == (3,)


def test_linear_readout_gives_zero_synergy_metrics(model_and_engine: tuple) -> None:
    _, _, engine = model_and_engine
    result = evaluate_synergy(engine, COALITIONS, input_ids=IDS, readout="linear")
    scale = max(np.abs(c.single).max() for c in result.coalitions)
    for name in ("pair", "pair_abs", "na", "na_abs"):
        assert np.abs(result.metric(name)).max() <= 1e-9 * scale, name


def test_inputs_must_be_identified_and_held_out(model_and_engine: tuple) -> None:
    _, _, engine = model_and_engine
    with pytest.raises(DataError, match="2 input ids for 3 inputs"):
        evaluate_synergy(engine, COALITIONS, input_ids=IDS[:2])
    with pytest.raises(DataError, match="not unique"):
        evaluate_synergy(engine, COALITIONS, input_ids=["a", "a", "b"])
    with pytest.raises(DataError, match="used to build φ"):
        evaluate_synergy(engine, COALITIONS, input_ids=IDS, exclude_ids={"q2:d9", "other"})
    with pytest.raises(ConfigError, match="unknown synergy metric"):
        evaluate_synergy(engine, COALITIONS[:1], input_ids=IDS).metric("mean")
