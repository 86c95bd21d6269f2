"""Shared inputs for the statistics tests: query-document pairs in the tiny models' vocabulary."""

from __future__ import annotations

import os
from collections.abc import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")

import pytest

from hedonic.models import ModelAdapter, TokenBatch

QUERIES = ("read the file", "a list", "open data", "the error type", "python code", "search result rank", "a set")
TEXTS = (
    "open the file and read it",
    "the list is a type of data set",
    "python",
    "an error is a value of a type",
    "import the code and test it with a loop",
    "the model is a neuron layer",
    "a dict is not a set",
)

BatchesMaker = Callable[..., list[TokenBatch]]


def batches_of(adapter: ModelAdapter, size: int, side: str = "right", count: int = len(QUERIES)) -> list[TokenBatch]:
    """The first ``count`` pairs encoded in batches of ``size``, padded on ``side``."""
    adapter.tokenizer.padding_side = side
    try:
        return [
            adapter.encode(QUERIES[start : min(start + size, count)], TEXTS[start : min(start + size, count)])
            for start in range(0, count, size)
        ]
    finally:
        adapter.tokenizer.padding_side = "right"


@pytest.fixture(scope="session")
def make_batches() -> BatchesMaker:
    """``make_batches(adapter, size, side="right", count=7)`` → token batches; see :func:`batches_of`."""
    return batches_of


@pytest.fixture(scope="session")
def pairs() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(queries, texts): seven query-document pairs in the tiny vocabulary."""
    return QUERIES, TEXTS
