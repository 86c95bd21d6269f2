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
    [
        ("{not json", "not a valid JSON"),
        ('{"kind": "other", "format_version": 1}', "expected 'thing'"),
        ('{"kind": "thing", "format_version": 99}', "version 99"),
    ],
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


def test_nan_is_written_as_null_and_read_back_as_nan(tmp_path: Path) -> None:
    import math

    from hedonic.artifacts import json_float, read_json, write_json

    path = write_json(tmp_path / "x.json", "probe", 1, {"values": [1.5, float("nan")], "scalar": np.float64("nan")})
    document = read_json(path, "probe", 1)
    assert document["values"] == [1.5, None] and document["scalar"] is None
    assert math.isnan(json_float(document["scalar"])) and json_float(document["values"][0]) == 1.5


# ---------------------------------------------------------------- issue 28
def test_a_write_the_system_refuses_is_a_write_error_naming_the_path_and_cause_and_leaves_nothing(tmp_path: Path) -> None:
    """Item 3: `ulimit -f 200` ended in an `OSError: [Errno 27] File too large` traceback."""
    import resource

    from hedonic.artifacts import atomic_write_bytes
    from hedonic.errors import WriteError

    target = tmp_path / "big.bin"
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))
    try:
        with pytest.raises(WriteError) as error:
            atomic_write_bytes(target, b"x" * 100_000)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert error.value.message == f"cannot write {target}: File too large [EFBIG]"
    assert "rerun" in (error.value.hint or "") and "resumes" in (error.value.hint or "")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_is_a_write_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 3: ENOSPC (and any other OSError of a write) is the same clean error."""
    import errno
    import os

    from hedonic import artifacts
    from hedonic.errors import WriteError

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(artifacts.os, "fsync", full)
    with pytest.raises(WriteError, match=r"cannot write .*x\.json: No space left on device \[ENOSPC\]"):
        write_json(tmp_path / "x.json", "thing", 1, {})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hello world\n", r"not a \.npy array \(it does not start with the NUMPY header\)"),
        ("object", r"holds Python objects \(pickled data\), which hedonic never loads"),
        (
            "forged",
            r"truncated \.npy array: its header declares shape \(300000, 300000\) of float32 \(360000000128 bytes\), the file holds 1128",
        ),
    ],
)
def test_load_npy_never_unpickles_and_never_allocates_more_than_the_file(tmp_path: Path, content: object, message: str) -> None:
    """Item 7 and the huge-n try: numpy's message advised loading unsafely; a forged header asked for 335 GiB."""
    import io
    import resource

    from numpy.lib import format as npy_format

    from hedonic.artifacts import load_npy

    path = tmp_path / "x.npy"
    if content == "object":
        np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    elif content == "forged":
        header = io.BytesIO()
        npy_format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (300000, 300000)})
        path.write_bytes(header.getvalue() + b"\0" * 1000)
    else:
        path.write_bytes(content)  # type: ignore[arg-type]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ArtifactError, match=message) as error:
        load_npy(path, hint="save it with numpy.save")
    assert "allow_pickle" not in error.value.message and "unsafe" not in error.value.message
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB: nothing near n×n was allocated


def test_load_npy_reads_a_plain_array(tmp_path: Path) -> None:
    from hedonic.artifacts import load_npy

    np.save(tmp_path / "x.npy", np.arange(6, dtype=np.float16).reshape(2, 3))
    found = load_npy(tmp_path / "x.npy", hint="")
    assert found.dtype == np.float16 and found.tolist() == [[0, 1, 2], [3, 4, 5]]
