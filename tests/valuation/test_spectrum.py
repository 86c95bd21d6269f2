"""φ's spectrum: shares of ‖φ‖²_F in the top eigencomponents, dense and Lanczos paths against an independent oracle."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.valuation.spectrum import DENSE_MAX, Spectrum, phi_spectrum


def symmetric(n: int, seed: int, rank: int | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if rank is None:
        x = rng.normal(size=(n, n))
        phi = x + x.T
    else:
        basis = np.linalg.qr(rng.normal(size=(n, rank)))[0]
        phi = (basis * rng.choice([-1.0, 1.0], rank) * np.arange(rank, 0, -1.0)) @ basis.T
    np.fill_diagonal(phi, 0.0)
    return phi.astype(np.float32)


def oracle_shares(phi: np.ndarray) -> dict[int, float]:
    """Shares from the singular values (|λ| of a symmetric matrix) of the float64 matrix."""
    singular = np.linalg.svd(phi.astype(np.float64), compute_uv=False)
    total = float(np.sum(singular**2))
    return {count: float(np.sum(singular[:count] ** 2) / total) for count in (1, 5, 20)}


@pytest.mark.parametrize("n", [7, 40, DENSE_MAX + 60])
def test_shares_match_the_singular_values(n: int) -> None:
    phi = symmetric(n, seed=n)
    spectrum = phi_spectrum(phi)
    assert len(spectrum.eigenvalues) == min(20, n)
    assert np.all(np.diff(np.abs(spectrum.eigenvalues)) <= 1e-9)
    assert spectrum.frobenius_sq == pytest.approx(float(np.sum(phi.astype(np.float64) ** 2)), rel=1e-12)
    for count, share in oracle_shares(phi).items():
        assert spectrum.share(count) == pytest.approx(share, rel=1e-4, abs=1e-9)


def test_a_low_rank_phi_is_held_by_its_rank() -> None:
    """Rank 3 before the diagonal is zeroed: the top 3 hold almost everything, the top 20 all but rounding."""
    spectrum = phi_spectrum(symmetric(DENSE_MAX + 44, seed=1, rank=3))
    assert spectrum.share(1) < 0.9 < spectrum.share(5) <= spectrum.share(20) <= 1.0
    assert spectrum.shares() == {count: spectrum.share(count) for count in (1, 5, 20)}


def test_zero_phi_has_zero_shares() -> None:
    assert phi_spectrum(np.zeros((4, 4), np.float32)).shares() == {1: 0.0, 5: 0.0, 20: 0.0}


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 30), seed=st.integers(0, 10_000))
def test_shares_grow_with_the_count_and_the_record_round_trips(n: int, seed: int) -> None:
    spectrum = phi_spectrum(symmetric(n, seed))
    shares = [spectrum.share(count) for count in range(1, 22)]
    assert all(0.0 <= low <= high <= 1.0 for low, high in pairwise(shares))
    again = Spectrum.from_dict(spectrum.to_dict())
    np.testing.assert_array_equal(again.eigenvalues, spectrum.eigenvalues)
    assert again.frobenius_sq == spectrum.frobenius_sq
