"""Spherical k-means on the neurons' weight rows: the paper's clustering baseline.

Features (:func:`weight_features`): per neuron i, each of its weight vectors (the row i of every
MLP input projection, ``gate`` and ``up`` or ``fc``, and the column i of the output projection,
d_i) is L2-normalised on its own, the unit blocks are concatenated in a fixed order (input
projections by name, then the output column) and the result is divided by √(number of blocks).
The feature is a unit vector and the cosine of two neurons' features is the *mean of their
blockwise cosines*, so every projection weighs the same whatever its scale (the output column's
norm is often far from the input rows'). A zero block stays zero.

Clustering (:func:`spherical_kmeans`): real spherical k-means (Dhillon & Modha), not Euclidean
k-means on normalised rows: centroids are unit vectors (the normalised sum of the members),
assignment maximises the cosine, and the objective is the summed cosine to the own centroid.
Seeding is k-means++ with the cosine distance 1 − cos; an empty cluster is re-seeded with the
point farthest from its centroid; the best of ``n_init`` seeded runs is kept. Cost per iteration
is one (n, F)·(F, k) product: O(n·k·F); seeding costs k sequential (n, F)·(F,) products.

Scale: at n = 1536, F = 768, k = 192 one restart takes about 0.2 s. At n = 14,336 (a LLaMA-8B
layer: F = 12,288, features 0.7 GB) with k = 1,792, measured on a loaded 2-core machine with one
BLAS thread, a seeding step takes 0.18 s (about 5 min per restart) and a Lloyd iteration 25 s:
tens of minutes with ``n_init=4``; lower ``n_init``, or use a machine with more cores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from hedonic.baselines.build import check_n_clusters, check_players, clustering_partition
from hedonic.errors import ConfigError

if TYPE_CHECKING:
    from hedonic.game import Partition

FEATURE_DESCRIPTION = "blockwise L2-normalised W_in rows and W_out column, concatenated, unit norm"


def weight_features(w_in: Mapping[str, np.ndarray], w_out: np.ndarray) -> np.ndarray:
    """Unit feature per neuron from its weights: ``w_in`` name → (n, d), ``w_out`` (d, n) → (n, F).

    F = d·(len(w_in) + 1), float32 (computed in float32: a 14,336-neuron LLaMA layer gives 0.7 GB).
    See the module docstring for the normalisation.
    """
    n = w_out.shape[1]
    blocks = [np.asarray(w_in[name], dtype=np.float32) for name in sorted(w_in)] + [np.asarray(w_out, dtype=np.float32).T]
    for name, block in zip([*sorted(w_in), "out"], blocks, strict=True):
        if block.ndim != 2 or block.shape[0] != n:
            raise ConfigError(
                f"weight block {name!r} has shape {block.shape}; expected ({n}, d) to match W_out's {n} neurons",
                hint="pass ModelAdapter.w_in(l) (each (n, d)) and ModelAdapter.w_out(l) (d, n) of the same layer",
            )
    features = np.hstack([_normalise_rows(block) for block in blocks])
    features /= np.float32(np.sqrt(len(blocks)))
    return features


@dataclass(frozen=True)
class SphericalKMeans:
    """Result of :func:`spherical_kmeans`: labels (n,) 0..k-1, unit centroids (k, F), summed cosine."""

    labels: np.ndarray
    centroids: np.ndarray
    objective: float
    iterations: int


def spherical_kmeans(features: np.ndarray, n_clusters: int, *, seed: int = 0, n_init: int = 4, max_iter: int = 100) -> SphericalKMeans:
    """Spherical k-means of the rows of ``features`` (n, F) (normalised here) into ``n_clusters``.

    Runs ``n_init`` seeded restarts (seeds derived from ``seed``) of at most ``max_iter`` Lloyd
    iterations each and returns the one with the largest summed cosine. Deterministic for a seed.
    """
    x = _normalise_rows(np.asarray(features, dtype=np.float32))
    k = check_n_clusters(n_clusters, x.shape[0])
    if n_init < 1 or max_iter < 1:
        raise ConfigError(f"n_init={n_init} and max_iter={max_iter} must be ≥ 1", hint="pass positive counts")
    runs = [_lloyd(x, k, np.random.default_rng([seed, run]), max_iter) for run in range(n_init)]
    return max(runs, key=lambda result: result.objective)


def spherical_kmeans_baseline(
    features: np.ndarray,
    neurons: Sequence[int] | np.ndarray,
    n_clusters: int,
    *,
    seed: int = 0,
    n_init: int = 4,
    max_iter: int = 100,
    match_to: Sequence[int] | np.ndarray | None = None,
    layer: int | None = None,
) -> Partition:
    """Partition of ``neurons`` (n,) by spherical k-means on ``features`` (n, F) (see :func:`weight_features`).

    With ``match_to`` (target sizes) the clusters are size-matched using each neuron's cosine to
    every centroid. Method name ``"spherical-kmeans"``.
    """
    ids = check_players(neurons, features.shape[0], "the feature matrix")
    result = spherical_kmeans(features, n_clusters, seed=seed, n_init=n_init, max_iter=max_iter)
    affinity = _normalise_rows(np.asarray(features, dtype=np.float32)) @ result.centroids.T
    parameters = {
        "n_clusters": int(n_clusters),
        "n_init": n_init,
        "max_iter": max_iter,
        "features": FEATURE_DESCRIPTION,
        "objective": result.objective,
        "iterations": result.iterations,
    }
    return clustering_partition(
        result.labels, ids, "spherical-kmeans", affinity=affinity, match_to=match_to, parameters=parameters, seed=seed, layer=layer
    )


def _normalise_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


def _seed_centroids(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    n = x.shape[0]
    chosen = [int(rng.integers(n))]
    best = x @ x[chosen[0]]
    for _ in range(1, k):
        distance = np.clip(1.0 - best, 0.0, None).astype(np.float64)
        distance[chosen] = 0.0
        total = distance.sum()
        pick = int(rng.choice(n, p=distance / total)) if total > 0 else int(rng.choice(np.setdiff1d(np.arange(n), chosen)))
        chosen.append(pick)
        best = np.maximum(best, x @ x[pick])
    return x[chosen].copy()


def _lloyd(x: np.ndarray, k: int, rng: np.random.Generator, max_iter: int) -> SphericalKMeans:
    n = x.shape[0]
    centroids = _seed_centroids(x, k, rng)
    labels = np.full(n, -1, dtype=np.int64)
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        new_labels = np.argmax(x @ centroids.T, axis=1)
        new_labels = _fill_empty(x, centroids, new_labels, k)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        onehot = sparse.csr_matrix((np.ones(n, dtype=np.float32), (labels, np.arange(n))), shape=(k, n))
        centroids = _normalise_rows(np.asarray(onehot @ x))
    objective = float(np.einsum("ij,ij->", x, centroids[labels], dtype=np.float64))
    return SphericalKMeans(labels=labels, centroids=centroids, objective=objective, iterations=iterations)


def _fill_empty(x: np.ndarray, centroids: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    counts = np.bincount(labels, minlength=k)
    empty = np.flatnonzero(counts == 0)
    if not empty.size:
        return labels
    fit = np.einsum("ij,ij->i", x, centroids[labels])
    labels = labels.copy()
    for cluster in empty:
        movable = np.flatnonzero(counts[labels] > 1)
        donor = movable[np.argmin(fit[movable])]
        counts[labels[donor]] -= 1
        labels[donor] = cluster
        counts[cluster] = 1
        fit[donor] = np.inf
    return labels
