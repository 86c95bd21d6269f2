"""PAS-hess valuation: closed form equals autograd; close to PAS-exact when the ablated contributions are small."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")

import numpy as np
import pytest
import torch

from hedonic.errors import ConfigError, MemoryBudgetError
from hedonic.models import ModelAdapter, TokenBatch
from hedonic.testing import TINY_FAMILIES, tiny_model
from hedonic.valuation.exact import pas_exact
from hedonic.valuation.hessian import pas_hess

QUERIES = ["read the file", "a list", "python code"]
TEXTS = ["open the file and read it", "the list is a type of data set", "import the code and test it"]
PLAYERS = [0, 5, 9, 14, 22, 30]


def batches_of(adapter: ModelAdapter) -> list[TokenBatch]:
    return [adapter.encode(QUERIES[:2], TEXTS[:2]), adapter.encode(QUERIES[2:], TEXTS[2:])]


def shrunk(adapter: ModelAdapter, layer: int, factor: float) -> ModelAdapter:
    """A copy whose layer ``layer`` writes ``factor`` times its MLP output: the ablated contributions become small."""
    model = copy.deepcopy(adapter.model)
    clone = ModelAdapter(model, adapter.tokenizer)
    with torch.no_grad():
        clone.out_proj(layer).weight.mul_(factor)
    return clone


@pytest.mark.parametrize("family", TINY_FAMILIES)
def test_closed_form_equals_autograd(family: str) -> None:
    model = tiny_model(family, seed=4, layers=2, dtype=torch.float64)
    closed = pas_hess(model, 0, batches_of(model), neurons=PLAYERS, method="closed-form")
    autograd = pas_hess(model, 0, batches_of(model), neurons=PLAYERS, method="autograd")
    assert closed.name == autograd.name == "pas-hess"
    assert (closed.details["method"], autograd.details["method"]) == ("closed-form", "autograd")
    assert closed.details["inputs"] == len(QUERIES)
    scale = np.abs(closed.phi).max()
    assert scale > 1e-4
    # LLaMA/Mistral's RMSNorm module rounds through float32, the closed form does not.
    np.testing.assert_allclose(closed.phi, autograd.phi, rtol=0, atol=1e-5 * scale)


@pytest.mark.parametrize("family", ["gpt_neox", "bert"])
def test_close_to_pas_exact_when_contributions_are_small(family: str) -> None:
    base = tiny_model(family, seed=4, layers=2, dtype=torch.float64)
    for readout in ("local", "model"):
        errors = []
        for factor in (1.0, 1e-3):
            model = shrunk(base, 0, factor)
            hess = pas_hess(model, 0, batches_of(model), readout=readout, neurons=PLAYERS)
            exact = pas_exact(model, 0, batches_of(model), readout=readout, neurons=PLAYERS)
            errors.append(np.abs(hess.phi - exact.phi).max() / np.abs(exact.phi).max())
        assert errors[1] < 1e-2, (readout, errors)
        assert errors[0] > 10 * errors[1], (readout, errors)


def test_linear_readout_gives_zero() -> None:
    model = tiny_model("gpt2", seed=0, dtype=torch.float64)
    for method in ("closed-form", "autograd"):
        valuation = pas_hess(model, 1, batches_of(model), readout="linear", neurons=PLAYERS, method=method)
        assert np.abs(valuation.phi).max() < 1e-12


def never_iterated() -> Iterator[TokenBatch]:
    raise AssertionError("inputs were read before the checks")
    yield  # pragma: no cover


def test_bad_requests_are_rejected_before_any_work() -> None:
    model = tiny_model("llama", seed=0)
    with pytest.raises(ConfigError, match="no closed-form Hessian"):
        pas_hess(model, 0, never_iterated(), readout="model", method="closed-form")
    with pytest.raises(ConfigError, match="method"):
        pas_hess(model, 0, never_iterated(), method="finite-differences")
    with pytest.raises(MemoryBudgetError, match="PAS-hess"):
        pas_hess(model, 0, never_iterated(), memory_budget=10_000)
