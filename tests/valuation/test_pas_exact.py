"""PAS-exact valuation: closed form and ablation engine agree, model readout against full forwards."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")

import numpy as np
import pytest
import torch

from hedonic.ablation import zeroed_neurons
from hedonic.errors import ConfigError, DataError, MemoryBudgetError
from hedonic.models import ModelAdapter, TokenBatch
from hedonic.testing import tiny_model
from hedonic.valuation import load_valuation, save_valuation
from hedonic.valuation.exact import pas_exact, pas_exact_with_magnitude

QUERIES = ["read the file", "a list", "python code", "the error type"]
TEXTS = ["open the file and read it", "the list is a type of data set", "import the code and test it", "an error is a value"]
PLAYERS = [1, 4, 6, 11, 20, 31]


def batches_of(adapter: ModelAdapter) -> list[TokenBatch]:
    return [adapter.encode(QUERIES[:3], TEXTS[:3]), adapter.encode(QUERIES[3:], TEXTS[3:])]


@pytest.fixture(scope="module", params=["gpt_neox", "bert", "llama"])
def model(request: pytest.FixtureRequest) -> ModelAdapter:
    return tiny_model(request.param, seed=7, layers=2, dtype=torch.float64)


def test_closed_form_equals_the_ablation_engine(model: ModelAdapter) -> None:
    closed = pas_exact(model, 0, batches_of(model), neurons=PLAYERS)
    pairs = list(itertools.combinations(PLAYERS, 2))
    engine = pas_exact(model, 0, batches_of(model), pairs=pairs)
    assert closed.name == engine.name == "pas-exact"
    assert closed.details["method"] == "closed-form" and engine.details["method"] == "ablation"
    assert closed.details["inputs"] == engine.details["inputs"] == len(QUERIES)
    np.testing.assert_array_equal(closed.neurons, PLAYERS)
    scale = np.abs(closed.phi).max()
    assert scale > 1e-4
    np.testing.assert_allclose(closed.phi, engine.phi, rtol=0, atol=1e-6 * scale)


def test_model_readout_equals_full_forwards(model: ModelAdapter) -> None:
    players = [2, 9, 17]
    valuation = pas_exact(model, 1, batches_of(model), readout="model", neurons=players)

    def logits(neurons: list[int]) -> torch.Tensor:
        with zeroed_neurons(model, 1, neurons):
            return torch.cat([model.logits(batch) for batch in batches_of(model)])

    clean = logits([])
    for (row, i), (col, j) in itertools.combinations(enumerate(players), 2):
        expected = (logits([i]) + logits([j]) - logits([i, j]) - clean).mean()
        assert valuation.phi[row, col] == pytest.approx(float(expected), rel=1e-5, abs=1e-9)
    assert valuation.readout == "model" and valuation.details["pairs"] == 3


def test_listed_pairs_only_and_magnitude() -> None:
    model = tiny_model("gpt2", seed=1, dtype=torch.float64)
    signed, magnitude = pas_exact_with_magnitude(model, 0, batches_of(model), pairs=[(7, 3), (3, 12), (7, 3)])
    np.testing.assert_array_equal(signed.neurons, [3, 7, 12])
    assert signed.details["pairs"] == 2
    assert signed.phi[1, 2] == 0 and signed.phi[0, 1] != 0 and signed.phi[0, 2] != 0
    assert magnitude.name == "pas-exact-abs"
    assert (magnitude.phi >= np.abs(signed.phi) - 1e-7).all()
    closed_signed, closed_magnitude = pas_exact_with_magnitude(model, 0, batches_of(model), neurons=[3, 7, 12])
    np.testing.assert_allclose(closed_magnitude.phi[0, 1], magnitude.phi[0, 1], rtol=1e-5)
    np.testing.assert_allclose(closed_signed.phi[0, 1], signed.phi[0, 1], rtol=1e-5)


def test_linear_readout_is_zero_and_artifact_round_trips(tmp_path: Path) -> None:
    model = tiny_model("mistral", seed=2)
    linear = pas_exact(model, 1, batches_of(model), readout="linear")
    assert linear.n == model.intermediate_size and not linear.phi.any()
    local = pas_exact(model, 1, batches_of(model))
    assert local.phi.dtype == np.float32 and np.abs(local.phi).max() > 0
    path = save_valuation(local, tmp_path / "phi.safetensors")
    loaded = load_valuation(path)
    np.testing.assert_array_equal(loaded.phi, local.phi)
    assert loaded.name == "pas-exact" and loaded.layer == 1 and loaded.readout == "local"


def never_iterated() -> Iterator[TokenBatch]:
    raise AssertionError("inputs were read before the memory check")
    yield  # pragma: no cover


def test_memory_budget_is_checked_before_any_work() -> None:
    model = tiny_model("llama", seed=0)
    with pytest.raises(MemoryBudgetError, match="PAS-exact") as error:
        pas_exact(model, 0, never_iterated(), memory_budget=20_000)
    assert "subset" in (error.value.hint or "")
    with pytest.raises(MemoryBudgetError):
        pas_exact(model, 0, [model.encode(QUERIES, TEXTS)], readout="model", memory_budget=20_000)


def test_bad_requests_are_rejected() -> None:
    model = tiny_model("bert", seed=0)
    batches = batches_of(model)
    with pytest.raises(ConfigError, match="two different neurons"):
        pas_exact(model, 0, batches, pairs=[(1, 1)])
    with pytest.raises(ConfigError, match="non-empty list"):
        pas_exact(model, 0, batches, pairs=[])
    with pytest.raises(ConfigError, match="readout"):
        pas_exact(model, 0, batches, readout="logit")
    with pytest.raises(ConfigError, match="subset"):
        pas_exact(model, 0, batches, neurons=[99])
    with pytest.raises(DataError):
        pas_exact(model, 0, [])
