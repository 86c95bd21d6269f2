"""φ as every game reads it: the one check of the valuation matrix, made where a game starts.

:func:`~hedonic.game.discover` (and :func:`~hedonic.game.pac_top_cover`, the other entry point
that takes φ) calls :func:`check_phi` once; everything the games build from φ afterwards (friend
rankings, partner lists, the preferences, the τ rules, the diagnosis) reads it unchecked. The
check: a non-empty square 2-D float matrix with finite entries and, for the games whose theory
needs it (the additive games' potential), symmetric up to float rounding, which is then removed.
The reading costs one pass over φ by row blocks, plus one in square tiles for the symmetry
(:mod:`hedonic.matrix_scan`).
"""

from __future__ import annotations

import numpy as np

from hedonic.errors import ArtifactError, ConfigError, NumericalError
from hedonic.matrix_scan import max_asymmetry, row_abs_max

SYMMETRY_RTOL = 1e-5
"""φ asymmetric by at most this share of its largest |φ| (float rounding) is symmetrised; more is refused."""


def check_phi(phi: np.ndarray, *, symmetric: bool) -> np.ndarray:
    """φ (n, n) float after the one check (module docstring): the array itself, or (``symmetric``,
    rounding-level asymmetry) (φ + φᵀ)/2 in φ's dtype.

    Raises :class:`ArtifactError` (not square, empty, not floats), :class:`NumericalError`
    (NaN or infinite entries) or, with ``symmetric``, :class:`ConfigError` when
    max |φ_ij − φ_ji| exceeds :data:`SYMMETRY_RTOL` of the largest |φ|.
    """
    phi = np.asarray(phi)
    if phi.ndim != 2 or phi.shape[0] != phi.shape[1]:
        raise ArtifactError(f"φ must be a square matrix, got shape {phi.shape}", hint="pass the n×n valuation of one layer")
    if phi.shape[0] == 0:
        raise ArtifactError("a 0×0 φ has no players", hint="pass the n×n valuation of a layer with n ≥ 1 neurons")
    if not np.issubdtype(phi.dtype, np.floating):
        raise ArtifactError(f"φ must hold floats, got {phi.dtype}", hint="convert it with phi.astype(np.float32)")
    row_max = row_abs_max(phi)
    if not np.isfinite(row_max).all():
        raise NumericalError("φ holds NaN or infinite entries", hint="recompute the valuation; the game needs finite values")
    if not symmetric:
        return phi
    asymmetry, largest = max_asymmetry(phi), float(row_max.max())
    if asymmetry > SYMMETRY_RTOL * largest:
        raise ConfigError(
            f"the additive game needs a symmetric φ: |φ_ij − φ_ji| reaches {asymmetry:.3g} (largest |φ| {largest:.3g})",
            hint="symmetrise it, e.g. (phi + phi.T) / 2, or play a top-responsive game",
        )
    return ((phi + phi.T) / 2).astype(phi.dtype) if asymmetry else phi
