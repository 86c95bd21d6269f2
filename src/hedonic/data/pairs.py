"""Query-document pairs: the unit every dataset is read into and every model input is built from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hedonic.errors import DataError


@dataclass(frozen=True, slots=True)
class QueryDocPair:
    """One query-document pair.

    ``qid`` and ``docid`` identify the query and the document (non-empty; ``qid`` without ``":"``
    so that :attr:`pair_id` splits back at its first colon); ``query`` and ``text`` are non-empty; ``label`` is the
    graded relevance (e.g. 0/1) or None when unjudged; ``domain`` names the pair's domain (e.g. a
    topic group of the demo corpus) or None. Raises :class:`DataError` on empty fields.
    """

    qid: str
    docid: str
    query: str
    text: str
    label: float | None = None
    domain: str | None = None

    def __post_init__(self) -> None:
        if not self.qid or ":" in self.qid:
            raise DataError(
                f"query id {self.qid!r} is empty or contains ':'",
                hint="give every query a non-empty id without ':' (it separates qid and docid in pair ids)",
            )
        if not self.docid:
            raise DataError("empty document id", hint="give every document a non-empty id")
        for name in ("query", "text"):
            if not getattr(self, name).strip():
                raise DataError(f"empty {name}", hint=f"drop pairs whose {name} is empty or only whitespace")

    @property
    def pair_id(self) -> str:
        """``"qid:docid"``, the identifier of the pair in audit files."""
        return f"{self.qid}:{self.docid}"


def label_array(pairs: Sequence[QueryDocPair]) -> np.ndarray:
    """Labels of ``pairs`` as float64 (pairs,); raises :class:`DataError` when one is missing."""
    missing = [p.pair_id for p in pairs if p.label is None]
    if missing:
        raise DataError(
            f"{len(missing)} of {len(pairs)} pairs have no label (first: {missing[0]})",
            hint="attach relevance labels (e.g. attach_qrels) or use a labelled dataset",
        )
    return np.array([p.label for p in pairs], dtype=np.float64)
