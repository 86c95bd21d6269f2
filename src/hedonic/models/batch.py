"""Tokenised model inputs: one batch of query-document pairs as the model consumes them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hedonic.errors import DataError, ModelError

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class TokenBatch:
    """Token ids, attention mask and (encoders) token type ids, each (B, T) int64.

    ``attention_mask`` is 1 on real tokens and 0 on padding (either side); ``token_type_ids`` is
    None for models that take none (decoders).
    """

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    token_type_ids: torch.Tensor | None = None

    def __post_init__(self) -> None:
        shapes = {tuple(t.shape) for t in self.tensors() if t is not None}
        if len(shapes) != 1 or self.input_ids.ndim != 2:
            raise ModelError(
                f"token batch tensors must share one (batch, tokens) shape, got {sorted(shapes)}",
                hint="build batches with ModelAdapter.encode or pass matching 2-D tensors",
            )
        if (self.attention_mask.sum(dim=1) == 0).any():
            raise DataError(
                "a row of the token batch has no real token (attention mask all zero)",
                hint="drop empty inputs before batching",
            )

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])

    def map(self, function: Callable[[torch.Tensor], torch.Tensor]) -> TokenBatch:
        """A new batch with ``function`` applied to every tensor (e.g. a device move or row selection)."""
        input_ids, attention_mask, token_type_ids = self.tensors()
        return TokenBatch(function(input_ids), function(attention_mask), None if token_type_ids is None else function(token_type_ids))

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """(input_ids, attention_mask, token_type_ids)."""
        return self.input_ids, self.attention_mask, self.token_type_ids

    def to(self, device: str | torch.device) -> TokenBatch:
        """The same batch on ``device``."""
        return self.map(lambda t: t.to(device))

    def select(self, rows: Sequence[int] | slice | torch.Tensor) -> TokenBatch:
        """The sub-batch of the given rows."""
        return self.map(lambda t: t[rows])

    def repeat(self, times: int) -> TokenBatch:
        """The batch stacked ``times`` times along the batch axis (row r of copy k is row k·B + r)."""
        return self.map(lambda t: t.repeat(times, 1))

    def model_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for a transformers model's forward."""
        kwargs = {"input_ids": self.input_ids, "attention_mask": self.attention_mask}
        if self.token_type_ids is not None:
            kwargs["token_type_ids"] = self.token_type_ids
        return kwargs
