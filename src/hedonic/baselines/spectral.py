"""Spectral clustering on φ: the baseline that sees exactly the information the game sees.

Affinity (:func:`phi_affinity`): the positive part of φ scaled to [0, 1],
A = max(φ, 0) / max(φ) off the diagonal, plus a uniform floor ``floor`` (default 1e-6) on every
off-diagonal entry. Negative φ (antagonistic pairs, never friends in the game) carry no
attraction, as in the game's friend rule; the floor keeps the graph connected so that neurons
with no positive φ do not split the Laplacian into many null components (they then join the
cluster decided by the floor, i.e. arbitrarily). The diagonal is 0.

Clustering: the algorithm of :class:`sklearn.cluster.SpectralClustering` with
``affinity="precomputed"`` and ``assign_labels="cluster_qr"`` (Damle, Minden & Ying 2019), with
the embedding computed by a dense symmetric eigensolver instead of ARPACK:
the k leading eigenvectors V of D^{-1/2} A D^{-1/2} (D the degrees; the k smallest of the
normalised Laplacian) by :func:`scipy.linalg.eigh`, the embedding D^{-1/2} V, then the
column-pivoted QR assignment. For hundreds of clusters on a few thousand neurons ARPACK needs
many restarts (about 60 s for k = 192 at n = 1536 on a loaded 2-core machine, 13 s dense);
the dense solver is exact and deterministic, so no seed is involved. Memory O(n²), time
O(n³): above ``max_players`` (default 4096; a 14,336-neuron layer is refused) the function
raises :class:`~hedonic.errors.MemoryBudgetError` instead of running for a long time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from hedonic.baselines.build import check_n_clusters, check_players, clustering_partition
from hedonic.baselines.sizes import cluster_affinity
from hedonic.errors import MemoryBudgetError

if TYPE_CHECKING:
    from hedonic.game import Partition

DEFAULT_FLOOR = 1e-6
DEFAULT_MAX_PLAYERS = 4096
"""Default largest layer spectral clustering runs on (a dense n×n eigenproblem)."""


def phi_affinity(phi: np.ndarray, floor: float = DEFAULT_FLOOR) -> np.ndarray:
    """Non-negative affinity (n, n) float64 from φ (n, n): max(φ, 0)/max(φ) + ``floor``, zero diagonal.

    When φ has no positive entry the affinity is the uniform ``floor``.
    """
    positive = np.maximum(np.asarray(phi, dtype=np.float64), 0.0)
    scale = positive.max() if positive.size else 0.0
    affinity = (positive / scale if scale > 0 else positive) + floor
    np.fill_diagonal(affinity, 0.0)
    return affinity


def spectral_labels(affinity: np.ndarray, n_clusters: int) -> np.ndarray:
    """Spectral clustering of a non-negative symmetric ``affinity`` (n, n) into labels (n,) 0..k-1.

    See the module docstring; zero-degree rows are treated as having degree 1.
    """
    from scipy.linalg import eigh, qr, svd

    n = affinity.shape[0]
    degree = affinity.sum(axis=1)
    scale = 1.0 / np.sqrt(np.where(degree > 0, degree, 1.0))
    normalised = affinity * scale[:, None] * scale[None, :]
    _, vectors = eigh(normalised, subset_by_index=[n - n_clusters, n - 1])
    embedding = vectors * scale[:, None]
    _, _, pivots = qr(embedding.T, pivoting=True)
    left, _, right = svd(embedding[pivots[:n_clusters]].T)
    raw = np.abs(embedding @ (left @ right)).argmax(axis=1)
    return np.unique(raw, return_inverse=True)[1]


def spectral_baseline(
    phi: np.ndarray,
    neurons: Sequence[int] | np.ndarray,
    n_clusters: int,
    *,
    floor: float = DEFAULT_FLOOR,
    max_players: int = DEFAULT_MAX_PLAYERS,
    match_to: Sequence[int] | np.ndarray | None = None,
    layer: int | None = None,
) -> Partition:
    """Partition of ``neurons`` (n,) by spectral clustering of :func:`phi_affinity` of ``phi`` (n, n).

    With ``match_to`` the clusters are size-matched using each neuron's mean affinity to each
    cluster's members. Method name ``"spectral"``; deterministic. Raises
    :class:`MemoryBudgetError` when n > ``max_players``.
    """
    ids = check_players(neurons, phi.shape[0], "φ")
    n = ids.shape[0]
    k = check_n_clusters(n_clusters, n)
    if n > max_players:
        raise MemoryBudgetError(
            f"spectral clustering of {n} neurons needs a dense {n}×{n} eigenproblem (limit: {max_players} neurons)",
            hint="run it on a subset of the neurons (e.g. a partition of fewer players), raise max_players "
            "if the machine can take it, or leave 'spectral' out of the methods",
        )
    affinity = phi_affinity(phi, floor)
    labels = spectral_labels(affinity, k) if 1 < k < n else (np.zeros(n, dtype=np.int64) if k == 1 else np.arange(n))
    parameters = {
        "n_clusters": k,
        "affinity": "max(phi, 0) / max(phi) + floor",
        "floor": floor,
        "eigen_solver": "dense (scipy.linalg.eigh)",
        "assign_labels": "cluster_qr",
    }
    return clustering_partition(
        labels,
        ids,
        "spectral",
        affinity=cluster_affinity(affinity, labels),
        match_to=match_to,
        parameters=parameters,
        seed=None,
        layer=layer,
    )
