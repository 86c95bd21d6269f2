"""The one check of φ: made at discover, for every game, and written once in the game stage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hedonic.game
from hedonic.errors import ArtifactError, ConfigError, NumericalError
from hedonic.game import GAME_METHODS, check_phi, discover, planted_valuation


def _symmetric(n: int, seed: int) -> np.ndarray:
    """A symmetric φ (n, n) float32 with zero diagonal and groups of 3 to 6 under unit noise."""
    return planted_valuation(n, 1.0, sizes=(3, 6), seed=seed)[0]


def _with(value: float) -> np.ndarray:
    phi = _symmetric(6, 0)
    phi[2, 1] = phi[1, 2] = value
    return phi


@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize(
    ("phi", "error", "message"),
    [
        (np.zeros((3, 4), dtype=np.float32), ArtifactError, "square"),
        (np.zeros(3, dtype=np.float32), ArtifactError, "square"),
        (np.zeros((0, 0), dtype=np.float32), ArtifactError, "0×0 φ has no players"),
        (np.zeros((3, 3), dtype=np.int64), ArtifactError, "floats"),
        (_with(np.nan), NumericalError, "NaN or infinite"),
        (_with(-np.inf), NumericalError, "NaN or infinite"),
    ],
)
def test_bad_valuations_fail_clearly(phi: np.ndarray, error: type[Exception], message: str, symmetric: bool) -> None:
    with pytest.raises(error, match=message):
        check_phi(phi, symmetric=symmetric)


def test_symmetry_is_checked_only_where_asked_and_rounding_is_removed() -> None:
    phi = _symmetric(5, 0)
    skewed = phi.copy()
    skewed[0, 1] += 1.0
    assert check_phi(skewed, symmetric=False) is skewed
    with pytest.raises(ConfigError, match="symmetric"):
        check_phi(skewed, symmetric=True)
    rounded = phi.copy()
    rounded[0, 1] *= np.float32(1 + 1e-7)
    symmetrised = check_phi(rounded, symmetric=True)
    assert np.array_equal(symmetrised, symmetrised.T) and symmetrised.dtype == np.float32
    assert check_phi(phi, symmetric=True) is phi


@pytest.mark.parametrize("method", list(GAME_METHODS))
def test_discover_checks_phi_for_every_game(method: str) -> None:
    with pytest.raises(NumericalError, match="NaN or infinite"):
        discover(_with(np.nan), method=method, stability_samples=10)
    skewed = _symmetric(6, 1)
    skewed[0, 1] += 5.0
    if GAME_METHODS[method].symmetric:
        with pytest.raises(ConfigError, match="symmetric"):
            discover(skewed, method=method, stability_samples=10)
    else:
        assert discover(skewed, method=method, stability_samples=10).n_players == 6


def test_the_check_is_written_once_in_the_game_stage() -> None:
    sources = Path(hedonic.game.__file__).parent.rglob("*.py")
    assert sum(path.read_text(encoding="utf-8").count('"φ holds NaN or infinite entries"') for path in sources) == 1
