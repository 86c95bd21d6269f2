"""JSON-lines writer: pairs survive the round trip through the reader."""

from __future__ import annotations

from pathlib import Path

from hedonic.data import QueryDocPair, read_pairs
from hedonic.data.writers import write_jsonl


def test_round_trip(tmp_path: Path) -> None:
    pairs = [
        QueryDocPair("q1", "d1", "what is a list", "a list — ordered", 1.0, "types"),
        QueryDocPair("q1", "d2", "what is a list", 'a "dict"\nmaps keys', None, None),
    ]
    path = write_jsonl(pairs, tmp_path / "pairs.jsonl")
    assert read_pairs(path) == pairs
    assert write_jsonl(pairs, tmp_path / "again.jsonl").read_bytes() == path.read_bytes()
