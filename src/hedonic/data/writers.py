"""Write query-document pairs as JSON lines that :func:`hedonic.data.iter_jsonl` reads back equal."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from hedonic.artifacts import atomic_write_text

if TYPE_CHECKING:
    from hedonic.data.pairs import QueryDocPair


def write_jsonl(pairs: Iterable[QueryDocPair], path: str | Path) -> Path:
    """Write ``pairs`` to ``path`` atomically, one object per line (qid, docid, query, text, label, domain).

    Keys are sorted and non-ASCII text is kept, so equal pairs give equal bytes.
    """
    lines = (
        json.dumps(
            {"qid": p.qid, "docid": p.docid, "query": p.query, "text": p.text, "label": p.label, "domain": p.domain},
            sort_keys=True,
            ensure_ascii=False,
        )
        for p in pairs
    )
    return atomic_write_text(path, "".join(line + "\n" for line in lines))
