"""Issue 28 items 4 and 7 and the huge-n try at the command line: ``hedonic discover --phi`` on odd files."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from numpy.lib import format as npy_format

from hedonic import cli
from hedonic.game import discover, load_partition


def _exit(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """(exit code, stdout and stderr with their line breaks folded) of ``hedonic argv``; never a traceback."""
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return int(stop.value.code or 0), " ".join((captured.out + captured.err).split())


def _phi(n: int = 8) -> np.ndarray:
    x = np.random.default_rng(0).normal(size=(n, n))
    phi = x + x.T
    np.fill_diagonal(phi, 0)
    return phi


def test_a_float16_phi_is_accepted_and_partitioned_as_its_float32_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Item 4: rc 1 "scipy.sparse does not support dtype float16"."""
    phi = _phi().astype(np.float16)
    np.save(tmp_path / "f16.npy", phi)
    code, _ = _exit(
        ["discover", "--phi", str(tmp_path / "f16.npy"), "--out", str(tmp_path / "p.json"), "--stability-samples", "10"], capsys
    )
    assert code == 0
    expected = discover(phi.astype(np.float32), stability_samples=10)
    assert load_partition(tmp_path / "p.json").coalitions == expected.coalitions


def _forged(path: Path) -> None:
    header = io.BytesIO()
    npy_format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (300000, 300000)})
    path.write_bytes(header.getvalue() + b"\0" * 1000)


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda path: path.write_text("0.1 0.2\n0.2 0.1\n"), "phi.npy: not a .npy array (it does not start with the NUMPY header)"),
        (lambda path: np.save(path, np.array([[{}]], dtype=object), allow_pickle=True), "which hedonic never loads"),
        (_forged, "phi.npy: truncated .npy array: its header declares shape (300000, 300000)"),
    ],
)
def test_a_file_that_is_not_a_npy_array_is_refused_without_advice_to_load_it_unsafely(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], write: object, message: str
) -> None:
    """Item 7: numpy's "load it unsafely using allow_pickle"; the huge-n try: a forged header asked for 335 GiB."""
    path = tmp_path / "phi.npy"
    write(path)  # type: ignore[operator]
    before = path.read_bytes()
    code, text = _exit(["discover", "--phi", str(path), "--out", str(tmp_path / "p.json")], capsys)
    assert code == 2 and message in text and "hint:" in text
    assert "allow_pickle" not in text and "unsafe" not in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["phi.npy"] and path.read_bytes() == before
