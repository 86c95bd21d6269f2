"""TokenBatch and ModelAdapter.encode on tiny models."""

from __future__ import annotations

import pytest
import torch

from hedonic.errors import DataError, ModelError
from hedonic.models import ModelAdapter, TokenBatch


def test_encode_pads_and_frames_pairs(base: ModelAdapter) -> None:
    batch = base.encode(["what is a list", "read file"], ["a list is a data type", "open the file"], max_length=32)
    assert batch.input_ids.shape == batch.attention_mask.shape
    assert batch.attention_mask.sum(dim=1).tolist()[0] > batch.attention_mask.sum(dim=1).tolist()[1]
    if base.is_decoder:
        assert batch.token_type_ids is None
    else:
        assert batch.token_type_ids is not None and batch.token_type_ids.max() == 1
        assert (batch.input_ids[:, 0] == base.tokenizer.cls_token_id).all()
    logits = base.logits(batch)
    single = base.logits(base.encode(["read file"], ["open the file"], max_length=32))
    torch.testing.assert_close(logits[1:], single, atol=1e-5, rtol=1e-4)


def test_encode_truncates_to_max_length(base: ModelAdapter) -> None:
    batch = base.encode(["the query"], [" ".join(["text"] * 100)], max_length=12)
    assert batch.input_ids.shape[1] == 12


def test_encode_rejects_mismatched_lists(base: ModelAdapter) -> None:
    with pytest.raises(ModelError, match="2 queries but 1 texts"):
        base.encode(["a", "b"], ["c"])


def test_batch_operations() -> None:
    ids = torch.arange(6).reshape(2, 3) + 5
    mask = torch.tensor([[1, 1, 1], [1, 1, 0]])
    batch = TokenBatch(ids, mask, torch.zeros_like(ids))
    assert len(batch) == 2
    assert torch.equal(batch.select([1]).input_ids, ids[1:])
    assert torch.equal(batch.repeat(2).attention_mask, torch.cat([mask, mask]))
    assert set(batch.model_kwargs()) == {"input_ids", "attention_mask", "token_type_ids"}
    assert set(TokenBatch(ids, mask).model_kwargs()) == {"input_ids", "attention_mask"}


def test_batch_rejects_bad_shapes_and_empty_rows() -> None:
    with pytest.raises(ModelError, match="share one"):
        TokenBatch(torch.ones(2, 3, dtype=torch.long), torch.ones(2, 4, dtype=torch.long))
    with pytest.raises(DataError, match="no real token"):
        TokenBatch(torch.ones(2, 3, dtype=torch.long), torch.tensor([[1, 1, 1], [0, 0, 0]]))
