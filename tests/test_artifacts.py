"""Atomic, versioned artifact files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hedonic.artifacts import load_tensors, read_json, save_tensors, write_json
from hedonic.errors import ArtifactError


def test_json_roundtrip_and_determinism(tmp_path: Path) -> None:
    payload = {"b": np.int64(3), "a": [np.float32(0.5), 1], "m": np.arange(3)}
    first = write_json(tmp_path / "x.json", "thing", 1, payload).read_bytes()
    second = write_json(tmp_path / "x.json", "thing", 1, dict(reversed(list(payload.items())))).read_bytes()
    assert first == second
    document = read_json(tmp_path / "x.json", "thing", 1)
    assert document["b"] == 3 and document["m"] == [0, 1, 2]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not a valid JSON"), ('{"kind": "other", "format_version": 1}', "expected 'thing'"),
     ('{"kind": "thing", "format_version": 99}', "version 99")],
)
def test_json_rejects_corrupt_or_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ArtifactError, match=message):
        read_json(path, "thing", 1)


def test_tensors_roundtrip_and_corruption(tmp_path: Path) -> None:
    path = save_tensors(tmp_path / "m.safetensors", "matrix", 2, {"phi": np.eye(3, dtype=np.float32)}, {"name": "oca"})
    arrays, meta = load_tensors(path, "matrix", 2)
    assert np.array_equal(arrays["phi"], np.eye(3)) and meta["name"] == "oca"
    with pytest.raises(ArtifactError, match="version"):
        load_tensors(path, "matrix", 1)
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(ArtifactError, match="not a valid safetensors"):
        load_tensors(path, "matrix", 2)


def test_written_files_get_umask_permissions(tmp_path: Path) -> None:
    import os

    from hedonic.artifacts import atomic_write_text

    previous = os.umask(0o022)
    try:
        mode = atomic_write_text(tmp_path / "x.txt", "x").stat().st_mode & 0o777
    finally:
        os.umask(previous)
    assert mode == 0o644


def test_artifact_kind_tells_hedonic_artifacts_from_other_files(tmp_path: Path) -> None:
    """Issue 18 item 2: an output path may replace only an artifact of its own kind."""
    from hedonic.artifacts import artifact_kind

    assert artifact_kind(write_json(tmp_path / "p.json", "partition", 1, {})) == "partition"
    assert artifact_kind(save_tensors(tmp_path / "v.safetensors", "valuation", 1, {"phi": np.zeros((2, 2), np.float32)})) == "valuation"
    np.save(tmp_path / "phi.npy", np.zeros((2, 2)))
    (tmp_path / "notes.json").write_text('{"mine": true}')
    (tmp_path / "text.txt").write_text("hello world, this is text")
    for name in ("phi.npy", "notes.json", "text.txt", "missing.json"):
        assert artifact_kind(tmp_path / name) is None, name
    assert artifact_kind(tmp_path) is None
