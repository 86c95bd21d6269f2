"""QueryDocPair: identifiers and validation."""

from __future__ import annotations

import dataclasses

import pytest

from hedonic.data import QueryDocPair
from hedonic.errors import DataError


def test_pair_id_and_immutability() -> None:
    pair = QueryDocPair("1048585", "http://x.org/a", "query", "text", 1.0, "web")
    assert pair.pair_id == "1048585:http://x.org/a"
    qid, docid = pair.pair_id.split(":", 1)
    assert (qid, docid) == (pair.qid, pair.docid)
    with pytest.raises(dataclasses.FrozenInstanceError):
        pair.label = 0.0  # type: ignore[misc]
    assert QueryDocPair("a", "b", "q", "t").label is None


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        (("", "d", "q", "t"), "query id '' is empty"),
        (("a:b", "d", "q", "t"), "contains ':'"),
        (("a", "", "q", "t"), "empty document id"),
        (("a", "d", " \t", "t"), "empty query"),
        (("a", "d", "q", ""), "empty text"),
    ],
)
def test_invalid_pairs(fields: tuple[str, str, str, str], match: str) -> None:
    with pytest.raises(DataError, match=match) as error:
        QueryDocPair(*fields)
    assert error.value.hint
