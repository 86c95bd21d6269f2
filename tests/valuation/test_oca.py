"""OCA φ = (1 − |cos(d_i, d_j)|) · ρ(a_i, a_j): against a direct NumPy computation, and its edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.errors import ConfigError, MemoryBudgetError, ModelError
from hedonic.stats import ActivationStats, collect_stats
from hedonic.testing import tiny_model
from hedonic.valuation import check_phi, oca


def stats_of(x: np.ndarray, neurons: np.ndarray | None = None, outer: bool = True) -> ActivationStats:
    """Statistics of activation rows x (N, k)."""
    return ActivationStats(
        layer=1,
        neurons=np.arange(x.shape[1]) if neurons is None else neurons,
        tokens="readout",
        count=x.shape[0],
        num_inputs=x.shape[0],
        sum=x.sum(0),
        sum_abs=np.abs(x).sum(0),
        sum_sq=(x**2).sum(0),
        sum_outer=x.T @ x if outer else None,
    )


def direct_oca(x: np.ndarray, directions: np.ndarray, measure: str = "pearson") -> np.ndarray:
    unit = directions / np.linalg.norm(directions, axis=0)
    coactivation = np.corrcoef(x.T) if measure == "pearson" else np.cov(x.T, bias=True)
    phi = (1 - np.abs(unit.T @ unit)) * coactivation
    np.fill_diagonal(phi, 0)
    return phi


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(3, 40), k=st.integers(2, 9), d=st.integers(2, 6), seed=st.integers(0, 2**16))
def test_matches_the_definition(rows: int, k: int, d: int, seed: int) -> None:
    generator = np.random.default_rng(seed)
    x = generator.normal(size=(rows, k)) @ generator.normal(size=(k, k)) + generator.normal(size=k)
    w_out = generator.normal(size=(d, k + 3))
    neurons = np.sort(generator.choice(k + 3, size=k, replace=False))
    for measure in ("pearson", "covariance"):
        valuation = oca(stats_of(x, neurons), w_out, measure=measure)
        expected = direct_oca(x, w_out[:, neurons], measure)
        np.testing.assert_allclose(valuation.phi, expected, rtol=1e-4, atol=1e-5 * max(1.0, np.abs(expected).max()))
        assert valuation.phi.dtype == np.float32 and valuation.name == "oca"
        assert valuation.neurons.tolist() == neurons.tolist() and valuation.layer == 1
        check_phi(valuation.phi)
        assert np.array_equal(valuation.phi, valuation.phi.T)


def test_constant_neurons_get_zero_not_nan() -> None:
    generator = np.random.default_rng(0)
    x = generator.normal(size=(30, 4))
    x[:, 1] = 0.37
    x[:, 3] = 0.0
    for measure in ("pearson", "covariance"):
        valuation = oca(stats_of(x), generator.normal(size=(5, 4)), measure=measure)
        assert np.isfinite(valuation.phi).all()
        assert not valuation.phi[[1, 3]].any() and not valuation.phi[:, [1, 3]].any()
        assert valuation.phi[0, 2] != 0 and valuation.details["constant_neurons"] == 2


def test_parallel_directions_and_perfect_correlation() -> None:
    x = np.random.default_rng(1).normal(size=(20, 1))
    x = np.hstack([x, 2 * x + 1, -x])
    w_out = np.array([[1.0, -3.0, 0.0], [0.0, 0.0, 2.0]])
    phi = oca(stats_of(x), w_out).phi
    assert phi[0, 1] == pytest.approx(0.0, abs=1e-6)  # parallel write directions
    assert phi[0, 2] == pytest.approx(-1.0, abs=1e-6)  # orthogonal directions, ρ = −1
    assert phi[1, 2] == pytest.approx(-1.0, abs=1e-6)


def test_zero_write_direction_counts_as_orthogonal() -> None:
    x = np.random.default_rng(2).normal(size=(25, 2))
    phi = oca(stats_of(x), np.array([[0.0, 1.0], [0.0, 2.0]])).phi
    assert phi[0, 1] == pytest.approx(np.corrcoef(x.T)[0, 1], rel=1e-5)


def test_blocks_give_the_same_phi_as_one_block(monkeypatch: pytest.MonkeyPatch) -> None:
    generator = np.random.default_rng(3)
    x = generator.normal(size=(50, 37)) @ generator.normal(size=(37, 37))
    stats, w_out = stats_of(x), generator.normal(size=(8, 37))
    whole = oca(stats, w_out).phi
    monkeypatch.setattr("hedonic.valuation.memory.BLOCK_ROWS", 5)
    from hedonic.valuation import memory

    assert memory.BLOCK_ROWS == 5
    np.testing.assert_allclose(oca(stats, w_out).phi, whole, rtol=1e-6, atol=1e-7)


def test_from_collected_statistics_of_a_tiny_model() -> None:
    adapter = tiny_model("gpt_neox", seed=0, layers=2)
    batch = adapter.encode(["read the file", "a list", "open data", "python code"], ["open it", "a set", "the data", "code"])
    stats = collect_stats(adapter, [batch], [1], neurons=[0, 4, 9, 12, 20], tokens="all")[1]
    x = adapter.neuron_activations(batch, [1])[1][batch.attention_mask.bool()][:, stats.neurons].double().numpy()
    expected = direct_oca(x, adapter.w_out(1).double().numpy()[:, stats.neurons])
    np.testing.assert_allclose(oca(stats, adapter.w_out(1).numpy()).phi, expected, rtol=1e-4, atol=1e-5)


def test_bad_inputs_fail_clearly() -> None:
    x = np.random.default_rng(4).normal(size=(10, 3))
    with pytest.raises(ConfigError, match="no Σaaᵀ"):
        oca(stats_of(x, outer=False), np.ones((2, 3)))
    with pytest.raises(ModelError, match="does not hold the write directions"):
        oca(stats_of(x, np.array([0, 1, 5])), np.ones((2, 3)))
    with pytest.raises(ConfigError, match="unknown OCA measure"):
        oca(stats_of(x), np.ones((2, 3)), measure="spearman")  # type: ignore[arg-type]
    with pytest.raises(MemoryBudgetError, match="OCA φ of layer 1 for 3 neurons") as raised:
        oca(stats_of(x), np.ones((2, 3)), memory_budget=100)
    assert "variance:" in str(raised.value)
