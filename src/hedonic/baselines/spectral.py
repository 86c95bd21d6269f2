"""Spectral clustering on φ: the baseline that sees exactly the information the game sees.

Affinity (:func:`phi_affinity`): the positive part of φ scaled to [0, 1],
A = max(φ, 0) / max(φ) off the diagonal, plus a uniform floor ``floor`` (default 1e-6) on every
off-diagonal entry. Negative φ (antagonistic pairs, never friends in the game) carry no
attraction, as in the game's friend rule; the floor keeps the graph connected so that neurons
with no positive φ do not split the Laplacian into many null components (they then join the
cluster decided by the floor, i.e. arbitrarily). The diagonal is 0.

Clustering: :class:`sklearn.cluster.SpectralClustering` with ``affinity="precomputed"``, the
ARPACK eigensolver (seeded), as many eigenvectors as clusters, and ``assign_labels="cluster_qr"``
(deterministic given the embedding and much faster than k-means for hundreds of clusters).
The dense affinity and the eigenproblem are O(n²) memory and roughly O(n²·k) time: above
``max_players`` (default 4096; a 14,336-neuron layer is refused) the function raises
:class:`~hedonic.errors.MemoryBudgetError` instead of running for hours.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from hedonic.baselines.build import check_n_clusters, check_players, clustering_partition
from hedonic.baselines.sizes import cluster_affinity
from hedonic.errors import MemoryBudgetError
from hedonic.game import Partition

DEFAULT_FLOOR = 1e-6
DEFAULT_MAX_PLAYERS = 4096


def phi_affinity(phi: np.ndarray, floor: float = DEFAULT_FLOOR) -> np.ndarray:
    """Non-negative affinity (n, n) float64 from φ (n, n): max(φ, 0)/max(φ) + ``floor``, zero diagonal.

    When φ has no positive entry the affinity is the uniform ``floor``.
    """
    positive = np.maximum(np.asarray(phi, dtype=np.float64), 0.0)
    scale = positive.max() if positive.size else 0.0
    affinity = (positive / scale if scale > 0 else positive) + floor
    np.fill_diagonal(affinity, 0.0)
    return affinity


def spectral_baseline(
    phi: np.ndarray,
    neurons: Sequence[int] | np.ndarray,
    n_clusters: int,
    *,
    seed: int = 0,
    floor: float = DEFAULT_FLOOR,
    max_players: int = DEFAULT_MAX_PLAYERS,
    match_to: Sequence[int] | np.ndarray | None = None,
    layer: int | None = None,
) -> Partition:
    """Partition of ``neurons`` (n,) by spectral clustering of :func:`phi_affinity` of ``phi`` (n, n).

    With ``match_to`` the clusters are size-matched using each neuron's mean affinity to each
    cluster's members. Method name ``"spectral"``. Raises :class:`MemoryBudgetError` when
    n > ``max_players``.
    """
    from sklearn.cluster import SpectralClustering

    ids = check_players(neurons, phi.shape[0], "φ")
    n = ids.shape[0]
    k = check_n_clusters(n_clusters, n)
    if n > max_players:
        raise MemoryBudgetError(
            f"spectral clustering of {n} neurons needs a dense {n}×{n} affinity and {k} eigenvectors "
            f"(limit: {max_players} neurons)",
            hint="run it on a subset of the neurons (e.g. a partition of fewer players), raise max_players "
            "if the machine can take it, or leave 'spectral' out of the methods",
        )
    affinity = phi_affinity(phi, floor)
    if k == 1 or k == n:
        labels = np.zeros(n, dtype=np.int64) if k == 1 else np.arange(n)
    else:
        model = SpectralClustering(
            n_clusters=k, affinity="precomputed", eigen_solver="arpack", assign_labels="cluster_qr", random_state=seed
        )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Graph is not fully connected")
            raw = model.fit_predict(affinity)
        labels = np.unique(raw, return_inverse=True)[1]
    parameters = {"n_clusters": k, "affinity": "max(phi, 0) / max(phi) + floor", "floor": floor, "eigen_solver": "arpack", "assign_labels": "cluster_qr"}
    return clustering_partition(
        labels, ids, "spectral", affinity=cluster_affinity(affinity, labels), match_to=match_to, parameters=parameters, seed=seed, layer=layer
    )
