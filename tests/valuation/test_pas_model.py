"""PAS-model (the secant estimate through the later layers) and PAS-hess' ``rows`` method, against exact oracles.

Oracles: brute-force pair ablation through the model (PAS-exact with the ablation engine, every
single and pair) and the exact Hessian in the neuron scales by torch.autograd (PAS-hess ``autograd``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cache

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from hedonic.errors import ConfigError, MemoryBudgetError
from hedonic.models import ModelAdapter, TokenBatch
from hedonic.testing import TINY_FAMILIES, tiny_model
from hedonic.valuation.build import VALUATION_KINDS
from hedonic.valuation.computation import pas_model
from hedonic.valuation.exact import pas_exact
from hedonic.valuation.gradient_rows import row_sums
from hedonic.valuation.hessian import pas_hess

QUERIES = ["read the file", "a list", "python code", "the data set", "open a test"]
TEXTS = [
    "open the file and read it",
    "the list is a type of data set",
    "import the code and test it",
    "return none from the loop",
    "the value is true or false",
]
PLAYERS = [0, 5, 9, 14, 22, 30]


def batches_of(adapter: ModelAdapter) -> list[TokenBatch]:
    return [adapter.encode(QUERIES[:2], TEXTS[:2]), adapter.encode(QUERIES[2:], TEXTS[2:])]


def model_of(family: str, init_std: float = 0.2) -> ModelAdapter:
    return tiny_model(family, seed=4, layers=2, dtype=torch.float64, init_std=init_std)


@cache
def all_pairs(family: str, kind: str) -> np.ndarray:
    """φ over all 496 pairs of layer 0 (32 neurons): ``exact`` (every pair ablated), ``secant`` or ``hessian``."""
    model = model_of(family)
    if kind == "exact":
        return pas_exact(model, 0, batches_of(model), readout="model").phi
    return pas_model(model, 0, batches_of(model), estimate=kind).phi


def upper(phi: np.ndarray) -> np.ndarray:
    return phi[np.triu_indices(phi.shape[0], 1)]


@pytest.mark.parametrize("family", TINY_FAMILIES)
def test_rows_hessian_equals_the_autograd_hessian(family: str) -> None:
    model = model_of(family)
    rows = pas_hess(model, 0, batches_of(model), readout="model", neurons=PLAYERS)
    autograd = pas_hess(model, 0, batches_of(model), readout="model", neurons=PLAYERS, method="autograd")
    assert rows.details["method"] == "rows"
    scale = np.abs(autograd.phi).max()
    assert scale > 1e-3
    np.testing.assert_allclose(rows.phi, autograd.phi, rtol=0, atol=1e-6 * scale)


@pytest.mark.parametrize("family", ["llama", "bert", "gpt2"])
def test_secant_ranks_all_pairs_like_exact_ablation(family: str) -> None:
    """All 496 pairs of a whole 32-neuron layer, weights N(0, 0.2) (larger contributions than trained models have)."""
    assert spearmanr(upper(all_pairs(family, "secant")), upper(all_pairs(family, "exact"))).statistic >= 0.9


def test_the_valuation_names_its_kind_readout_and_estimate() -> None:
    model = model_of("gpt2")
    secant = pas_model(model, 0, batches_of(model), neurons=PLAYERS)
    assert secant.name == "pas-model" and secant.readout == "model" and secant.n == len(PLAYERS)
    assert secant.details == {"inputs": 5, "estimate": "secant", "exact_pairs": 0, "freeze_norms": False}


@pytest.mark.parametrize("family", TINY_FAMILIES)
def test_both_estimates_converge_to_exact_ablation(family: str) -> None:
    """Relative error O(|u|): smaller weights give much smaller contributions and far smaller errors."""
    errors = {}
    for init_std in (0.2, 0.02):
        model = model_of(family, init_std)
        exact = pas_exact(model, 0, batches_of(model), readout="model", neurons=PLAYERS).phi
        for estimate in ("secant", "hessian"):
            phi = pas_model(model, 0, batches_of(model), neurons=PLAYERS, estimate=estimate).phi
            errors[estimate, init_std] = np.abs(phi - exact).max() / np.abs(exact).max()
    for estimate in ("secant", "hessian"):
        assert errors[estimate, 0.02] < 0.1 * errors[estimate, 0.2], errors


def test_secant_beats_the_hessian_on_large_contributions() -> None:
    exact = all_pairs("llama", "exact")
    errors = [np.abs(all_pairs("llama", estimate) - exact).mean() for estimate in ("secant", "hessian")]
    assert errors[0] < 0.75 * errors[1]


def test_rows_per_pass_do_not_change_the_sums() -> None:
    model = model_of("gpt_neox")
    players = torch.as_tensor(PLAYERS)
    for estimate in ("secant", "hessian"):
        one = row_sums(model, 0, batches_of(model), players, estimate, max_rows=1)
        many = row_sums(model, 0, batches_of(model), players, estimate, max_rows=64)
        assert one.count == many.count == len(QUERIES)
        torch.testing.assert_close(one.total, many.total, rtol=1e-9, atol=1e-12)


def test_screened_pairs_hold_exact_ablation_and_the_rest_the_estimate() -> None:
    model = model_of("bert")
    plain = pas_model(model, 0, batches_of(model), neurons=PLAYERS).phi
    screened = pas_model(model, 0, batches_of(model), neurons=PLAYERS, exact_pairs=4)
    exact = pas_exact(model, 0, batches_of(model), readout="model", neurons=PLAYERS).phi
    assert screened.details["exact_pairs"] == 4
    rows, cols = np.triu_indices(len(PLAYERS), 1)
    top = np.argsort(-np.abs(plain[rows, cols]), kind="stable")[:4]
    chosen = np.zeros((len(PLAYERS),) * 2, dtype=bool)
    chosen[rows[top], cols[top]] = chosen[cols[top], rows[top]] = True
    np.testing.assert_allclose(screened.phi[chosen], exact[chosen], rtol=1e-5, atol=1e-9)
    np.testing.assert_array_equal(screened.phi[~chosen], plain[~chosen])


@pytest.mark.parametrize("family", ["llama", "gpt_neox", "gpt2"])
def test_frozen_norms_after_the_last_layer_leave_an_affine_readout_and_no_synergy(family: str) -> None:
    """Behind the last block only the final norm and the linear head remain; frozen, F is affine in h."""
    model = model_of(family)
    for estimate in ("secant", "hessian"):
        free = pas_model(model, 1, batches_of(model), neurons=PLAYERS, estimate=estimate)
        frozen = pas_model(model, 1, batches_of(model), neurons=PLAYERS, estimate=estimate, freeze_norms=True)
        assert frozen.details["freeze_norms"] is True
        assert np.abs(frozen.phi).max() < 1e-6 * np.abs(free.phi).max(), estimate


def test_frozen_norms_secant_follows_frozen_norm_ablation() -> None:
    model = model_of("bert")
    secant = pas_model(model, 0, batches_of(model), freeze_norms=True, exact_pairs=3)
    exact = pas_exact(model, 0, batches_of(model), readout="model", freeze_norms=True)
    assert exact.details["freeze_norms"] is True and secant.details["exact_pairs"] == 3
    assert spearmanr(upper(secant.phi), upper(exact.phi)).statistic >= 0.9
    with pytest.raises(ConfigError, match="closed form"):
        pas_exact(model, 0, batches_of(model), freeze_norms=True)


def test_the_kind_is_registered_and_always_reads_the_model() -> None:
    row = VALUATION_KINDS["pas-model"]
    assert row.needs == ("statistics", "model", "inputs") and row.parallel
    assert "later layers" in row.description


def never_iterated() -> Iterator[TokenBatch]:
    raise AssertionError("inputs were read before the checks")
    yield  # pragma: no cover


def test_bad_requests_are_rejected_before_any_work() -> None:
    model = tiny_model("llama", seed=0)
    with pytest.raises(ConfigError, match="estimate"):
        pas_model(model, 0, never_iterated(), estimate="finite-differences")
    with pytest.raises(ConfigError, match="exact_pairs"):
        pas_model(model, 0, never_iterated(), exact_pairs=-1)
    with pytest.raises(MemoryBudgetError, match="PAS-model"):
        pas_model(model, 0, never_iterated(), memory_budget=10_000)
    with pytest.raises(ConfigError, match="rows"):
        pas_hess(model, 0, never_iterated(), readout="local", method="rows")
