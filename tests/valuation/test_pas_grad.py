"""PAS-grad φ = −E[v_i v_j] from the gradient sums."""

from __future__ import annotations

import numpy as np
import pytest

from hedonic.errors import ConfigError, MemoryBudgetError
from hedonic.stats import ActivationStats, collect_stats
from hedonic.testing import tiny_model
from hedonic.valuation import check_phi, pas_grad


def grad_stats(v: np.ndarray, readout: str | None = "local") -> ActivationStats:
    m, k = v.shape
    zeros = np.zeros(k)
    return ActivationStats(
        layer=0,
        neurons=np.arange(10, 10 + k),
        tokens="readout",
        count=m,
        num_inputs=m,
        sum=zeros,
        sum_abs=zeros,
        sum_sq=zeros,
        readout=readout,  # type: ignore[arg-type]
        sum_v=None if readout is None else v.sum(0),
        sum_vv=None if readout is None else v.T @ v,
    )


def test_is_minus_the_mean_product() -> None:
    v = np.random.default_rng(0).normal(size=(40, 6))
    valuation = pas_grad(grad_stats(v))
    expected = -(v.T @ v) / 40
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(valuation.phi, expected, rtol=1e-6, atol=1e-7)
    assert (valuation.name, valuation.readout, valuation.neurons.tolist()) == ("pas-grad", "local", list(range(10, 16)))
    check_phi(valuation.phi)


def test_from_a_tiny_model_collection() -> None:
    adapter = tiny_model("mistral", seed=0, layers=2)
    batch = adapter.encode(["read the file", "a list", "open data"], ["open it", "a set", "the data"])
    stats = collect_stats(adapter, [batch], [0], grad="model")[0]
    valuation = pas_grad(stats)
    assert valuation.readout == "model" and valuation.n == adapter.intermediate_size
    expected = -stats.sum_vv / 3
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(valuation.phi, expected, rtol=1e-5, atol=1e-9)
    assert np.abs(valuation.phi).max() > 0


def test_needs_gradient_sums_and_fits_the_budget() -> None:
    with pytest.raises(ConfigError, match="no gradient sums"):
        pas_grad(grad_stats(np.ones((3, 2)), readout=None))
    with pytest.raises(MemoryBudgetError, match="at most 2 neurons"):
        pas_grad(grad_stats(np.ones((3, 5))), memory_budget=120)  # 28 k² bytes
