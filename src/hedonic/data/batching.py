"""Cut a stream of query-document pairs into tokenised model batches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from itertools import islice
from typing import TYPE_CHECKING

import numpy as np

from hedonic.errors import ConfigError, DataError
from hedonic.progress import progress

if TYPE_CHECKING:
    from hedonic.data.pairs import QueryDocPair
    from hedonic.models import ModelAdapter, TokenBatch

MAX_CHARS_PER_TOKEN = 64
"""Characters kept per token of ``max_length`` before tokenising (no tokenizer's token is this long)."""


def char_limit(max_length: int) -> int:
    """Characters of a query or text that can reach ``max_length`` tokens: ``64 · max_length``.

    Cutting a text here, well beyond what ``max_length`` tokens can cover, leaves its first
    ``max_length`` tokens unchanged and bounds the tokenizer's work and memory per pair.
    """
    return MAX_CHARS_PER_TOKEN * max_length


def batched_pairs(pairs: Iterable[QueryDocPair], batch_size: int) -> Iterator[list[QueryDocPair]]:
    """Consecutive chunks of ``batch_size`` pairs (the last one may be shorter), in input order.

    Raises :class:`ConfigError` for a batch size below 1 and :class:`DataError` when ``pairs``
    is empty.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigError(f"batch size must be a positive integer, got {batch_size!r}", hint="pass e.g. batch_size=32")
    iterator = iter(pairs)
    chunk = list(islice(iterator, batch_size))
    if not chunk:
        raise DataError("dataset is empty: no query-document pair to batch", hint="pass at least one pair")
    while chunk:
        yield chunk
        chunk = list(islice(iterator, batch_size))


def iter_batches(
    adapter: ModelAdapter,
    pairs: Iterable[QueryDocPair],
    batch_size: int,
    max_length: int = 256,
    *,
    description: str | None = None,
) -> Iterator[TokenBatch]:
    """Tokenise ``pairs`` with ``adapter.encode`` into :class:`TokenBatch` es of ``batch_size`` pairs.

    Batch k holds pairs k·batch_size .. (k+1)·batch_size − 1, padded to its longest pair and
    truncated to ``max_length`` tokens; query and text are first cut to :func:`char_limit`
    characters, so a huge text is never tokenised whole. ``description``: show a progress bar with this label
    (its total is known when ``pairs`` has a length). Raises :class:`DataError` for an empty
    dataset and :class:`ConfigError` for a batch size below 1.
    """
    chunks: Iterable[list[QueryDocPair]] = batched_pairs(pairs, batch_size)
    if description is not None:
        total = -(-len(pairs) // batch_size) if isinstance(pairs, Sized) else None
        chunks = progress(chunks, description, total=total)
    cap = char_limit(max_length)
    for chunk in chunks:
        yield adapter.encode([p.query[:cap] for p in chunk], [p.text[:cap] for p in chunk], max_length=max_length)


def by_length(adapter: ModelAdapter, pairs: Sequence[QueryDocPair], max_length: int) -> list[QueryDocPair]:
    """``pairs`` in order of increasing token count (truncated at ``max_length``; ties keep their order).

    Batches of similar lengths carry little padding, which the ``model`` readout's stacked
    forwards would otherwise compute on (a batch is padded to its longest pair). Texts are cut to
    :func:`char_limit` characters before tokenising, as in :func:`iter_batches`.
    """
    cap = char_limit(max_length)
    batch = adapter.encode([pair.query[:cap] for pair in pairs], [pair.text[:cap] for pair in pairs], max_length=max_length)
    lengths = batch.attention_mask.sum(dim=1).cpu().numpy()
    return [pairs[i] for i in np.argsort(lengths, kind="stable")]
