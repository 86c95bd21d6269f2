"""Closed-form PAS-hess of the local readout: equal to autograd, close to exact synergy for small activations."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.ablation.norm_readout import NormReadout, norm_readout
from hedonic.models import ModelAdapter
from hedonic.stats import at_readout, capture_layer_states
from hedonic.testing import TINY_FAMILIES, tiny_model
from hedonic.valuation.pairwise import PairwiseHessian, PairwiseSynergy

QUERIES = ["read the file", "a list", "python code"]
TEXTS = ["open the file and read it", "the list is a type of data set", "import the code and test it with a loop"]


@pytest.fixture(scope="module", params=TINY_FAMILIES)
def states(request: pytest.FixtureRequest) -> tuple[ModelAdapter, torch.Tensor, torch.Tensor]:
    """(model, residual (3, d), activations (3, n)) at the readout token after layer 1."""
    model = tiny_model(request.param, seed=5, layers=2, dtype=torch.float64)
    batch = model.encode(QUERIES, TEXTS)
    layer_states = capture_layer_states(model, batch, [1])[1]
    mask = batch.attention_mask
    return model, at_readout(model, layer_states.residual, mask), at_readout(model, layer_states.activations, mask)


def autograd_pas_hess(readout: NormReadout, w_out: torch.Tensor, residual: torch.Tensor, activations: torch.Tensor) -> torch.Tensor:
    """−E[∂²f/∂α_i∂α_j] at α = 1 with a_i scaled by α_i, by torch.autograd, zero diagonal."""
    w_out = w_out.to(torch.float64)

    def total(alpha: torch.Tensor) -> torch.Tensor:
        return readout(residual + ((alpha - 1) * activations) @ w_out.T).sum()

    hessian = torch.autograd.functional.hessian(total, torch.ones(w_out.shape[1], dtype=torch.float64))
    return (-hessian / len(residual)).fill_diagonal_(0.0)


@pytest.mark.parametrize("kind", ["local", "linear"])
def test_closed_form_equals_autograd(states: tuple[ModelAdapter, torch.Tensor, torch.Tensor], kind: str) -> None:
    model, residual, activations = states
    readout = norm_readout(model, 1, kind)  # type: ignore[arg-type]
    expected = autograd_pas_hess(readout, model.w_out(1), residual, activations)
    hessian = PairwiseHessian(readout, model.w_out(1))
    hessian.update(residual[:2], activations[:2])
    hessian.update(residual[2:], activations[2:])
    result = hessian.mean()
    assert hessian.count == 3
    assert torch.equal(result, result.T)
    scale = float(expected.abs().max())
    assert (scale > 1e-3) == (kind == "local")
    torch.testing.assert_close(result, expected, rtol=0, atol=1e-12 * max(scale, 1.0))


def test_matches_exact_synergy_for_small_activations(states: tuple[ModelAdapter, torch.Tensor, torch.Tensor]) -> None:
    """ψ − PAS-hess is third order in the activations: relative error shrinks like the scale."""
    model, residual, activations = states
    readout, w_out = norm_readout(model, 1), model.w_out(1)
    errors = []
    for scale in (1e-2, 1e-3):
        exact, hessian = PairwiseSynergy(readout, w_out), PairwiseHessian(readout, w_out)
        exact.update(residual, scale * activations)
        hessian.update(residual, scale * activations)
        errors.append(float((hessian.mean() - exact.mean()).abs().max() / exact.mean().abs().max()))
    assert errors[1] < 2e-3
    assert 5 < errors[0] / errors[1] < 20
    full_exact, full_hessian = PairwiseSynergy(readout, w_out), PairwiseHessian(readout, w_out)
    full_exact.update(residual, activations)
    full_hessian.update(residual, activations)
    assert float((full_hessian.mean() - full_exact.mean()).abs().max() / full_exact.mean().abs().max()) > 10 * errors[1]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), norm=st.sampled_from(["rms", "layer", "none"]), tanh=st.booleans(), n=st.integers(1, 12))
def test_synthetic_readouts_equal_autograd(seed: int, norm: str, tanh: bool, n: int) -> None:
    d = 5
    generator = torch.Generator().manual_seed(seed)

    def draw(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=generator, dtype=torch.float64)

    m = d if tanh else 1
    out_weight = draw(m) if tanh else torch.ones(1, dtype=torch.float64)
    readout = NormReadout(norm, 1e-3, draw(m, d), 0.1 * draw(m), "tanh" if tanh else None, out_weight, 0.2)  # type: ignore[arg-type]
    w_out, residual, activations = draw(d, n), draw(4, d), draw(4, n)
    hessian = PairwiseHessian(readout, w_out)
    hessian.update(residual, activations)
    expected = autograd_pas_hess(readout, w_out, residual, activations)
    torch.testing.assert_close(hessian.mean(), expected, rtol=1e-9, atol=1e-11)
