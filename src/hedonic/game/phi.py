"""φ as every game reads it: the one check of the valuation matrix."""

from __future__ import annotations

import numpy as np

from hedonic.errors import ArtifactError


def check_valuation_matrix(phi: np.ndarray) -> np.ndarray:
    """Return ``phi`` as a 2-D float array after checking it is square and non-empty (finiteness is checked
    where values are read: :func:`rank_partners`, :meth:`PartnerRanking.from_entries`).

    Raises :class:`ArtifactError`. Symmetry is not checked here (the valuation stage guarantees
    it); the game is defined for any φ.
    """
    phi = np.asarray(phi)
    if phi.ndim != 2 or phi.shape[0] != phi.shape[1]:
        raise ArtifactError(f"φ must be a square matrix, got shape {phi.shape}", hint="pass the n×n valuation of one layer")
    if phi.shape[0] == 0:
        raise ArtifactError("a 0×0 φ has no players", hint="pass the n×n valuation of a layer with n ≥ 1 neurons")
    if not np.issubdtype(phi.dtype, np.floating):
        raise ArtifactError(f"φ must hold floats, got {phi.dtype}", hint="convert it with phi.astype(np.float32)")
    return phi
