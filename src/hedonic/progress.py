"""Progress bars for long loops (written to stderr; disabled with HEDONIC_NO_PROGRESS=1 and on torchrun ranks > 0)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


def progress(iterable: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Yield from ``iterable`` while showing a progress bar labelled ``description``."""
    disable = os.environ.get("HEDONIC_NO_PROGRESS") == "1" or os.environ.get("RANK", "0") != "0"
    yield from tqdm(iterable, desc=description, total=total, disable=disable, leave=False, dynamic_ncols=True)
