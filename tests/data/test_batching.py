"""Batching pairs into TokenBatches with a tiny model's tokenizer."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import torch

from hedonic.data import QueryDocPair, batched_pairs, iter_batches
from hedonic.errors import ConfigError, DataError
from hedonic.models import ModelAdapter
from hedonic.testing import tiny_model

PAIRS = [QueryDocPair(f"q{i}", f"d{i}", "python list", " ".join(["the list is a data type"] * (i + 1))) for i in range(5)]


@pytest.fixture(scope="module", params=["bert", "gpt2"])
def adapter(request: pytest.FixtureRequest) -> ModelAdapter:
    return tiny_model(request.param, seed=0, layers=1)


def test_batches_follow_the_input_order(adapter: ModelAdapter) -> None:
    batches = list(iter_batches(adapter, PAIRS, batch_size=2, max_length=64))
    assert [len(b) for b in batches] == [2, 2, 1]
    expected = adapter.encode([PAIRS[2].query, PAIRS[3].query], [PAIRS[2].text, PAIRS[3].text], max_length=64)
    assert torch.equal(batches[1].input_ids, expected.input_ids)
    assert torch.equal(batches[1].attention_mask, expected.attention_mask)


def test_dataset_smaller_than_a_batch_and_truncation(adapter: ModelAdapter) -> None:
    # a generator works too (no length, so the progress bar has no total)
    (batch,) = iter_batches(adapter, iter(PAIRS), batch_size=100, max_length=8, description="pairs")
    assert len(batch) == 5
    assert batch.input_ids.shape[1] == 8


def test_empty_dataset_and_bad_batch_size(adapter: ModelAdapter) -> None:
    with pytest.raises(DataError, match="dataset is empty"):
        next(iter_batches(adapter, [], batch_size=4))
    with pytest.raises(ConfigError, match="batch size"):
        next(iter_batches(adapter, PAIRS, batch_size=0))


def test_batched_pairs_chunks() -> None:
    assert [[p.qid for p in chunk] for chunk in batched_pairs(PAIRS, 3)] == [["q0", "q1", "q2"], ["q3", "q4"]]


def test_a_huge_text_is_cut_before_tokenising_and_keeps_its_first_tokens(adapter: ModelAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18 item 13: a 20 MB line made every stage tokenise all of it before truncating."""
    from hedonic.data.batching import char_limit

    huge = QueryDocPair("q", "d", "python list", "the list is a data type " * 50_000)
    seen: list[int] = []
    encode = adapter.encode

    def recording(queries: list[str], texts: list[str], max_length: int) -> object:
        seen.extend(len(text) for text in texts)
        return encode(queries, texts, max_length=max_length)

    monkeypatch.setattr(adapter, "encode", recording)
    (batch,) = iter_batches(adapter, [huge], batch_size=1, max_length=16)
    assert seen == [char_limit(16)] and len(huge.text) > 100 * char_limit(16)
    whole = encode([huge.query], [huge.text], max_length=16)
    assert torch.equal(batch.input_ids, whole.input_ids)
