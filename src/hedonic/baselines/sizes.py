"""Size distributions: random groups with exactly a target's sizes, and post-hoc size matching.

A *target* is the multiset of coalition sizes of a reference partition (the hedonic one), as an
int array summing to the number of players. Baselines use it in two ways:

- :func:`random_groups` draws a uniformly random partition with exactly the target sizes;
- :func:`match_sizes` turns any clustering into one with exactly the target sizes, moving as few
  well-placed neurons as it can (algorithm in its docstring).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from hedonic.errors import ConfigError


def check_target_sizes(sizes: Sequence[int] | np.ndarray, n_players: int) -> np.ndarray:
    """Validate a target size multiset for ``n_players`` players; returns it (k,) int64, descending.

    Raises :class:`ConfigError` when a size is below 1 or the sizes do not sum to ``n_players``.
    """
    array = np.sort(np.asarray(sizes, dtype=np.int64))[::-1]
    if array.size and array.min() < 1:
        raise ConfigError(f"target coalition sizes must be ≥ 1, got {int(array.min())}", hint="pass positive sizes")
    if int(array.sum()) != n_players:
        raise ConfigError(
            f"target sizes sum to {int(array.sum())} but there are {n_players} players",
            hint="take the sizes from a partition of the same neurons (Partition.sizes())",
        )
    return array


def random_labels(n_players: int, sizes: Sequence[int] | np.ndarray, seed: int) -> np.ndarray:
    """Coalition label (n_players,) int64 of a uniformly random partition with exactly ``sizes``.

    A seeded permutation of the players is cut into consecutive runs of the (descending) sizes;
    label k is the k-th largest group. Same seed → same labels.
    """
    target = check_target_sizes(sizes, n_players)
    order = np.random.default_rng(seed).permutation(n_players)
    labels = np.empty(n_players, dtype=np.int64)
    labels[order] = np.repeat(np.arange(target.size), target)
    return labels


def cluster_affinity(similarity: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Mean similarity of each player to each cluster's members: (n, n) and labels (n,) → (n, k).

    ``labels`` are 0..k-1. A player's own entry (the diagonal of ``similarity``) is excluded from
    its own cluster's mean; singletons' own-cluster affinity is 0. Cost O(n²) (a sparse
    membership product), whatever k.
    """
    n = labels.shape[0]
    k = int(labels.max()) + 1 if n else 0
    membership = sparse.csr_matrix((np.ones(n), (labels, np.arange(n))), shape=(k, n))
    totals = np.asarray(membership @ np.asarray(similarity, dtype=np.float64)).T
    totals[np.arange(n), labels] -= np.diagonal(similarity)
    counts = np.bincount(labels, minlength=k)[None, :] - (labels[:, None] == np.arange(k)[None, :])
    return np.divide(totals, counts, out=np.zeros_like(totals), where=counts > 0)


def match_sizes(labels: np.ndarray, affinity: np.ndarray, sizes: Sequence[int] | np.ndarray) -> np.ndarray:
    """Relabel a clustering so that its groups have exactly the target ``sizes``.

    Inputs: ``labels`` (n,) cluster ids 0..k-1, ``affinity`` (n, k) how well each player fits each
    cluster (higher is better: cosine to the centroid, mean φ or ρ to the members), ``sizes`` the
    target multiset (sums to n). Returns labels (n,) int64 whose group m has the m-th largest size.

    Algorithm (deterministic):

    1. Clusters are ranked by size (descending, ties by cluster id) and paired with the target
       slots ranked by size: the m-th largest cluster is the home of the m-th largest slot.
       Clusters without a slot (more clusters than slots) send all members to a pool; slots
       without a cluster (fewer clusters) start empty.
    2. A cluster larger than its slot keeps the members with the highest affinity to it (ties
       by player index) and sends the rest to the pool.
    3. The pool fills the free seats by an optimal assignment (:func:`scipy.optimize.linear_sum_assignment`)
       maximising the summed affinity of each pooled player to its new slot's home cluster; a
       slot without a home cluster counts affinity 0 for everyone.
    """
    n = labels.shape[0]
    target = check_target_sizes(sizes, n)
    n_clusters = affinity.shape[1]
    cluster_sizes = np.bincount(labels, minlength=n_clusters)
    ranked = np.lexsort((np.arange(n_clusters), -cluster_sizes))
    home = np.full(target.size, -1, dtype=np.int64)
    paired = min(target.size, n_clusters)
    home[:paired] = ranked[:paired]

    result = np.full(n, -1, dtype=np.int64)
    for slot in range(paired):
        members = np.flatnonzero(labels == home[slot])
        keep = members[np.lexsort((members, -affinity[members, home[slot]]))][: target[slot]]
        result[keep] = slot
    pool = np.flatnonzero(result < 0)
    if pool.size:
        free = target - np.bincount(result[result >= 0], minlength=target.size)
        seats = np.repeat(np.arange(target.size), free)
        padded = np.hstack([affinity, np.zeros((n, 1))])
        gain = padded[np.ix_(pool, np.where(home[seats] >= 0, home[seats], n_clusters))]
        rows, cols = linear_sum_assignment(gain, maximize=True)
        result[pool[rows]] = seats[cols]
    return result
