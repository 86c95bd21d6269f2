"""The activation-statistics artifact: round trip, and clear failures on bad files."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from hedonic.errors import ArtifactError
from hedonic.stats import ActivationStats, load_stats, save_stats


def _stats(grad: bool = True, outer: bool = True) -> ActivationStats:
    x = np.random.default_rng(0).normal(size=(9, 4))
    v = np.random.default_rng(1).normal(size=(9, 4))
    return ActivationStats(
        layer=2,
        neurons=np.array([1, 3, 8, 9]),
        tokens="readout",
        count=9,
        num_inputs=9,
        sum=x.sum(0),
        sum_abs=np.abs(x).sum(0),
        sum_sq=(x**2).sum(0),
        sum_outer=x.T @ x if outer else None,
        readout="local" if grad else None,
        sum_v=v.sum(0) if grad else None,
        sum_vv=v.T @ v if grad else None,
        model="tiny",
        adapter="/tmp/adapter",
    )


@pytest.mark.parametrize(("grad", "outer"), [(True, True), (False, True), (False, False)])
def test_roundtrip(tmp_path: Path, grad: bool, outer: bool) -> None:
    stats = _stats(grad, outer)
    loaded = load_stats(save_stats(stats, tmp_path / "layer2.safetensors"))
    for name in ("layer", "tokens", "count", "num_inputs", "readout", "model", "adapter"):
        assert getattr(loaded, name) == getattr(stats, name), name
    for name in ("neurons", "sum", "sum_abs", "sum_sq", "sum_outer", "sum_v", "sum_vv"):
        left, right = getattr(loaded, name), getattr(stats, name)
        assert (left is None and right is None) or np.array_equal(left, right), name
    assert loaded.neurons.dtype == np.int64


def _header(path: Path) -> dict[str, str]:
    data = path.read_bytes()
    return json.loads(data[8 : 8 + int.from_bytes(data[:8], "little")])["__metadata__"]


def _rewrite(path: Path, **changes: str | None) -> None:
    from safetensors.numpy import load_file

    arrays, metadata = load_file(path), _header(path)
    metadata.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        arrays.pop(key, None)
        metadata.pop(key, None)
    save_file(arrays, path, metadata=metadata)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format_version": "2"}, "format version '2' is not supported"),
        ({"kind": "valuation"}, "holds a 'valuation' artifact"),
        ({"sum_outer": None}, None),
        ({"sum": None}, "invalid activation statistics"),
        ({"count": "many"}, "invalid activation statistics"),
        ({"tokens": "some"}, "invalid activation statistics"),
        ({"readout": ""}, "invalid activation statistics"),
    ],
)
def test_bad_files_fail_naming_the_file(tmp_path: Path, changes: dict[str, str | None], message: str | None) -> None:
    path = save_stats(_stats(), tmp_path / "stats.safetensors")
    _rewrite(path, **changes)
    if message is None:  # Σaaᵀ is optional: a file without it is valid
        assert load_stats(path).sum_outer is None
        return
    with pytest.raises(ArtifactError, match=message) as raised:
        load_stats(path)
    assert "stats.safetensors" in str(raised.value) and raised.value.hint


def test_corrupt_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "x.safetensors").write_bytes(b"\x07\x00\x00\x00\x00\x00\x00\x00garbage")
    with pytest.raises(ArtifactError, match="not a valid safetensors"):
        load_stats(tmp_path / "x.safetensors")
    with pytest.raises(ArtifactError, match="no such file"):
        load_stats(tmp_path / "missing.safetensors")


def test_wrong_shapes_and_non_finite_sums_are_rejected(tmp_path: Path) -> None:
    path = save_stats(_stats(), tmp_path / "s.safetensors")
    from safetensors.numpy import load_file

    arrays, metadata = load_file(path), _header(path)
    save_file(arrays | {"sum_vv": np.zeros((3, 3))}, path, metadata=metadata)
    with pytest.raises(ArtifactError, match="sum_vv has shape"):
        load_stats(path)
    bad = arrays | {"sum": np.full(4, np.nan)}
    save_file(bad, path, metadata=metadata)
    with pytest.raises(ArtifactError, match="non-finite"):
        load_stats(path)
    save_file(arrays | {"sum": arrays["sum"].astype(np.float32)}, path, metadata=metadata)
    with pytest.raises(ArtifactError, match="float64"):
        load_stats(path)


def test_stats_object_rejects_inconsistent_fields() -> None:
    from hedonic.errors import ConfigError

    with pytest.raises(ConfigError, match="strictly ascending"):
        replace(_stats(), neurons=np.array([3, 1, 8, 9]))
    with pytest.raises(ConfigError, match="together"):
        replace(_stats(), readout=None)


def test_equal_statistics_give_byte_identical_files(tmp_path: Path) -> None:
    """Issue 18 item 9: safetensors writes its header from a hash map; the file must not depend on it."""
    written = {save_stats(_stats(), tmp_path / f"s{k}.safetensors").read_bytes() for k in range(12)}
    assert len(written) == 1
    data = written.pop()
    header = json.loads(data[8 : 8 + int.from_bytes(data[:8], "little")])
    assert list(header["__metadata__"]) == sorted(header["__metadata__"]) and list(header) == sorted(header)
    assert len(data[8 : 8 + int.from_bytes(data[:8], "little")]) % 8 == 0
    assert load_stats(tmp_path / "s0.safetensors").model == "tiny"
