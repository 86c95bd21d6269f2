"""Shared fixtures for the models stage: tiny models of every family and padded token batches."""

from __future__ import annotations

import os
from collections.abc import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import torch

from hedonic.models import ModelAdapter
from hedonic.testing import TINY_FAMILIES, tiny_lora, tiny_model

FAMILIES = list(TINY_FAMILIES)
DECODERS = [f for f in FAMILIES if f != "bert"]
LENGTHS = (7, 3, 5)


@pytest.fixture(scope="module", params=FAMILIES)
def family(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def base(family: str) -> ModelAdapter:
    return tiny_model(family, seed=0, layers=3)


@pytest.fixture(scope="module")
def tuned(base: ModelAdapter) -> ModelAdapter:
    return tiny_lora(base, seed=1)


BatchMaker = Callable[..., tuple[torch.Tensor, torch.Tensor]]


@pytest.fixture(scope="session")
def make_batch() -> BatchMaker:
    """``make_batch(padding_side, lengths=(7, 3, 5), seed=0)`` -> (ids, mask); see :func:`padded_batch`."""
    return padded_batch


def padded_batch(padding_side: str, lengths: tuple[int, ...] = LENGTHS, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids (B, T) drawn from the word ids (never the pad id 0) and their mask, padded on one side."""
    generator = torch.Generator().manual_seed(seed)
    width = max(lengths)
    ids = torch.zeros(len(lengths), width, dtype=torch.long)
    mask = torch.zeros(len(lengths), width, dtype=torch.long)
    for row, length in enumerate(lengths):
        tokens = torch.randint(5, 40, (length,), generator=generator)
        span = slice(0, length) if padding_side == "right" else slice(width - length, width)
        ids[row, span] = tokens
        mask[row, span] = 1
    return ids, mask
