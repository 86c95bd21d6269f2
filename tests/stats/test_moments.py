"""Derived moments and neuron selection of ActivationStats; the accumulator is order-independent."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.errors import ConfigError, NumericalError
from hedonic.stats import ActivationStats, MomentAccumulator


def _from_rows(x: np.ndarray, neurons: np.ndarray | None = None) -> ActivationStats:
    return ActivationStats(
        layer=0,
        neurons=np.arange(x.shape[1]) if neurons is None else neurons,
        tokens="all",
        count=x.shape[0],
        num_inputs=x.shape[0],
        sum=x.sum(0),
        sum_abs=np.abs(x).sum(0),
        sum_sq=(x**2).sum(0),
        sum_outer=x.T @ x,
    )


def test_mean_variance_and_mean_abs() -> None:
    x = np.random.default_rng(0).normal(size=(50, 3)) * [1.0, 2.0, 0.5] + [0.0, 5.0, -1.0]
    stats = _from_rows(x)
    np.testing.assert_allclose(stats.mean(), x.mean(0))
    np.testing.assert_allclose(stats.variance(), x.var(0))
    np.testing.assert_allclose(stats.mean_abs(), np.abs(x).mean(0))


def test_constant_neurons_have_exactly_zero_variance() -> None:
    x = np.column_stack([np.full(1000, 0.1), np.zeros(1000), np.linspace(0, 1, 1000)])
    variance = _from_rows(x).variance()
    assert variance[0] == 0.0 and variance[1] == 0.0 and variance[2] > 0


def test_select_restricts_every_sum() -> None:
    x = np.random.default_rng(1).normal(size=(20, 5))
    stats = _from_rows(x, np.array([2, 4, 6, 8, 10]))
    chosen = stats.select(np.array([10, 4]))
    assert chosen.neurons.tolist() == [4, 10]
    np.testing.assert_array_equal(chosen.sum_outer, (x.T @ x)[np.ix_([1, 4], [1, 4])])
    np.testing.assert_array_equal(chosen.sum_abs, np.abs(x).sum(0)[[1, 4]])
    with pytest.raises(ConfigError, match=r"neurons \[5\] of layer 0 are not in the collected"):
        stats.select(np.array([4, 5]))


def test_empty_statistics_have_no_moments() -> None:
    stats = _from_rows(np.zeros((0, 2)))
    with pytest.raises(NumericalError, match="no rows"):
        stats.mean()


def test_correlation_and_covariance_match_numpy_with_constant_neurons() -> None:
    x = np.random.default_rng(2).normal(size=(40, 5)) @ np.random.default_rng(3).normal(size=(5, 5))
    x[:, 1] = 0.25
    x[:, 3] = 0.0
    stats = _from_rows(x)
    varying = [0, 2, 4]
    rho, covariance = stats.correlation(), stats.covariance()
    np.testing.assert_allclose(rho[np.ix_(varying, varying)], np.corrcoef(x[:, varying].T), atol=1e-12)
    np.testing.assert_allclose(covariance[np.ix_(varying, varying)], np.cov(x[:, varying].T, bias=True), atol=1e-12)
    assert rho[1].tolist() == [0.0, 1.0, 0.0, 0.0, 0.0] and rho[:, 3].tolist() == [0.0, 0.0, 0.0, 1.0, 0.0]
    assert not covariance[[1, 3]].any() and not covariance[:, [1, 3]].any()
    assert np.abs(rho).max() <= 1.0


@settings(max_examples=30, deadline=None)
@given(k=st.integers(1, 9), row_cut=st.integers(0, 9), col_cut=st.integers(0, 9), seed=st.integers(0, 2**16))
def test_correlation_blocks_are_blocks_of_the_whole(k: int, row_cut: int, col_cut: int, seed: int) -> None:
    x = np.random.default_rng(seed).normal(size=(12, k))
    x[:, seed % k] = 1.5  # one constant neuron, whose ρ_ii must stay 1 in every block that holds it
    stats = _from_rows(x)
    whole = stats.correlation()
    rows, cols = slice(min(row_cut, k), k), slice(0, min(col_cut, k))
    np.testing.assert_array_equal(stats.correlation(rows, cols), whole[rows, cols])
    np.testing.assert_array_equal(stats.covariance(rows, cols), stats.covariance()[rows, cols])
    np.testing.assert_array_equal(np.diagonal(whole), np.ones(k))


def test_correlation_needs_outer_products() -> None:
    x = np.random.default_rng(4).normal(size=(10, 3))
    stats = replace(_from_rows(x), sum_outer=None)
    with pytest.raises(ConfigError, match="no Σaaᵀ") as raised:
        stats.correlation()
    assert "--diagonal" in (raised.value.hint or "")


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(1, 30),
    k=st.integers(1, 6),
    cuts=st.lists(st.integers(0, 30), max_size=5),
    seed=st.integers(0, 2**16),
)
def test_accumulated_sums_do_not_depend_on_batching(rows: int, k: int, cuts: list[int], seed: int) -> None:
    generator = np.random.default_rng(seed)
    x = generator.normal(size=(rows, k)).astype(np.float32)
    v = generator.normal(size=(rows, k)).astype(np.float32)
    bounds = sorted({0, rows, *(c for c in cuts if c < rows)})
    accumulator = MomentAccumulator(3, np.arange(k), torch.device("cpu"), outer=True, grad=True)
    for index, (start, stop) in enumerate(pairwise(bounds)):
        accumulator.add(torch.from_numpy(x[start:stop]), stop - start, index, torch.from_numpy(v[start:stop]))
    stats = accumulator.result("readout", "model")
    exact = x.astype(np.float64)
    assert (stats.count, stats.num_inputs) == (rows, rows)
    np.testing.assert_allclose(stats.sum, exact.sum(0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(stats.sum_outer, exact.T @ exact, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(stats.sum_vv, v.astype(np.float64).T @ v.astype(np.float64), rtol=1e-12, atol=1e-12)
