"""The valuation artifact: round trip and the checks on φ."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hedonic.artifacts import load_tensors, save_tensors
from hedonic.errors import ArtifactError, NumericalError
from hedonic.valuation import Valuation, load_valuation, save_valuation
from hedonic.valuation.spectrum import phi_spectrum


def _phi(n: int = 5, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, n)).astype(np.float32)
    phi = x + x.T
    np.fill_diagonal(phi, 0)
    return phi


def test_roundtrip(tmp_path: Path) -> None:
    valuation = Valuation(_phi(), "oca", np.array([1, 4, 5, 8, 9]), layer=3, readout="local", details={"inputs": 10})
    loaded = load_valuation(save_valuation(valuation, tmp_path / "phi.safetensors"))
    assert np.array_equal(loaded.phi, valuation.phi) and loaded.neurons.tolist() == [1, 4, 5, 8, 9]
    assert (loaded.name, loaded.layer, loaded.readout, dict(loaded.details)) == ("oca", 3, "local", {"inputs": 10})


def test_the_spectrum_is_stored_and_read_back(tmp_path: Path) -> None:
    valuation = Valuation(_phi(), "pas-model", np.arange(5), layer=3, readout="model")
    path = save_valuation(valuation, tmp_path / "phi.safetensors")
    _arrays, metadata = load_tensors(path, "valuation", 2)
    assert "eigenvalues" in metadata["spectrum"]
    loaded = load_valuation(path)
    assert loaded.stored_spectrum is not None
    np.testing.assert_array_equal(loaded.spectrum.eigenvalues, phi_spectrum(valuation.phi).eigenvalues)
    assert loaded.spectrum.share(5) == pytest.approx(1.0)  # 5 players: all five components


def test_version_1_files_are_read_and_their_spectrum_computed(tmp_path: Path) -> None:
    phi = _phi(6)
    metadata = {"name": "oca", "layer": "2", "readout": "", "details": "{}"}
    path = save_tensors(tmp_path / "old.safetensors", "valuation", 1, {"phi": phi, "neurons": np.arange(6)}, metadata)
    loaded = load_valuation(path)
    assert loaded.stored_spectrum is None and loaded.layer == 2
    assert loaded.spectrum.frobenius_sq == pytest.approx(float(np.sum(phi.astype(np.float64) ** 2)))
    with pytest.raises(ArtifactError, match="version 1 or 2"):
        load_valuation(save_tensors(tmp_path / "new.safetensors", "valuation", 3, {"phi": phi, "neurons": np.arange(6)}, metadata))


def test_npy_input(tmp_path: Path) -> None:
    np.save(tmp_path / "mine.npy", _phi(4))
    loaded = load_valuation(tmp_path / "mine.npy")
    assert loaded.name == "mine" and loaded.neurons.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("matrix", "error", "message"),
    [
        (np.zeros((3, 4), np.float32), ArtifactError, "square"),
        (np.triu(np.ones((3, 3), np.float32), 1), ArtifactError, "not symmetric"),
        (np.eye(3, dtype=np.float32), ArtifactError, "zero diagonal"),
        (np.full((2, 2), np.nan, np.float32), NumericalError, "NaN"),
        (np.zeros((0, 0), np.float32), ArtifactError, "0×0 φ has no players"),
        (np.zeros(3, np.float32), ArtifactError, "square"),
    ],
)
def test_bad_phi_is_rejected_naming_the_file(tmp_path: Path, matrix: np.ndarray, error: type, message: str) -> None:
    np.save(tmp_path / "bad.npy", matrix)
    with pytest.raises(error, match=message) as raised:
        load_valuation(tmp_path / "bad.npy")
    assert "bad.npy" in str(raised.value)


def test_corrupt_file(tmp_path: Path) -> None:
    (tmp_path / "x.safetensors").write_bytes(b"\x05\x00garbage")
    with pytest.raises(ArtifactError, match="not a valid safetensors"):
        load_valuation(tmp_path / "x.safetensors")
    (tmp_path / "y.npy").write_bytes(b"garbage")
    with pytest.raises(ArtifactError, match=r"y\.npy: not a \.npy array"):
        load_valuation(tmp_path / "y.npy")


def test_a_float16_phi_is_upcast_to_float32(tmp_path: Path) -> None:
    """Issue 28 item 4: a float16 φ ended in scipy's "does not support dtype float16"."""
    phi = _phi(4).astype(np.float16)
    np.save(tmp_path / "f16.npy", phi)
    save_valuation(Valuation(phi.astype(np.float32), "oca", np.arange(4)), tmp_path / "f32.safetensors")
    loaded = load_valuation(tmp_path / "f16.npy")
    assert loaded.phi.dtype == np.float32 and np.array_equal(loaded.phi, phi.astype(np.float32))


def test_equal_valuations_give_byte_identical_files(tmp_path: Path) -> None:
    """Issue 18 item 9: the safetensors header (metadata) is written in a fixed order."""
    valuation = Valuation(_phi(), "oca", np.arange(5), layer=3, readout="local", details={"inputs": 10, "b": 1})
    written = {save_valuation(valuation, tmp_path / f"v{k}.safetensors").read_bytes() for k in range(12)}
    assert len(written) == 1


def test_lazy_names_stay_functions_after_their_modules_are_imported() -> None:
    import importlib

    import hedonic.valuation as valuation

    for module in ("coactivation", "gradient", "hessian", "exact", "build", "memory"):
        importlib.import_module(f"hedonic.valuation.{module}")
    for name in ("oca", "pas_grad", "pas_hess", "pas_exact", "build_valuation"):
        assert callable(getattr(valuation, name)), name


def test_the_written_out_exports_match_the_lazy_table() -> None:
    import hedonic.valuation as valuation

    assert set(valuation.__all__) == {"Valuation", "check_phi", "load_valuation", "save_valuation"} | set(valuation._LAZY)
